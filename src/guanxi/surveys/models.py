"""ORM: satisfaction surveys sent to customers, and their answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, UTCDateTime


class SurveyTrigger(Base):
    """When the bank sends a survey: after a case closes, or after contacts on some channels."""

    __tablename__ = "survey_triggers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(32), unique=True)  # case_closed, interaction:<channel>
    kind: Mapped[str] = mapped_column(String(8))  # csat or nps
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Survey(Base):
    """A survey sent to a customer, linked to what prompted it and who handled that."""

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_party_sent", "party_id", "sent_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    trigger: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    # The customer answers through a link holding a random token; only its digest is stored.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    follow_up_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
