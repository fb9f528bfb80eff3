"""ORM: customer cases (complaints, service requests, disputes, enquiries), their history, SLA
targets and routing.

Row-level scoping depends on cases too: a service agent sees the customers who have an open case
assigned to their team (``parties/scope.py`` reads this table by name).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.codes import OPEN_CASE_STATUSES
from guanxi.db import Base, BigId, JsonDocument, UTCDateTime

OPEN_STATUSES = tuple(str(status) for status in OPEN_CASE_STATUSES)


class Case(Base):
    """A case opened for a customer, owned by a team and (once assigned) a member of staff."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_team_status", "team_id", "status"),
        Index("ix_cases_owner_status", "owner_staff_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    case_type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64))
    sub_category: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="new")
    subject: Mapped[str] = mapped_column(String(200))
    # The customer's own words; erased with the customer (privacy/service.py).
    description: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=now, onupdate=now)
    # The SLA clock: business seconds used while it ran, when it last started, and the target.
    sla_target_seconds: Mapped[int | None] = mapped_column(Integer)
    sla_used_seconds: Mapped[int] = mapped_column(Integer, default=0)
    sla_running_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    breached_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_code: Mapped[str | None] = mapped_column(String(32))
    root_cause: Mapped[str | None] = mapped_column(String(32), index=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # What the categoriser suggested when the case was opened (never applied by itself).
    suggested_category: Mapped[str | None] = mapped_column(String(120))
    suggested_confidence: Mapped[float | None] = mapped_column(Float)
    routed_by: Mapped[str | None] = mapped_column(String(32))


class CaseEvent(Base):
    """One step in a case's life: a state change, assignment, note, reply, escalation."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_time", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    # internal notes stay inside the bank; customer replies are shown to the customer.
    visibility: Mapped[str] = mapped_column(String(16), default="internal")
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument())


class CaseAttachment(Base):
    """What was attached to a case (metadata; the file itself lives in the document store)."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class SlaTarget(Base):
    """The time allowed to resolve a case, in business hours, by type, category and priority.

    ``category`` empty means every category of the type; a row naming the category wins.
    """

    __tablename__ = "sla_targets"
    __table_args__ = (UniqueConstraint("case_type", "category", "priority"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16))
    business_hours: Mapped[float] = mapped_column(Float)


class CaseRoute(Base):
    """The team whose queue receives cases of a category (when the customer's RM does not)."""

    __tablename__ = "case_routes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
