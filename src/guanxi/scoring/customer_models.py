"""The bank's own customer models on the feature catalogue: churn and product propensity.

Training is out of time: examples come from several past cut-off dates, each labelled by what
happened in the 90 days after it (:mod:`guanxi.scoring.outcomes`), and the model is judged on a
later date it never saw. Every date's features are computed by the same feature run as scoring,
so training and scoring cannot disagree about what a feature means.

Analytics, not ORM: callers hand in the operational inputs as Arrow, like the feature run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi.analytics.engine import compute_features
from guanxi.scoring.drift import Reference, references
from guanxi.scoring.estimators import GradientBoostingModel
from guanxi.scoring.outcomes import HORIZON_DAYS, churn_labels, takeup_labels
from guanxi.scoring.reason_text import reason_sentence

FAMILIES = (
    "current",
    "savings",
    "time_deposit",
    "credit_card",
    "mortgage",
    "personal_loan",
    "wealth_fund",
    "insurance",
)
CUSTOMER_MODEL_LEAVES = 31  # LightGBM's default tree size: the catalogue's features are the same at every bank
MIN_POSITIVES = 20  # fewer take-ups than this in training: no propensity model for the family
CHURN_SCORE = "churn_probability"  # the name of the churn score among the monitored variables
RISK_BANDS = ("low", "medium", "high")
BAND_QUANTILES = (0.80, 0.95)  # high: the riskiest 5% of the training population, medium: the next 15%


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def evaluation_dates(end: dt.date, train_dates: int = 3) -> tuple[list[dt.date], dt.date]:
    """Training cut-offs and the later validation cut-off, for history that ends (exclusive) at ``end``.

    The validation date is the latest first-of-month whose 90-day outcome lies inside the history;
    the training dates' outcomes all end on or before it, so nothing of the validation period leaks.
    """
    month = dt.date(end.year, end.month, 1)
    valid = add_months(month, -3)
    while valid + dt.timedelta(days=HORIZON_DAYS) > end:
        valid = add_months(valid, -1)
    last_train = add_months(valid, -3)
    while last_train + dt.timedelta(days=HORIZON_DAYS) > valid:
        last_train = add_months(last_train, -1)
    return [add_months(last_train, -k) for k in reversed(range(train_dates))], valid


def features_frame(table: pa.Table) -> pd.DataFrame:
    """The feature table as a frame indexed by ``party_id`` (float columns, NaN for missing)."""
    frame = table.to_pandas()
    return frame.set_index("party_id")


@dataclass
class LabelledDate:
    """One cut-off date: the features, the churn population with its label, and who took up what."""

    as_of: dt.date
    features: pd.DataFrame
    churned: pd.Series  # index party_id, 0/1, only the churn population
    takeups: pd.DataFrame  # party_id, family


def labelled_date(
    inputs: dict[str, pa.Table],
    lake_root: Path,
    as_of: dt.date,
    features: Callable[[dt.date], pa.Table] | None = None,
) -> LabelledDate:
    """Features and outcomes of one cut-off date."""
    table = features(as_of) if features else compute_features(inputs=inputs, lake_root=lake_root, as_of=as_of)[0]
    churn = churn_labels(inputs, lake_root, as_of).to_pandas().set_index("party_id")["churned"]
    return LabelledDate(
        as_of=as_of,
        features=features_frame(table),
        churned=churn.astype(int),
        takeups=takeup_labels(inputs, lake_root, as_of).to_pandas(),
    )


def _propensity_rows(date: LabelledDate, family: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers who did not hold ``family`` at the cut-off, and whether they took it up."""
    held = date.features.get(f"holds_{family}")
    candidates = date.features if held is None else date.features[held.fillna(0) == 0]
    took = set(date.takeups.loc[date.takeups["family"] == family, "party_id"])
    y = np.fromiter((pid in took for pid in candidates.index), dtype=int, count=len(candidates))
    return candidates, y


