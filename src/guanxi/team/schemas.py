"""Pydantic schemas of branches and staff."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BranchRead(BaseModel):
    """A branch with its head count of staff and customers."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source_key: str
    name: str
    region: str | None
    city: str | None
    staff: int = 0
    customers: int = 0
