"""Pydantic schemas of the product catalogue."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class ProductRead(BaseModel):
    """A product of the catalogue."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source_key: str
    name: str
    name_zh: str | None
    family: str
    currency: str
    risk_class: int | None
    interest_rate: Decimal | None
    min_age: int | None
    active: bool
