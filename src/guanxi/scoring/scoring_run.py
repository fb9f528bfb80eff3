"""Scoring every customer: churn with its band and reasons, lifetime value, best offers and drift.

Analytics, not ORM: the features, the customers' facts and the products come in as frames; what
comes out is written back by :mod:`guanxi.scoring.service`. Vectorised by model, not by customer:
one churn pass over everyone, one pass per offered family for the offers' reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from guanxi.scoring.clv import lifetime_value
from guanxi.scoring.customer_models import CHURN_SCORE, CustomerModels
from guanxi.scoring.drift import drift
from guanxi.scoring.offers import Offer, best_offers
from guanxi.scoring.reason_text import reason_sentence

TOP_REASONS = 3


@dataclass
class ScoredCustomers:
    """Everything one scoring pass produced, rows aligned with ``party_ids``."""

    party_ids: np.ndarray
    churn: np.ndarray
    bands: np.ndarray
    churn_reasons: list[list[dict[str, Any]]]
    lifetime_value: np.ndarray
    offers: list[Offer]
    offer_reasons: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=dict)
    psi: dict[str, float] = field(default_factory=dict)


def _worded(reasons: list[Any]) -> list[dict[str, Any]]:
    return [
        {"feature": r.feature, "impact": round(r.impact, 4), "en": en, "zh": zh}
        for r in reasons
        for en, zh in [reason_sentence(r.feature, r.value)]
    ]


def _credits(model: Any, frame: pd.DataFrame, exact: bool) -> pd.DataFrame:
    # TreeSHAP (exact Shapley values, ~1 ms a row) or path attribution (a leaf lookup per tree)
    return model.contributions(frame) if exact else model.path_contributions(frame)


def offer_reasons(
    models: CustomerModels, features: pd.DataFrame, offers: list[Offer], exact: bool = False
) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Why each offer: the features that raised the customer's propensity for its family most."""
    out: dict[tuple[int, int], list[dict[str, Any]]] = {}
    by_family: dict[str, list[Offer]] = {}
    for offer in offers:
        by_family.setdefault(offer.family, []).append(offer)
    for family, chosen in by_family.items():
        rows = features.loc[[o.party_id for o in chosen], models.feature_names]
        rows = rows.reset_index(drop=True)  # a customer may have two offers of one family
        model = models.propensity[family]
        explained = model.reasons_from(rows, _credits(model, rows, exact), top=TOP_REASONS)
        for offer, reasons in zip(chosen, explained, strict=True):
            out[(offer.party_id, offer.rank)] = _worded(reasons)
    return out


def score_customers(
    models: CustomerModels,
    features: pd.DataFrame,
    *,
    customers: pd.DataFrame,
    products: pd.DataFrame,
    held: pd.DataFrame,
    margin: pd.Series,
    top_offers: int = 3,
    exact_reasons: bool = False,
) -> ScoredCustomers:
    """Score every row of ``features`` (indexed by party id); the other frames are aligned with it.

    Reasons come from path attribution, or from TreeSHAP (``pred_contrib``) with ``exact_reasons``.
    """
    frame = features[models.feature_names]
    contributions = _credits(models.churn, frame, exact_reasons)
    # the score is the sum of the contributions: one TreeSHAP pass gives both score and reasons
    log_odds = contributions.to_numpy().sum(axis=1)  # the (base) column included
    churn = 1.0 / (1.0 + np.exp(-log_odds))
    reasons = models.churn.reasons_from(frame, contributions, top=TOP_REASONS)
    value = lifetime_value(margin.reindex(features.index).fillna(0.0).to_numpy(), churn)
    ids = features.index.to_numpy()
    offers = best_offers(ids, models.propensities(features), customers, products, held, top=top_offers)
    columns = {name: frame[name].to_numpy(dtype=float) for name in models.feature_names}
    columns[CHURN_SCORE] = churn
    return ScoredCustomers(
        party_ids=ids,
        churn=churn,
        bands=models.band(churn),
        churn_reasons=[_worded(r) for r in reasons],
        lifetime_value=value,
        offers=offers,
        offer_reasons=offer_reasons(models, features, offers, exact_reasons),
        psi=drift(models.references, columns),
    )
