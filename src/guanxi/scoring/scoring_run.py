"""Scoring every customer: churn with its band and reasons, lifetime value, best offers and drift.

Analytics, not ORM: the features, the customers' facts and the products come in as frames; what
comes out is written back by :mod:`guanxi.scoring.service`. Vectorised by model, not by customer:

* churn: one pass of ``pred_leaf`` over everyone gives the score and the reasons together
  (:mod:`guanxi.scoring.leaf_credits`);
* propensity: each family's model predicts only the customers who may be offered one of its
  products (eligible and suitable): nobody else's propensity can reach an offer;
* offers' reasons: one pass per family over the customers it was offered to, once per customer
  however many of the family's products they were offered;
* reasons in words: each distinct (feature, value) is put into words once.

The model passes run a few at a time on threads, each LightGBM call with its share of the cores
(LightGBM, numpy and scipy let go of the interpreter while they work): the credits, the sorting and
the wording of one pass overlap the trees of another, and never more threads run than there are cores.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from guanxi.errors import NotFound
from guanxi.scoring.attribution import model_paths
from guanxi.scoring.clv import lifetime_value
from guanxi.scoring.customer_models import CHURN_SCORE, CustomerModels
from guanxi.scoring.drift import drift
from guanxi.scoring.leaf_credits import Explained, TopCredits, explain, top_credits
from guanxi.scoring.offers import Offer, offer_list, offer_mask, rank_offers
from guanxi.scoring.reason_text import reason_sentence

TOP_REASONS = 3
THREADS = min(4, os.cpu_count() or 1)  # model passes at once
PREDICT_ROWS = 100_000  # rows copied out for one prediction: 100,000 × 100 features ≈ 80 MB

T = TypeVar("T")
R = TypeVar("R")


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


def worded_reasons(names: list[str], reasons: TopCredits, values: np.ndarray) -> list[list[dict[str, Any]]]:
    """Each row's reasons as ``{feature, impact, en, zh}``; ``values`` are the rows' features (rows × names).

    A sentence depends only on the feature and the value, so each distinct pair is worded once
    (values compared bit for bit: ``-0.0`` reads "-0", ``0.0`` "0").
    """
    n = len(reasons.features)
    row, rank = np.nonzero(reasons.features >= 0)  # row by row, best first
    feature = reasons.features[row, rank]
    value = values[row, feature].astype(np.float64)
    en = np.empty(len(row), dtype=object)
    zh = np.empty(len(row), dtype=object)
    bits = value.view(np.int64)
    for f in np.unique(feature).tolist():
        at = np.flatnonzero(feature == f)
        distinct, inverse = np.unique(bits[at], return_inverse=True)
        words = [reason_sentence(names[f], v) for v in distinct.view(np.float64).tolist()]
        en[at] = np.array([w[0] for w in words], dtype=object)[inverse]
        zh[at] = np.array([w[1] for w in words], dtype=object)[inverse]
    worded = [
        {"feature": names[f], "impact": round(x, 4), "en": e, "zh": z}
        for f, x, e, z in zip(
            feature.tolist(), reasons.credits[row, rank].tolist(), en.tolist(), zh.tolist(), strict=True
        )
    ]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))]).tolist()
    return [worded[a:b] for a, b in itertools.pairwise(bounds)]


def lightgbm_threads(passes: int) -> int:
    """LightGBM's threads for one call while ``passes`` model passes run at once (0: its default, every core)."""
    return 0 if passes <= 1 else max(1, (os.cpu_count() or 1) // passes)


def _map(fn: Callable[[T, int], R], items: Iterable[T], threads: int) -> list[R]:
    """``fn(item, lightgbm_threads)`` for every item, up to ``threads`` at once, results in order.

    LightGBM keeps its thread count in one setting for the whole process, which every call writes
    and its workers read: calls running side by side must all ask for the same count, or one call's
    buffers are sized for fewer threads than run in them. Every call of one ``_map`` asks the same.
    """
    items = list(items)
    workers = max(1, min(threads, len(items)))
    per_call = lightgbm_threads(workers)
    if workers == 1:
        return [fn(item, per_call) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda item: fn(item, per_call), items))


class _Features:
    """The rows' features as the frame and as the float matrix LightGBM predicts on, per model."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.names = list(frame.columns)
        self.values = frame.to_numpy(dtype=np.float64, na_value=np.nan)

    def of(self, model: Any, rows: np.ndarray | None = None) -> np.ndarray:
        """The float matrix in ``model``'s column order (only ``rows``, if given)."""
        names = list(model.feature_names_in_)
        values = self.values if names == self.names else self.values[:, [self.names.index(n) for n in names]]
        return values if rows is None else values[rows]


def _explained(
    model: Any, features: _Features, rows: np.ndarray | None, exact: bool, num_threads: int, scores: bool = True
) -> Explained:
    """Log-odds and leading reasons of ``rows`` (or every row): path attribution, or TreeSHAP if ``exact``."""
    if not exact:
        X = features.of(model, rows)
        return explain(model_paths(model), X, TOP_REASONS, scores=scores, num_threads=num_threads)
    frame = features.frame if rows is None else features.frame.iloc[rows]
    # TreeSHAP (exact Shapley values, ~1 ms a row), as ``model.contributions`` computes it: the features'
    # contributions, then the constant, adding up to the log-odds
    names = list(model.feature_names_in_)
    contributions = np.mean(
        [b.predict(frame[names], raw_score=True, pred_contrib=True, num_threads=num_threads) for b in model.boosters_],
        axis=0,
    )
    return Explained(contributions.sum(axis=1), top_credits(contributions[:, :-1], TOP_REASONS))


