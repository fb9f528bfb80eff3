"""The customer models against the bank's own data: the bridge between the ORM and the analytics.

It reads the operational tables as Arrow (the models never touch the ORM), finds the end of the
lake's history, and maps ground-truth keys to party ids for the evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.db import Bind, session_factory
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.lake.duck import connect
from guanxi.lake.layout import has_data, scan_sql
from guanxi.parties.models import Party
from guanxi.scoring.customer_models import (
    CustomerModels,
    LabelledDate,
    evaluation_dates,
    fit_customer_models,
    labelled_date,
)
from guanxi.scoring.metrics import evaluate
from guanxi.scoring.model_evaluation import ModelEvaluation, evaluate_models
from guanxi.scoring.outcomes import HORIZON_DAYS
from guanxi.scoring.registry import ModelRegistry
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.segments.evaluation import drifting_keys
from guanxi.segments.service import read_inputs


def history_span(lake_root: Path) -> tuple[dt.date, dt.date]:
    """The lake's history: the day of its first transaction and the day after its last (exclusive)."""
    if not has_data(lake_root, "transactions"):
        raise NotFound("the lake holds no transactions: ingest an extract first", code="no_transactions")
    con = connect()
    try:
        first, last = con.execute(
            f"SELECT min(booked_at), max(booked_at) FROM {scan_sql(lake_root, 'transactions')}"
        ).fetchall()[0]
    finally:
        con.close()
    return first.date(), last.date() + dt.timedelta(days=1)


def history_end(lake_root: Path) -> dt.date:
    """The day after the lake's last transaction: where the history ends (exclusive)."""
    return history_span(lake_root)[1]


def training_dates(lake_root: Path, train_dates: int) -> tuple[list[dt.date], dt.date]:
    """The training and validation cut-offs for this lake, refusing a history too short for them."""
    start, end = history_span(lake_root)
    train, valid = evaluation_dates(end, train_dates)
    # each training date needs some history behind it (a quarter) for its features to mean anything
    if train[0] < start + dt.timedelta(days=HORIZON_DAYS):
        months = (end.year - start.year) * 12 + end.month - start.month
        raise ValidationFailed(
            f"the lake holds about {months} months of history ({start.isoformat()} to {end.isoformat()}); "
            f"training on {train_dates} dates and judging out of time needs at least {train_dates + 9}",
            code="models_too_little_history",
            details={"history_start": start.isoformat(), "history_end": end.isoformat()},
        )
    return train, valid


def evaluate_customer_models(
    *,
    session: Session,
    lake_root: Path,
    labels: Path,
    fx_rates: dict[str, float],
    train_dates: int = 3,
    on_step: Callable[[str], None] | None = None,
) -> tuple[ModelEvaluation, CustomerModels]:
    """Train the churn and propensity models out of time and judge them against ``labels``."""
    if not labels.is_file():
        raise NotFound(f"ground-truth file not found: {labels}", code="labels_not_found")
    inputs = read_inputs(session, fx_rates)

    def churners(start: dt.date, end: dt.date) -> set[int]:
        keys = drifting_keys(labels, start, (end - start).days)
        return set(session.scalars(select(Party.id).where(Party.source_key.in_(keys)))) if keys else set()

    return evaluate_models(
        inputs=inputs,
        lake_root=lake_root,
        end=history_end(lake_root),
        churners=churners,
        train_dates=train_dates,
        on_step=on_step,
    )


CUSTOMER_MODELS = "customer-models"
CHURN_MODEL = "churn"
VALUE_MODEL = "lifetime_value"
CONTACT_WINDOW_DAYS = 30
MAX_MARKETING_CONTACTS = 2  # the contact policy: at most this many marketing messages in the window


@dataclass(frozen=True)
class TrainingReport:
    """A trained and registered version of the customer models, with its out-of-time figures."""

    version: int
    status: str
    train_dates: list[dt.date]
    valid_date: dt.date
    metrics: dict[str, float]
    notes: list[str]


def registry_for(var_dir: Path) -> ModelRegistry:
    """The model registry under the var folder."""
    return ModelRegistry.from_var_dir(var_dir)


