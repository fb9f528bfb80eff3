"""Running the analytics and keeping its results: features and segments as of a date, snapshots
in the lake (the history), and each customer's latest segments written back for the workspace.

This service is the bridge: it reads the operational tables (as Arrow) for the analytics
engine, which never touches the ORM, and writes what comes back through the ORM.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from guanxi.accounts.models import Account, AccountRole, Loan
from guanxi.analytics.clusters import cluster_customers
from guanxi.analytics.engine import StepTiming, compute_features
from guanxi.analytics.history import customer_snapshots, migration_matrix
from guanxi.analytics.rules import rule_members
from guanxi.analytics.segmentation import SEGMENTATIONS, Rules, segment
from guanxi.audit.service import record
from guanxi.cases.models import Case
from guanxi.clock import now
from guanxi.db import Bind, session_factory
from guanxi.errors import NotFound, ValidationFailed
from guanxi.lake.snapshots import write_snapshot
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.products.models import Product
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.segments.models import AnalysisRun, CustomerSegment, RuleSegment
from guanxi.segments.schemas import CustomerFeatures, MigrationCell, SegmentHistoryEntry, SegmentSizes

WRITE_BATCH = 10_000
MIN_TO_CLUSTER = 50  # fewer customers than this have no behavioural clusters worth the name

# The operational inputs of the engine: (ORM columns, Arrow schema).
_INPUTS: dict[str, tuple[tuple[Any, ...], pa.Schema]] = {
    "parties": (
        (
            Party.id,
            Party.party_type,
            Party.birth_year,
            Party.income_band,
            Party.risk_tolerance,
            Party.customer_since,
            Party.status,
            Party.closed_on,
            Party.kyc_status,
        ),
        pa.schema(
            [
                ("id", pa.int64()),
                ("party_type", pa.string()),
                ("birth_year", pa.int32()),
                ("income_band", pa.string()),
                ("risk_tolerance", pa.int32()),
                ("customer_since", pa.date32()),
                ("status", pa.string()),
                ("closed_on", pa.date32()),
                ("kyc_status", pa.string()),
            ]
        ),
    ),
    "account_roles": (
        (AccountRole.account_id, AccountRole.party_id, AccountRole.role),
        pa.schema([("account_id", pa.int64()), ("party_id", pa.int64()), ("role", pa.string())]),
    ),
    "accounts": (
        (Account.id, Account.product_id, Account.currency, Account.status, Account.opened_on, Account.closed_on),
        pa.schema(
            [
                ("id", pa.int64()),
                ("product_id", pa.int64()),
                ("currency", pa.string()),
                ("status", pa.string()),
                ("opened_on", pa.date32()),
                ("closed_on", pa.date32()),
            ]
        ),
    ),
    "products": (
        (Product.id, Product.family, Product.margin_rate, Product.min_age, Product.risk_class, Product.active),
        pa.schema(
            [
                ("id", pa.int64()),
                ("family", pa.string()),
                ("margin_rate", pa.float64()),
                ("min_age", pa.int32()),
                ("risk_class", pa.int32()),
                ("active", pa.bool_()),
            ]
        ),
    ),
    "loans": (
        (Loan.account_id, Loan.status, Loan.days_past_due),
        pa.schema([("account_id", pa.int64()), ("status", pa.string()), ("days_past_due", pa.int32())]),
    ),
    "cases": (
        (Case.party_id, Case.case_type, Case.opened_at, Case.closed_at),
        pa.schema(
            [
                ("party_id", pa.int64()),
                ("case_type", pa.string()),
                ("opened_at", pa.timestamp("us", tz="UTC")),
                ("closed_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    ),
}


@dataclass
class AnalysisReport:
    """What a run computed and how long each step took."""

    run_id: int
    as_of: dt.date
    customers: int
    features: int
    segments: dict[str, dict[str, int]] = field(default_factory=dict)  # segmentation → segment → customers
    steps: list[StepTiming] = field(default_factory=list)


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def read_inputs(session: Session, fx_rates: dict[str, float]) -> dict[str, pa.Table]:
    """The operational tables the analytics needs, as Arrow (column by column, typed)."""
    tables: dict[str, pa.Table] = {}
    for name, (columns, schema) in _INPUTS.items():
        rows = session.execute(select(*columns)).all()
        arrays = [pa.array([_plain(r[i]) for r in rows], type=f.type) for i, f in enumerate(schema)]
        tables[name] = pa.Table.from_arrays(arrays, schema=schema)
    tables["fx"] = pa.table(
        {"currency": pa.array(list(fx_rates), pa.string()), "rate": pa.array(list(fx_rates.values()), pa.float64())}
    )
    return tables


def _upsert_segments(session: Session, rows: list[dict[str, Any]]) -> None:
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    stmt = insert(CustomerSegment)
    stmt = stmt.on_conflict_do_update(
        index_elements=["party_id", "segmentation"],
        set_={c: stmt.excluded[c] for c in ("segment", "reason", "detail", "as_of", "run_id")},
    )
    session.execute(stmt, rows)


def run_analysis(
    *,
    bind: Bind,
    actor: Actor,
    lake_root: Path,
    as_of: dt.date,
    fx_rates: dict[str, float],
    rules: Rules | None = None,
    on_step: Callable[[StepTiming], None] | None = None,
    memory_limit: str = "4GB",
    threads: int | None = None,
    engine: str = "duckdb",
) -> AnalysisReport:
    """Compute features and segments as of ``as_of`` (on ``engine``), snapshot them and write back the latest."""
    actor.require(Permission.SEGMENT_WRITE)
    factory = session_factory(bind)
    with factory() as session:
        inputs = read_inputs(session, fx_rates)
    features, steps = compute_features(
        inputs=inputs,
        lake_root=lake_root,
        as_of=as_of,
        on_step=on_step,
        engine=engine,
        memory_limit=memory_limit,
        threads=threads,
    )
    started = now()
    segments = segment(features, rules)
    profiles: list[dict[str, Any]] = []
    if features.num_rows >= MIN_TO_CLUSTER:
        assigned, cards = cluster_customers(features)
        profiles = [asdict(card) for card in cards]
        by_cluster = {card.cluster: card for card in cards}
        clustered = pa.table(
            {
                "party_id": assigned.column("party_id"),
                "segmentation": pa.array(["needs_cluster"] * assigned.num_rows, pa.string()),
                "segment": assigned.column("segment"),
                "reason": pa.array(["cluster_profile"] * assigned.num_rows, pa.string()),
                "detail": pa.array(
                    [
                        json.dumps({"stands_out": ", ".join(f for f, _ in by_cluster[name].distinctive)})
                        for name in assigned.column("segment").to_pylist()
                    ],
                    pa.string(),
                ),
            }
        )
        segments = pa.concat_tables([segments, clustered.cast(segments.schema)]).sort_by(
            [("party_id", "ascending"), ("segmentation", "ascending")]
        )
    write_snapshot(lake_root, "features", as_of, features)
    write_snapshot(lake_root, "segments", as_of, segments)
    timing = StepTiming("segment", segments.num_rows, (now() - started).total_seconds())
    steps.append(timing)
    if on_step is not None:
        on_step(timing)
    counts: dict[str, dict[str, int]] = {}
    kinds, names = segments.column("segmentation").to_pylist(), segments.column("segment").to_pylist()
    for kind, name in zip(kinds, names, strict=True):
        sizes = counts.setdefault(kind, {})
        sizes[name] = sizes.get(name, 0) + 1
    with factory() as session, session.begin():
        run = AnalysisRun(as_of=as_of, engine=engine, started_at=started, customers=features.num_rows)
        session.add(run)
        session.flush()
        latest = session.scalar(
            select(AnalysisRun.as_of).where(AnalysisRun.id != run.id).order_by(AnalysisRun.as_of.desc()).limit(1)
        )
        # Only the newest date is "latest": analysing a past date (for training) keeps today's segments.
        if latest is None or as_of >= latest:
            started = now()
            session.execute(delete(CustomerSegment).where(CustomerSegment.as_of < as_of))
            batch: list[dict[str, Any]] = []
            for row in segments.to_pylist():
                batch.append(
                    {
                        "party_id": row["party_id"],
                        "segmentation": row["segmentation"],
                        "segment": row["segment"],
                        "reason": row["reason"],
                        "detail": json.loads(row["detail"]),
                        "as_of": as_of,
                        "run_id": run.id,
                    }
                )
                if len(batch) >= WRITE_BATCH:
                    _upsert_segments(session, batch)
                    batch = []
            if batch:
                _upsert_segments(session, batch)
            for rule in session.scalars(select(RuleSegment)):
                rule.size = len(rule_members(features, rule.expression))
                rule.size_as_of = as_of
            timing = StepTiming("write back", segments.num_rows, (now() - started).total_seconds())
            steps.append(timing)
            if on_step is not None:
                on_step(timing)
        run.finished_at = now()
        run.profiles = profiles
        run.steps = [{"step": s.step, "rows": s.rows, "seconds": round(s.seconds, 3)} for s in steps]
        record(
            session=session,
            actor=actor,
            action="analytics.run",
            entity="analysis_run",
            entity_id=run.id,
            data={"as_of": as_of.isoformat(), "customers": features.num_rows, "segments": counts},
        )
        run_id = run.id
    return AnalysisReport(
        run_id=run_id,
        as_of=as_of,
        customers=features.num_rows,
        features=features.num_columns - 1,
        segments=counts,
        steps=steps,
    )


def customer_segments(*, session: Session, actor: Actor, party_id: int) -> list[CustomerSegment]:
    """A customer's latest segments, if the customer is in the actor's scope."""
    actor.require(Permission.CUSTOMER_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    return list(
        session.scalars(
            select(CustomerSegment).where(CustomerSegment.party_id == party_id).order_by(CustomerSegment.segmentation)
        )
    )


def segment_sizes(*, session: Session, actor: Actor) -> SegmentSizes:
    """Customers per segment of each segmentation, from the latest run (aggregates only)."""
    actor.require(Permission.SEGMENT_READ)
    sizes: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(CustomerSegment.segmentation, CustomerSegment.segment, func.count())
        .group_by(CustomerSegment.segmentation, CustomerSegment.segment)
        .order_by(CustomerSegment.segmentation, CustomerSegment.segment)
    )
    for segmentation, name, count in rows:
        sizes.setdefault(segmentation, {})[name] = int(count)
    return SegmentSizes(as_of=session.scalar(select(func.max(CustomerSegment.as_of))), sizes=sizes)


def segment_migration(
    *, actor: Actor, lake_root: Path, segmentation: str, start: dt.date, end: dt.date
) -> list[MigrationCell]:
    """How customers moved between segments from one analysed date to another."""
    actor.require(Permission.SEGMENT_READ)
    if segmentation not in SEGMENTATIONS:
        raise ValidationFailed(
            f"unknown segmentation '{segmentation}' (one of: {', '.join(SEGMENTATIONS)})",
            details={"field": "segmentation"},
        )
    return [
        MigrationCell(from_segment=a, to_segment=b, customers=n)
        for a, b, n in migration_matrix(lake_root, segmentation, start, end)
    ]


def latest_profiles(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The needs clusters' profile cards of the newest run."""
    actor.require(Permission.SEGMENT_READ)
    run = session.scalars(
        select(AnalysisRun).where(AnalysisRun.finished_at.is_not(None)).order_by(AnalysisRun.as_of.desc()).limit(1)
    ).first()
    return list(run.profiles or []) if run is not None else []


def customer_features(*, session: Session, actor: Actor, lake_root: Path, party_id: int) -> CustomerFeatures:
    """A customer's features as of the latest analysis that included them."""
    actor.require(Permission.CUSTOMER_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    rows = customer_snapshots(lake_root, "features", party_id)
    if not rows:
        raise NotFound(f"no analysis includes party {party_id} yet", details={"party_id": party_id})
    latest = dict(rows[-1])
    as_of = latest.pop("as_of")
    latest.pop("party_id")
    return CustomerFeatures(as_of=_as_date(as_of), features=latest)


def segment_history(*, session: Session, actor: Actor, lake_root: Path, party_id: int) -> list[SegmentHistoryEntry]:
    """A customer's segments on every analysed date, oldest first."""
    actor.require(Permission.CUSTOMER_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    return [
        SegmentHistoryEntry(
            as_of=_as_date(r["as_of"]),
            segmentation=str(r["segmentation"]),
            segment=str(r["segment"]),
            reason=str(r["reason"]),
        )
        for r in customer_snapshots(lake_root, "segments", party_id)
    ]


def _as_date(value: object) -> dt.date:
    # Hive partition values come back as dates or as text, depending on how DuckDB reads them.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
