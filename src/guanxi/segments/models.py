"""ORM: analysis runs and each customer's latest segments (the history lives in the lake)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, JsonDocument, UTCDateTime


class AnalysisRun(Base):
    """One run of the analytics: features and segmentations as of a date."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    engine: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    steps: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument())
    # The needs clusters' profile cards: size, what sets each apart, typical products and channels.
    profiles: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument())


class CustomerSegment(Base):
    """A customer's segment in one segmentation, from the latest run, with the reason for it."""

    __tablename__ = "customer_segments"
    __table_args__ = (UniqueConstraint("party_id", "segmentation"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    segmentation: Mapped[str] = mapped_column(String(32))
    segment: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument())
    as_of: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))


class RuleSegment(Base):
    """A segment an analyst defined as a filter over the features; re-evaluated on every run."""

    __tablename__ = "rule_segments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    expression: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    size: Mapped[int | None] = mapped_column(Integer)
    size_as_of: Mapped[dt.date | None] = mapped_column(Date)
