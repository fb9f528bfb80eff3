"""ORM: customer cases (complaints, service requests, disputes, enquiries).

Row-level scoping already depends on cases: a service agent sees the customers who have an open
case assigned to their team. The servicing workflow (SLA, routing, replies) builds on this table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, UTCDateTime

OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting_for_customer", "reopened")


class Case(Base):
    """A case opened for a customer and owned by a team."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_team_status", "team_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    case_type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="new")
    subject: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
