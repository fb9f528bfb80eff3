"""Pydantic schemas of the audit API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    occurred_at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    source: str | None
    data: dict[str, Any] | None
    hash: str


class AuditPage(BaseModel):
    """One page of audit entries, newest first."""

    items: list[AuditEventRead]
    total: int
    limit: int
    offset: int


class ChainCheck(BaseModel):
    """The result of verifying the chain."""

    ok: bool
    checked: int
    bad_seq: int | None
    bad_id: int | None
    problem: str | None
    message: str
