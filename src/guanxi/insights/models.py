"""ORM: the insights found for each customer (duplicate charges, a bill that went up, ...).

``guanxi insights`` detects them from the lake (``analytics/insights.py``) and stores them here;
the customer 360 and the assistant read them. A customer can dismiss one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Amount, Base, BigId, JsonDocument, UTCDateTime


class CustomerInsight(Base):
    """Something worth telling the customer, found in their transactions."""

    __tablename__ = "customer_insights"
    __table_args__ = (
        # The same finding is stored once, however often detection runs over it.
        UniqueConstraint("party_id", "fingerprint"),
        Index("ix_customer_insights_party_detected", "party_id", "detected_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # Kind, day, account and amount hashed: what makes two detections the same finding.
    fingerprint: Mapped[str] = mapped_column(String(64))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Amount())
    currency: Mapped[str | None] = mapped_column(String(3))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument())
    as_of: Mapped[dt.date] = mapped_column(Date)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    dismissed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
