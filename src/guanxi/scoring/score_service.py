"""``guanxi score``: score every customer with the champion customer models and write it back.

One transaction replaces every customer's scores and offers, records the run with its population
stability figures, raises a drift alert per variable past the threshold, and writes the audit
entry; a failure leaves the previous run's results in place. Reads for the workspace
(:func:`customer_scores`) are scoped like the customer.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from guanxi.analytics.engine import compute_features
from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.codes import ConsentPurpose
from guanxi.db import Bind, session_factory, use_case
from guanxi.errors import NotFound
from guanxi.outbox.models import OutboxMessage
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise, visible_parties
from guanxi.products.models import Product
from guanxi.scoring.clv import yearly_margin
from guanxi.scoring.customer_models import RISK_BANDS, features_frame
from guanxi.scoring.drift import ALERT_PSI
from guanxi.scoring.model_evaluation import held_families, offer_customers, offer_products
from guanxi.scoring.models import CustomerOffer, CustomerScore, DriftAlert, ScoringRun
from guanxi.scoring.scoring_run import ScoredCustomers, score_customers
from guanxi.scoring.service import (
    CHURN_MODEL,
    CONTACT_WINDOW_DAYS,
    CUSTOMER_MODELS,
    MAX_MARKETING_CONTACTS,
    VALUE_MODEL,
    registry_for,
)
from guanxi.security.actor import Actor
from guanxi.security.consent import parties_consenting
from guanxi.security.permissions import Permission
from guanxi.segments.service import read_inputs

WRITE_BATCH = 20_000
CENT = Decimal("0.01")


@dataclass
class ScoringReport:
    """What a scoring run did: the model, how many customers and offers, drift, step timings."""

    run_id: int
    as_of: dt.date
    model_version: int
    customers: int
    offers: int
    bands: dict[str, int]
    alerts: dict[str, float]
    steps: list[tuple[str, float]]


def contactable_parties(session: Session, at: dt.datetime) -> set[int]:
    """Customers who may get a marketing offer now: consent in force and under the contact limit."""
    consenting = parties_consenting(session=session, purpose=ConsentPurpose.MARKETING.value, at=at)
    crowded = set(
        session.scalars(
            select(OutboxMessage.party_id)
            .where(
                OutboxMessage.purpose == ConsentPurpose.MARKETING.value,
                OutboxMessage.created_at >= at - dt.timedelta(days=CONTACT_WINDOW_DAYS),
                OutboxMessage.party_id.is_not(None),
            )
            .group_by(OutboxMessage.party_id)
            .having(func.count() >= MAX_MARKETING_CONTACTS)
        )
    )
    return consenting - crowded


def insert_batched(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` (a mapped class or a table) in batches, on the session's transaction.

    Core inserts: the ORM's bookkeeping per row would cost more than the database's work. One
    statement runs many rows only if they name the same columns, so each batch is a run of such rows.
    """
    statement = insert(getattr(table, "__table__", table))
    start = 0
    while start < len(rows):
        keys, stop, end = rows[start].keys(), start + 1, min(len(rows), start + WRITE_BATCH)
        while stop < end and rows[stop].keys() == keys:
            stop += 1
        session.execute(statement, rows[start:stop])
        start = stop


def score_row_dicts(scored: ScoredCustomers, run_id: int, as_of: dt.date) -> list[dict[str, Any]]:
    """Every churn row, then every value row: the bulk insert batches only runs of rows that leave the
    same columns empty, so interleaving the two kinds would send one INSERT per row."""
    parties = scored.party_ids.tolist()
    common = {"as_of": as_of, "run_id": run_id}
    churn = [
        {"party_id": party, "model": CHURN_MODEL, "score": float(p), "band": str(band), "reasons": reasons} | common
        for party, p, band, reasons in zip(parties, scored.churn, scored.bands, scored.churn_reasons, strict=True)
    ]
    value = [
        {
            "party_id": party,
            "model": VALUE_MODEL,
            "score": float(v),
            "amount": Decimal(repr(float(v))).quantize(CENT, ROUND_HALF_EVEN),
        }
        | common
        for party, v in zip(parties, scored.lifetime_value, strict=True)
    ]
    return churn + value


def offer_row_dicts(
    scored: ScoredCustomers, contactable: set[int], run_id: int, as_of: dt.date
) -> list[dict[str, Any]]:
    """The rows of every offer, marked contactable or not."""
    return [
        {
            "party_id": o.party_id,
            "rank": o.rank,
            "product_id": o.product_id,
            "propensity": o.propensity,
            "expected_value": o.expected_value,
            "contactable": o.party_id in contactable,
            "reasons": scored.offer_reasons.get((o.party_id, o.rank)),
            "as_of": as_of,
            "run_id": run_id,
        }
        for o in scored.offers
    ]