def _propensity(model: Any, features: _Features, rows: np.ndarray, num_threads: int) -> np.ndarray:
    """The model's probability for each of ``rows``, computed as ``predict_proba`` computes it."""
    out = np.empty(len(rows))
    for start in range(0, len(rows), PREDICT_ROWS):
        X = features.of(model, rows[start : start + PREDICT_ROWS])
        raw = np.mean([b.predict(X, raw_score=True, num_threads=num_threads) for b in model.boosters_], axis=0)
        out[start : start + len(X)] = 1.0 / (1.0 + np.exp(-raw))
    return out


def _names(model: Any) -> list[str]:
    return [str(n) for n in model.feature_names_in_]


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
    threads: int = THREADS,
) -> ScoredCustomers:
    """Score every row of ``features`` (indexed by party id); the other frames are aligned with it.

    Reasons come from path attribution, or from TreeSHAP (``pred_contrib``) with ``exact_reasons``.
    ``threads``: how many model passes may run at once.
    """
    data = _Features(features[models.feature_names])
    ids = features.index.to_numpy()
    allowed = offer_mask(customers, products, held)
    families = products["family"].to_numpy()
    modelled = [f for f in models.propensity if (families == f).any()]
    eligible = {f: np.flatnonzero(allowed[:, families == f].any(axis=1)) for f in modelled}

    def task(name: str | None, num_threads: int) -> Any:
        if name is None:  # churn: score, reasons and their words in one go, beside the propensity passes
            churn = _explained(models.churn, data, None, exact_reasons, num_threads)
            return churn.log_odds, worded_reasons(_names(models.churn), churn.reasons, data.of(models.churn))
        return _propensity(models.propensity[name], data, eligible[name], num_threads)

    biggest_first = sorted(modelled, key=lambda f: -len(eligible[f]))
    (log_odds, churn_reasons), *propensities = _map(task, [None, *biggest_first], threads)
    churn = 1.0 / (1.0 + np.exp(-log_odds))
    # each product's family's propensity; NaN where nothing of the family may be offered (or no model)
    propensity = np.full(allowed.shape, np.nan)
    for name, p in zip(biggest_first, propensities, strict=True):
        propensity[np.ix_(eligible[name], np.flatnonzero(families == name))] = p[:, None]
    ranked = rank_offers(propensity, allowed, products["margin_rate"].to_numpy(dtype=float), top_offers)
    offers = offer_list(ranked, ids, products)
    why = _offer_reasons(models, data, ranked.rows, families[ranked.columns], offers, exact_reasons, threads)
    columns = {name: data.values[:, j] for j, name in enumerate(data.names)}
    columns[CHURN_SCORE] = churn
    return ScoredCustomers(
        party_ids=ids,
        churn=churn,
        bands=models.band(churn),
        churn_reasons=churn_reasons,
        lifetime_value=lifetime_value(margin.reindex(features.index).fillna(0.0).to_numpy(), churn),
        offers=offers,
        offer_reasons=why,
        psi=drift(models.references, columns),
    )


def _offer_reasons(
    models: CustomerModels,
    data: _Features,
    rows: np.ndarray,
    families: np.ndarray,
    offers: list[Offer],
    exact: bool,
    threads: int,
) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Why each offer: the reasons of its customer's propensity for its family, worded once per
    customer and family (a customer offered two cards gets the same reasons for both)."""
    chosen = {f: np.unique(rows[families == f]) for f in np.unique(families).tolist()}

    def task(family: str, num_threads: int) -> list[list[dict[str, Any]]]:
        model = models.propensity[family]
        part = _explained(model, data, chosen[family], exact, num_threads, scores=False)
        return worded_reasons(_names(model), part.reasons, data.of(model, chosen[family]))

    reasons: list[Any] = [None] * len(offers)
    for family, worded in zip(chosen, _map(task, chosen, threads), strict=True):
        at = np.flatnonzero(families == family)
        for i, j in zip(at.tolist(), np.searchsorted(chosen[family], rows[at]).tolist(), strict=True):
            reasons[i] = worded[j]
    return {(o.party_id, o.rank): r for o, r in zip(offers, reasons, strict=True)}


def offer_reasons(
    models: CustomerModels, features: pd.DataFrame, offers: list[Offer], exact: bool = False
) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Why each offer: the features that raised the customer's propensity for its family most."""
    data = _Features(features[models.feature_names])
    position = pd.Index(features.index).get_indexer([o.party_id for o in offers])
    if (position < 0).any():
        party = offers[int(np.flatnonzero(position < 0)[0])].party_id
        raise NotFound(
            f"offer to party {party}: the features have no row for this party",
            code="features_not_found",
            details={"party_id": party},
        )
    families = np.array([o.family for o in offers], dtype=object)
    return _offer_reasons(models, data, position, families, offers, exact, THREADS)