def _validation(models: CustomerModels, target: LabelledDate) -> pd.DataFrame:
    """The churn population of the validation date: label, score and age, indexed by party id."""
    valid = target.as_of
    population = target.features.loc[target.features.index.intersection(target.churned.index)]
    label = target.churned.loc[population.index].to_numpy()
    if len(set(label)) < 2:
        raise ValidationFailed(
            f"the validation date {valid.isoformat()} has no churners or only churners: too little history",
            code="models_too_little_history",
        )
    return pd.DataFrame(
        {"label": label, "score": models.churn_probability(population), "age": population["age"].to_numpy()},
        index=population.index,
    )


def out_of_time_metrics(models: CustomerModels, target: LabelledDate) -> dict[str, float]:
    """The churn model's figures on a later date it was not trained on, against the operational label."""
    judged = _validation(models, target)
    return {k: round(v, 4) for k, v in evaluate(judged["label"].to_numpy(), judged["score"].to_numpy()).items()}


FAIRNESS_COLUMNS = ("by", "group", "customers", "churn_rate", "mean_score", "flagged_share")
AGE_BANDS = ((0, 30, "under 30"), (30, 45, "30-44"), (45, 60, "45-59"), (60, 200, "60 and over"))


def fairness_table(judged: pd.DataFrame, genders: dict[int, str | None]) -> list[dict[str, Any]]:
    """Per age band and gender: customers, the churn rate seen, the mean score and the share flagged
    in the riskiest 10% — a model that flags one group far beyond its churn rate needs a look."""
    cut = judged["score"].quantile(0.9)
    frame = judged.assign(
        flagged=judged["score"] >= cut,
        gender=[genders.get(int(pid)) or "unknown" for pid in judged.index],
        age_band=[
            next((name for lo, hi, name in AGE_BANDS if lo <= a < hi), "unknown") for a in judged["age"].fillna(-1)
        ],
    )
    rows = []
    for column in ("age_band", "gender"):
        for group, part in frame.groupby(column, sort=True):
            rows.append(
                {
                    "by": column,
                    "group": str(group),
                    "customers": len(part),
                    "churn_rate": round(float(part["label"].mean()), 4),
                    "mean_score": round(float(part["score"].mean()), 4),
                    "flagged_share": round(float(part["flagged"].mean()), 4),
                }
            )
    return rows


def train_customer_models(
    *,
    bind: Bind,
    actor: Actor,
    lake_root: Path,
    var_dir: Path,
    fx_rates: dict[str, float],
    train_dates: int = 3,
    on_step: Callable[[str], None] | None = None,
) -> TrainingReport:
    """Train churn and propensity on the bank's history, judge them out of time and register them."""
    actor.require(Permission.MODEL_PROMOTE)
    say = on_step or (lambda _: None)
    with session_factory(bind)() as session:
        inputs = read_inputs(session, fx_rates)
    train, valid = training_dates(lake_root, train_dates)
    dates = []
    for as_of in train:
        say(f"features and outcomes as of {as_of.isoformat()}")
        dates.append(labelled_date(inputs, lake_root, as_of))
    say("training")
    models = fit_customer_models(dates)
    say(f"judging out of time on {valid.isoformat()}")
    judged = _validation(models, labelled_date(inputs, lake_root, valid))
    metrics = {k: round(v, 4) for k, v in evaluate(judged["label"].to_numpy(), judged["score"].to_numpy()).items()}
    with session_factory(bind)() as session:
        genders = dict(session.execute(select(Party.id, Party.gender).where(Party.id.in_(judged.index.tolist()))).all())
    meta = {
        "fairness": fairness_table(judged, genders),
        "kind": "customer-models",
        "trained_on": [d.isoformat() for d in train],
        "validated_on": valid.isoformat(),
        "metrics": metrics,
        "families": sorted(models.propensity),
        "features": models.feature_names,
        "notes": models.notes,
    }
    card = customer_models_card(meta)
    entry = registry_for(var_dir).register(CUSTOMER_MODELS, artifact={"models": models}, meta=meta, card=card)
    with session_factory(bind)() as session, session.begin():
        record(
            session=session,
            actor=actor,
            action="model.register",
            entity="model",
            entity_id=f"{CUSTOMER_MODELS}/v{entry.version}",
            data={"metrics": metrics, "status": entry.status},
        )
    return TrainingReport(entry.version, entry.status, train, valid, metrics, models.notes)