def run_scoring(
    *,
    bind: Bind,
    actor: Actor,
    lake_root: Path,
    var_dir: Path,
    fx_rates: dict[str, float],
    as_of: dt.date,
    version: int | None = None,
    exact_reasons: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> ScoringReport:
    """Score every customer as of ``as_of`` with the champion (or ``version``) and write it back."""
    actor.require(Permission.MODEL_PROMOTE)
    steps: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        steps.append((name, time.perf_counter() - clock))
        clock = time.perf_counter()
        if on_step is not None:
            on_step(name)

    entry, artifact = registry_for(var_dir).load(CUSTOMER_MODELS, version)
    models = artifact["models"]
    factory = session_factory(bind)
    with factory() as session:
        inputs = read_inputs(session, fx_rates)
        contactable = contactable_parties(session, now())
    step("read")
    features = features_frame(compute_features(inputs=inputs, lake_root=lake_root, as_of=as_of)[0])
    step("features")
    products = offer_products(inputs)
    scored = score_customers(
        models,
        features,
        customers=offer_customers(inputs, features),
        products=products,
        held=held_families(features, sorted(set(products["family"]))),
        margin=yearly_margin(inputs, lake_root, as_of),
        exact_reasons=exact_reasons,
    )
    step("score")
    with factory() as session, session.begin():
        run = ScoringRun(
            as_of=as_of,
            model_name=CUSTOMER_MODELS,
            model_version=entry.version,
            customers=len(scored.party_ids),
            offers=len(scored.offers),
            psi=scored.psi,
        )
        session.add(run)
        session.flush()
        session.execute(delete(CustomerScore))
        session.execute(delete(CustomerOffer))
        insert_batched(session, CustomerScore, score_row_dicts(scored, run.id, as_of))
        insert_batched(session, CustomerOffer, offer_row_dicts(scored, contactable, run.id, as_of))
        alerts = {name: value for name, value in scored.psi.items() if value > ALERT_PSI}
        for subject, value in sorted(alerts.items()):
            session.add(
                DriftAlert(run_id=run.id, model_name=CUSTOMER_MODELS, subject=subject, psi=value, threshold=ALERT_PSI)
            )
        step("write back")
        run.steps = [{"step": name, "seconds": round(seconds, 3)} for name, seconds in steps]
        run.finished_at = now()
        record(
            session=session,
            actor=actor,
            action="model.score",
            entity="scoring_run",
            entity_id=run.id,
            data={"as_of": as_of.isoformat(), "version": entry.version, "customers": run.customers, "alerts": alerts},
        )
    bands = pd.Series(scored.bands).value_counts().to_dict() if len(scored.bands) else {}
    return ScoringReport(
        run_id=run.id,
        as_of=as_of,
        model_version=entry.version,
        customers=len(scored.party_ids),
        offers=len(scored.offers),
        bands={str(k): int(v) for k, v in bands.items()},
        alerts=alerts,
        steps=steps,
    )


@dataclass(frozen=True)
class CustomerScores:
    """A customer's latest churn risk, lifetime value and offers, for the 360."""

    churn: CustomerScore | None
    value: CustomerScore | None
    offers: list[tuple[CustomerOffer, Product]]


def customer_scores(*, session: Session, actor: Actor, party_id: int) -> CustomerScores:
    """The customer's latest scores and offers (the customer must be in the actor's scope: an analyst,
    whose scope holds no customers, reads models but never one customer's scores)."""
    actor.require(Permission.MODEL_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    scores = {s.model: s for s in session.scalars(select(CustomerScore).where(CustomerScore.party_id == party_id))}
    offers = session.execute(
        select(CustomerOffer, Product)
        .join(Product, Product.id == CustomerOffer.product_id)
        .where(CustomerOffer.party_id == party_id)
        .order_by(CustomerOffer.rank)
    ).all()
    return CustomerScores(
        churn=scores.get(CHURN_MODEL), value=scores.get(VALUE_MODEL), offers=[(o, p) for o, p in offers]
    )


def open_drift_alerts(*, session: Session, actor: Actor, limit: int = 50) -> list[DriftAlert]:
    """Drift alerts nobody has acknowledged yet, newest first."""
    actor.require(Permission.MODEL_READ)
    return list(
        session.scalars(
            select(DriftAlert)
            .where(DriftAlert.acknowledged_at.is_(None))
            .order_by(DriftAlert.created_at.desc(), DriftAlert.psi.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class ModelOverview:
    """What the Models page shows: the registered versions, the latest run and the open alerts."""

    versions: list[dict[str, Any]]
    latest_run: ScoringRun | None
    alerts: list[DriftAlert]


def model_overview(*, session: Session, actor: Actor, var_dir: Path) -> ModelOverview:
    """The customer models' versions (newest first), the latest scoring run and the open drift alerts."""
    actor.require(Permission.MODEL_READ)
    versions = [
        v.meta | {"version": v.version, "status": v.status} for v in registry_for(var_dir).versions(CUSTOMER_MODELS)
    ]
    latest = session.scalar(select(ScoringRun).order_by(ScoringRun.id.desc()).limit(1))
    return ModelOverview(
        versions=list(reversed(versions)), latest_run=latest, alerts=open_drift_alerts(session=session, actor=actor)
    )


@use_case
def acknowledge_alert(*, session: Session, actor: Actor, alert_id: int) -> DriftAlert:
    """Mark a drift alert as seen by ``actor`` (someone who may act on the models), audited."""
    actor.require(Permission.MODEL_PROMOTE)
    alert = session.get(DriftAlert, alert_id)
    if alert is None:
        raise NotFound(f"no drift alert with id {alert_id}", code="alert_not_found", details={"alert_id": alert_id})
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now()
        alert.acknowledged_by = actor.username
        record(
            session=session,
            actor=actor,
            action="model.drift_acknowledged",
            entity="drift_alert",
            entity_id=alert.id,
            data={"subject": alert.subject, "psi": alert.psi},
        )
    return alert


def churn_band_counts(*, session: Session, actor: Actor) -> list[tuple[str, int]]:
    """How many of the customers the actor sees are in each churn band (latest run), low to high."""
    actor.require(Permission.MODEL_READ)
    rows = dict(
        session.execute(
            select(CustomerScore.band, func.count())
            .join(Party, Party.id == CustomerScore.party_id)
            .where(CustomerScore.model == CHURN_MODEL, visible_parties(actor))
            .group_by(CustomerScore.band)
        ).all()
    )
    return [(band, int(rows[band])) for band in RISK_BANDS if rows.get(band)]
