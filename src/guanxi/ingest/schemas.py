"""Pydantic schemas of the ingest log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class IngestRunRead(BaseModel):
    """One load of an extract."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    started_at: dt.datetime
    finished_at: dt.datetime
    source_system: str
    mapping: str
    rows_read: int
    rows_new: int
    rows_rejected: int
    counts: dict[str, Any]
