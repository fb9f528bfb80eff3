"""ORM: the log of ingest runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.db import Base, BigId, JsonDocument, UTCDateTime


class IngestRun(Base):
    """One load of an extract: what came in, what was new, what was rejected."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source_system: Mapped[str] = mapped_column(String(32), index=True)
    mapping: Mapped[str] = mapped_column(String(200))
    directory: Mapped[str] = mapped_column(String(500))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_new: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JsonDocument())
    quarantine_path: Mapped[str | None] = mapped_column(String(500))
