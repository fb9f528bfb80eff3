"""ORM: appointments with a relationship manager or at a branch."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, UTCDateTime


class Appointment(Base):
    """A booked slot. ``resource`` names what cannot be double-booked (``staff:12``, ``branch:3``);
    a partial unique index allows one booked appointment per resource and slot start, so two
    concurrent bookings of the same slot cannot both commit."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index(
            "uq_appointments_booked_slot",
            "resource",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_appointments_party_start", "party_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    resource: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    notes: Mapped[str | None] = mapped_column(Text)
    booked_by: Mapped[str] = mapped_column(String(100))
    booked_via: Mapped[str] = mapped_column(String(16))
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
