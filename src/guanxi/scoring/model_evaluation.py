"""Judging the customer models out of time against the synthetic bank's ground truth.

Trained on earlier cut-offs, the models score a later one they never saw:

* **churn**: ROC-AUC and lift in the riskiest 10% against the planted churners whose churn falls in
  the 90 days after the validation date (the ground-truth file), and against the operational label;
* **next-best offer**: among customers who took up a new product family in those 90 days, the
  share whose first offer was one of the families they took (precision@1), beside a baseline that
  offers everyone the most popular family they may be offered. The offer ranks by expected value
  (propensity × margin), which favours profitable products over likely ones; the same rules ranked
  by propensity alone show how well the models foresee what customers take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi.scoring.customer_models import (
    CustomerModels,
    LabelledDate,
    evaluation_dates,
    fit_customer_models,
    labelled_date,
)
from guanxi.scoring.metrics import evaluate
from guanxi.scoring.offers import best_offers, offer_mask
from guanxi.scoring.outcomes import HORIZON_DAYS


@dataclass(frozen=True)
class ModelEvaluation:
    """The out-of-time figures and what they were computed on."""

    train_dates: list[dt.date]
    valid_date: dt.date
    churn_population: int
    planted_churners: int
    churn_vs_truth: dict[str, float]
    churn_vs_label: dict[str, float]
    nbo_customers: int
    nbo_precision_at_1: float
    propensity_precision_at_1: float
    baseline_precision_at_1: float
    baseline_family: str
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures."""
        return {
            "train_dates": [d.isoformat() for d in self.train_dates],
            "valid_date": self.valid_date.isoformat(),
            "churn": {
                "population": self.churn_population,
                "planted_churners": self.planted_churners,
                "vs_ground_truth": self.churn_vs_truth,
                "vs_operational_label": self.churn_vs_label,
            },
            "next_best_offer": {
                "customers_who_took_up": self.nbo_customers,
                "precision_at_1": self.nbo_precision_at_1,
                "precision_at_1_by_propensity": self.propensity_precision_at_1,
                "baseline_most_popular": {
                    "family": self.baseline_family,
                    "precision_at_1": self.baseline_precision_at_1,
                },
            },
            "notes": self.notes,
        }


def offer_customers(inputs: dict[str, pa.Table], features: pd.DataFrame) -> pd.DataFrame:
    """Who each customer is, for the offer rules: type, age, risk tolerance, KYC (rows as ``features``)."""
    parties = inputs["parties"].to_pandas().set_index("id")
    rows = parties.reindex(features.index)
    return pd.DataFrame(
        {
            "party_type": rows["party_type"].to_numpy(),
            "age": features["age"].to_numpy(dtype=float),
            "risk_tolerance": rows["risk_tolerance"].to_numpy(dtype=float),
            "kyc_status": rows["kyc_status"].to_numpy(),
        },
        index=features.index,
    )


def offer_products(inputs: dict[str, pa.Table]) -> pd.DataFrame:
    """The products that may be offered (the active ones): id, family, minimum age, risk class, margin rate."""
    products = inputs["products"].to_pandas()
    return products[products["active"].fillna(False).astype(bool)].reset_index(drop=True)


def held_families(features: pd.DataFrame, families: list[str]) -> pd.DataFrame:
    """0/1 per family: what each customer holds at the cut-off (from the ``holds_*`` features)."""
    return pd.DataFrame(
        {f: features.get(f"holds_{f}", pd.Series(0.0, index=features.index)).fillna(0) for f in families},
        index=features.index,
    )


def _precision_at_1(first: dict[int, str], took: dict[int, set[str]]) -> float:
    hits = sum(1 for pid, families in took.items() if first.get(pid) in families)
    return hits / len(took) if took else float("nan")


def evaluate_models(
    *,
    inputs: dict[str, pa.Table],
    lake_root: Path,
    end: dt.date,
    churners: Callable[[dt.date, dt.date], set[int]],
    train_dates: int = 3,
    on_step: Callable[[str], None] | None = None,
) -> tuple[ModelEvaluation, CustomerModels]:
    """Train on earlier cut-offs, judge on the validation date; ``churners(start, end)`` gives the
    party ids the ground truth says churned in ``(start, end]``."""
    say = on_step or (lambda _: None)
    train, valid = evaluation_dates(end, train_dates)
    dates: list[LabelledDate] = []
    for as_of in train:
        say(f"features and outcomes as of {as_of.isoformat()}")
        dates.append(labelled_date(inputs, lake_root, as_of))
    say("training churn and propensity models")
    models = fit_customer_models(dates)
    say(f"scoring the validation date {valid.isoformat()}")
    target = labelled_date(inputs, lake_root, valid)

    population = target.features.loc[target.features.index.intersection(target.churned.index)]
    p = models.churn_probability(population)
    planted = churners(valid, valid + dt.timedelta(days=HORIZON_DAYS))
    truth = np.fromiter((pid in planted for pid in population.index), dtype=int, count=len(population))
    label = target.churned.loc[population.index].to_numpy()

    products = offer_products(inputs)
    persons = target.features
    customers = offer_customers(inputs, persons)
    held = held_families(persons, sorted(set(products["family"])))
    propensity = models.propensities(persons)
    ids = persons.index.to_numpy()
    first = {o.party_id: o.family for o in best_offers(ids, propensity, customers, products, held, top=1)}
    # the same rules ranked by propensity alone (every margin 1): how well the models foresee take-up
    likeliest = products.assign(margin_rate=1.0)
    first_likely = {o.party_id: o.family for o in best_offers(ids, propensity, customers, likeliest, held, top=1)}
    took = target.takeups.groupby("party_id")["family"].agg(set).to_dict()
    took = {pid: fams for pid, fams in took.items() if pid in persons.index}

    # the baseline: the family existing customers took up most often in training, or the next most
    # popular one the customer may be offered
    popularity = pd.concat([d.takeups[d.takeups["party_id"].isin(d.features.index)] for d in dates])[
        "family"
    ].value_counts()
    allowed = offer_mask(customers, products, held)
    families = products["family"].to_numpy()
    baseline: dict[int, str] = {}
    for row, pid in enumerate(persons.index):
        allowed_families = set(families[allowed[row]])
        for family in popularity.index:
            if family in allowed_families:
                baseline[int(pid)] = str(family)
                break
    evaluation = ModelEvaluation(
        train_dates=train,
        valid_date=valid,
        churn_population=len(population),
        planted_churners=int(truth.sum()),
        churn_vs_truth=_rounded(evaluate(truth, p)),
        churn_vs_label=_rounded(evaluate(label, p)),
        nbo_customers=len(took),
        nbo_precision_at_1=round(_precision_at_1(first, took), 4),
        propensity_precision_at_1=round(_precision_at_1(first_likely, took), 4),
        baseline_precision_at_1=round(_precision_at_1(baseline, took), 4),
        baseline_family=str(popularity.index[0]) if len(popularity) else "",
        notes=models.notes,
    )
    return evaluation, models


def _rounded(figures: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in figures.items()}
