"""API shapes of the customer models' results: a customer's scores and offers, drift alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class ScoreReason(BaseModel):
    """One reason: the feature, how much it raised the score (log-odds), the sentence in both languages."""

    feature: str
    impact: float
    en: str
    zh: str


class OfferRead(BaseModel):
    """One of a customer's best offers."""

    rank: int
    product_id: int
    product: str
    product_zh: str | None
    family: str
    propensity: float
    expected_value: float
    contactable: bool
    reasons: list[ScoreReason]


class CustomerScoresRead(BaseModel):
    """A customer's latest churn risk, lifetime value and offers (empty before the first scoring run)."""

    party_id: int
    as_of: dt.date | None
    churn_probability: float | None
    churn_band: str | None
    churn_reasons: list[ScoreReason]
    lifetime_value: Decimal | None
    offers: list[OfferRead]


class DriftAlertRead(BaseModel):
    """A variable whose distribution moved past the threshold since the model was trained."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    model_name: str
    subject: str
    psi: float
    threshold: float
    created_at: dt.datetime