def promote_customer_models(
    *, bind: Bind, actor: Actor, lake_root: Path, var_dir: Path, fx_rates: dict[str, float], version: int
) -> dict[str, Any]:
    """Make a challenger the champion, only if it beats the champion on the same out-of-time date."""
    actor.require(Permission.MODEL_PROMOTE)
    registry = registry_for(var_dir)
    challenger, champion = registry.get(CUSTOMER_MODELS, version), registry.get(CUSTOMER_MODELS)
    if challenger.version == champion.version:
        raise Conflict(f"version {version} is already the champion", code="already_champion")
    with session_factory(bind)() as session:
        inputs = read_inputs(session, fx_rates)
    valid = training_dates(lake_root, 3)[1]
    # one validation table for both: the same customers, the same features, to the last bit
    target = labelled_date(inputs, lake_root, valid)
    figures = {}
    for label, entry in (("challenger", challenger), ("champion", champion)):
        models = registry.load(CUSTOMER_MODELS, entry.version)[1]["models"]
        figures[label] = out_of_time_metrics(models, target)
    if figures["challenger"]["roc_auc"] <= figures["champion"]["roc_auc"]:
        raise Conflict(
            f"version {version} does not beat the champion (v{champion.version}) out of time on "
            f"{valid.isoformat()}: ROC-AUC {figures['challenger']['roc_auc']} vs {figures['champion']['roc_auc']}",
            code="challenger_not_better",
            details={"valid_date": valid.isoformat(), **figures},
        )
    registry.promote(CUSTOMER_MODELS, version)
    with session_factory(bind)() as session, session.begin():
        record(
            session=session,
            actor=actor,
            action="model.promote",
            entity="model",
            entity_id=f"{CUSTOMER_MODELS}/v{version}",
            data={"valid_date": valid.isoformat(), **figures},
        )
    return {"promoted": version, "previous": champion.version, "valid_date": valid.isoformat(), **figures}


def customer_models_card(meta: dict[str, Any]) -> str:
    """The model card of a version of the customer models (Markdown)."""
    metrics = meta["metrics"]
    lines = [
        "# Customer models: churn and product propensity",
        "",
        "Status: {status}",
        "",
        "## Purpose",
        "Churn: the probability that a customer who was active in the last 90 days closes every account or",
        "stops all activity of their own within the next 90 days, with the three features that raised it most.",
        "Propensity: per product family, the probability of taking it up within 90 days; it feeds the",
        "next-best offer, which only ever ranks products the customer is eligible for and suited to.",
        "",
        "## Data",
        f"- Trained on the cut-offs {', '.join(meta['trained_on'])}, each labelled by the 90 days after it.",
        f"- Judged out of time on {meta['validated_on']} (never seen in training).",
        f"- {len(meta['features'])} features from the catalogue (`guanxi features list`).",
        *(f"- {note}" for note in meta["notes"]),
        "",
        "## Out-of-time figures (churn, operational label)",
        "| ROC-AUC | KS | Gini | Brier | lift@10% |",
        "|---|---|---|---|---|",
        "| " + " | ".join(str(metrics[k]) for k in ("roc_auc", "ks", "gini", "brier", "lift_at_10")) + " |",
        "",
        "## Fairness check (validation date; the riskiest 10% flagged)",
        "| by | group | customers | churn rate | mean score | flagged |",
        "|---|---|---|---|---|---|",
        *("| " + " | ".join(str(r[k]) for k in FAIRNESS_COLUMNS) + " |" for r in meta.get("fairness", [])),
        "",
        "## Limits",
        "- The label is behavioural: a customer who keeps an account but moves their money elsewhere",
        "  slowly is seen late. Reasons are TreeSHAP contributions: they explain the model, not the world.",
        "- Population stability is checked on every scoring run; an index above 0.25 raises an alert.",
    ]
    return "\n".join(lines) + "\n"
