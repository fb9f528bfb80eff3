"""ORM: scoring runs, each customer's latest scores and offers, and drift alerts.

The models themselves live in the file registry (``var/models``); these tables keep what a
scoring run wrote back for the workspace, like ``customer_segments`` does for the analytics.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Amount, Base, BigId, JsonDocument, UTCDateTime


class ScoringRun(Base):
    """One run of ``guanxi score``: which model version scored whom, as of when, and the drift found."""

    __tablename__ = "scoring_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    model_name: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    offers: Mapped[int] = mapped_column(Integer, default=0)
    # population stability per feature and per score against the training data: {name: psi}
    psi: Mapped[dict[str, float] | None] = mapped_column(JsonDocument())
    steps: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument())


class CustomerScore(Base):
    """A customer's latest score from one model (churn probability, lifetime value) with its reasons."""

    __tablename__ = "customer_scores"
    __table_args__ = (UniqueConstraint("party_id", "model"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(16), index=True)
    amount: Mapped[Decimal | None] = mapped_column(Amount())  # a value in base currency (lifetime value)
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument())
    as_of: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="CASCADE"))


class CustomerOffer(Base):
    """One of a customer's best offers: the product, its propensity and expected value, and why."""

    __tablename__ = "customer_offers"
    __table_args__ = (UniqueConstraint("party_id", "rank"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    propensity: Mapped[float] = mapped_column(Float)
    expected_value: Mapped[float] = mapped_column(Float)
    # whether the customer may be contacted about it now: marketing consent and the contact policy
    contactable: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument())
    as_of: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="CASCADE"))


class DriftAlert(Base):
    """A feature or score whose distribution moved past the threshold since training."""

    __tablename__ = "drift_alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="CASCADE"), index=True)
    model_name: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))
    psi: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