@dataclass
class CustomerModels:
    """A trained churn model, one propensity model per family with enough take-ups, and their bands."""

    churn: GradientBoostingModel
    band_cuts: tuple[float, float]
    propensity: dict[str, GradientBoostingModel]
    trained_on: list[dt.date]
    feature_names: list[str]
    notes: list[str] = field(default_factory=list)
    # the training distribution of every feature and of the churn score, for the stability index
    references: dict[str, Reference] = field(default_factory=dict)

    def churn_probability(self, features: pd.DataFrame) -> np.ndarray:
        """Probability of churning within 90 days, per row."""
        return self.churn.predict_proba(features[self.feature_names])[:, 1]

    def band(self, probability: np.ndarray) -> np.ndarray:
        """Risk band per probability: low, medium or high (cuts from the training population)."""
        return np.asarray(RISK_BANDS, dtype=object)[np.searchsorted(self.band_cuts, probability, side="right")]

    def propensities(self, features: pd.DataFrame) -> pd.DataFrame:
        """Probability of taking up each modelled family within 90 days (one column per family)."""
        frame = features[self.feature_names]
        return pd.DataFrame(
            {family: model.predict_proba(frame)[:, 1] for family, model in self.propensity.items()},
            index=features.index,
        )

    def churn_reasons(self, features: pd.DataFrame, top: int = 3) -> list[list[dict[str, Any]]]:
        """The top reasons for each row's churn risk, as sentences in English and Chinese."""
        return [
            [
                {"feature": r.feature, "impact": round(r.impact, 4), "en": en, "zh": zh}
                for r in reasons
                for en, zh in [reason_sentence(r.feature, r.value)]
            ]
            for reasons in self.churn.reasons(features[self.feature_names], top=top)
        ]


def _booster(n_bags: int, seed: int) -> GradientBoostingModel:
    return GradientBoostingModel(num_leaves=CUSTOMER_MODEL_LEAVES, n_bags=n_bags, random_state=seed)


def fit_customer_models(dates: Sequence[LabelledDate], *, n_bags: int = 1, seed: int = 0) -> CustomerModels:
    """Train churn and propensity models on the stacked examples of ``dates``."""
    names = [c for c in dates[0].features.columns if c != "party_id"]
    frames, labels = [], []
    for date in dates:
        population = date.features.loc[date.features.index.intersection(date.churned.index), names]
        frames.append(population)
        labels.append(date.churned.loc[population.index].to_numpy())
    X, y = pd.concat(frames, ignore_index=True), np.concatenate(labels)
    churn = _booster(n_bags, seed).fit(X, y)
    train_p = churn.predict_proba(X)[:, 1]
    cuts = (float(np.quantile(train_p, BAND_QUANTILES[0])), float(np.quantile(train_p, BAND_QUANTILES[1])))
    notes = [f"churn: {len(y):,} examples from {len(dates)} dates, {int(y.sum()):,} churned"]
    propensity: dict[str, GradientBoostingModel] = {}
    for family in FAMILIES:
        parts = [_propensity_rows(d, family) for d in dates]
        yf = np.concatenate([p[1] for p in parts])
        if yf.sum() < MIN_POSITIVES:
            notes.append(f"{family}: {int(yf.sum())} take-ups, too few for a model")
            continue
        Xf = pd.concat([p[0][names] for p in parts], ignore_index=True)
        propensity[family] = GradientBoostingModel(
            num_leaves=CUSTOMER_MODEL_LEAVES, n_bags=n_bags, random_state=seed
        ).fit(Xf, yf)
        notes.append(f"{family}: {len(yf):,} examples, {int(yf.sum()):,} take-ups")
    # the reference is everyone scored on the training dates, as a scoring run scores everyone
    everyone = pd.concat([d.features[names] for d in dates], ignore_index=True)
    refs = references({name: everyone[name].to_numpy(dtype=float) for name in names})
    refs.update(references({CHURN_SCORE: churn.predict_proba(everyone)[:, 1]}))
    return CustomerModels(
        references=refs,
        churn=churn,
        band_cuts=cuts,
        propensity=propensity,
        trained_on=[d.as_of for d in dates],
        feature_names=names,
        notes=notes,
    )
