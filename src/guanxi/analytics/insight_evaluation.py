"""Checking the insight rules against ground truth: precision and recall per kind.

The truth is a CSV such as the synthetic bank's ``ground_truth/insights.csv``: one row per
customer and insight, with at least ``party_key`` (the customer's source key), ``kind`` and
``event_date``. A detected insight matches a true one of the same customer and kind whose date is
within a few days of it (each matched once). Detection reads either the lake (ids from the
database) or a generated extract directly, whose keys are given ids here.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from guanxi.analytics.insights import INSIGHT_KINDS, LOOKBACK_DAYS, InsightSource, insight_table
from guanxi.errors import NotFound, ValidationFailed
from guanxi.lake.duck import connect, first_row
from guanxi.lake.layout import has_data, scan_sql
from guanxi.money import STORAGE_PRECISION, STORAGE_SCALE

TRUTH_REQUIRED = ("party_key", "kind", "event_date")
TOLERANCE_DAYS = 3  # a planted date and a detected one may differ by a weekend or a booking delay
FORECAST = "low_balance_forecast"
_MONEY = f"DECIMAL({STORAGE_PRECISION},{STORAGE_SCALE})"


@dataclass(frozen=True)
class TruthRow:
    """One insight known to be there."""

    line: int
    party_key: str
    kind: str
    event_date: dt.date


@dataclass(frozen=True)
class KindScore:
    """How one kind did: true and detected counts, and how many were matched."""

    kind: str
    truth: int  # true insights in the window (planted, and for salaries every regular one)
    detected: int
    matched: int  # pairs of a true and a detected insight (each in one pair at most)

    @property
    def precision(self) -> float | None:
        """Share of detected insights that were true (None if nothing was detected)."""
        return self.matched / self.detected if self.detected else None

    @property
    def recall(self) -> float | None:
        """Share of true insights that were detected (None if there were none)."""
        return self.matched / self.truth if self.truth else None


@dataclass(frozen=True)
class InsightEvaluation:
    """Scores per kind, as of a date, with the detection's time and the true insights missed."""

    as_of: dt.date
    lookback_days: int
    tolerance_days: int
    seconds: float  # time the detection took
    scores: list[KindScore]
    missed: list[TruthRow] = field(default_factory=list)


def read_truth(path: Path) -> list[TruthRow]:
    """The ground truth in ``path``; a missing column, an unknown kind or a bad date is refused."""
    if not path.is_file():
        raise NotFound(f"ground-truth file not found: {path}")
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in TRUTH_REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationFailed(f"{path.name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            kind = row["kind"]
            if kind not in INSIGHT_KINDS:
                raise ValidationFailed(
                    f"{path.name}: line {line}: unknown kind {kind!r} (one of: {', '.join(INSIGHT_KINDS)})"
                )
            try:
                when = dt.date.fromisoformat(row["event_date"])
            except (TypeError, ValueError):
                raise ValidationFailed(
                    f"{path.name}: line {line}: event_date {row['event_date']!r} is not a date"
                ) from None
            if not row["party_key"]:
                raise ValidationFailed(f"{path.name}: line {line}: party_key is empty")
            rows.append(TruthRow(line, row["party_key"], kind, when))
    return rows


def in_window(row: TruthRow, as_of: dt.date, lookback_days: int) -> bool:
    """Whether a true insight is one detection as of ``as_of`` should report."""
    if row.kind == FORECAST:
        return row.event_date == as_of
    return as_of - dt.timedelta(days=lookback_days) <= row.event_date < as_of


def score(
    detected: pa.Table, keys: Mapping[int, str], truth: list[TruthRow], tolerance_days: int
) -> tuple[list[KindScore], list[TruthRow]]:
    """Match detected insights (``party_id``, ``kind``, ``occurred_on``) to true ones; scores and misses."""
    found: dict[tuple[str, str], list[dt.date]] = {}
    for party_id, kind, day in zip(
        detected.column("party_id").to_pylist(),
        detected.column("kind").to_pylist(),
        detected.column("occurred_on").to_pylist(),
        strict=True,
    ):
        found.setdefault((keys.get(party_id, f"#{party_id}"), kind), []).append(day)
    matched = dict.fromkeys(INSIGHT_KINDS, 0)
    missed = []
    # Closest dates first, so one early match cannot take the detection a later truth needed.
    for row in sorted(truth, key=lambda r: (r.party_key, r.kind, r.event_date)):
        days = found.get((row.party_key, row.kind), [])
        gaps = [(abs((d - row.event_date).days), i) for i, d in enumerate(days)]
        near = min((g for g in gaps if g[0] <= tolerance_days), default=None)
        if near is None:
            missed.append(row)
            continue
        days.pop(near[1])
        matched[row.kind] += 1
    expected = {k: sum(1 for r in truth if r.kind == k) for k in INSIGHT_KINDS}
    counts = detected.column("kind").value_counts().to_pylist() if detected.num_rows else []
    total = {c["values"]: c["counts"] for c in counts}
    scores = [KindScore(k, expected[k], total.get(k, 0), matched[k]) for k in INSIGHT_KINDS]
    return scores, missed


def evaluate_insights(
    *,
    source: InsightSource,
    party_keys: Mapping[int, str],
    truth_path: Path,
    as_of: dt.date | None = None,
    lookback_days: int = LOOKBACK_DAYS,
    tolerance_days: int = TOLERANCE_DAYS,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> InsightEvaluation:
    """Detect insights as of ``as_of`` (default: the day after the latest booking) and score them."""
    truth = read_truth(truth_path)
    cutoff = as_of or latest_booking(source) + dt.timedelta(days=1)
    started = time.perf_counter()
    detected = insight_table(source, cutoff, lookback_days=lookback_days, memory_limit=memory_limit, threads=threads)
    seconds = time.perf_counter() - started
    relevant = [r for r in truth if in_window(r, cutoff, lookback_days)]
    scores, missed = score(detected, party_keys, relevant, tolerance_days)
    return InsightEvaluation(cutoff, lookback_days, tolerance_days, seconds, scores, missed)


def latest_booking(source: InsightSource) -> dt.date:
    """The day of the latest booked transaction."""
    if isinstance(source.transactions, Path):
        if not has_data(source.transactions, "transactions"):
            raise NotFound(f"the lake at {source.transactions} holds no transactions")
        relation = scan_sql(source.transactions, "transactions")
    else:
        relation = f"({source.transactions})"
    con = connect()
    try:
        row = first_row(con.execute(f"SELECT CAST(max(booked_at) AS DATE) FROM {relation}"))
    finally:
        con.close()
    if row is None or row[0] is None:
        raise NotFound("there are no transactions to detect insights in")
    return row[0]


def _entity(bank: Path, name: str) -> str:
    """DuckDB scan of one entity of a canonical extract (Parquet or CSV)."""
    folder = bank / name
    for ext, reader in (("parquet", "read_parquet"), ("csv", "read_csv")):
        path = folder / f"*.{ext}" if folder.is_dir() else bank / f"{name}.{ext}"
        if (folder.is_dir() and any(folder.glob(f"*.{ext}"))) or path.is_file():
            quoted = path.as_posix().replace("'", "''")
            return f"{reader}('{quoted}')"
    raise NotFound(f"{bank}: no {name} file (Parquet or CSV) in the extract")


@dataclass(frozen=True)
class Extract:
    """A canonical extract read in place for detection."""

    source: InsightSource
    party_keys: dict[int, str]  # the ids given here, to each party's source key
    as_of: dt.date | None  # the date its balances are as of (a generated bank's end), if it says


def extract_source(bank: Path, fx_rates: Mapping[str, float]) -> Extract:
    """Read a canonical extract in place: its transactions, roles and keys, with ids given here.

    Parties and accounts are numbered in key order, so the ids are the same on every run.
    """
    if not bank.is_dir():
        raise NotFound(f"extract folder not found: {bank}")
    parties, accounts = _entity(bank, "parties"), _entity(bank, "accounts")
    roles, transactions = _entity(bank, "account_roles"), _entity(bank, "transactions")
    account_ids = f"(SELECT key, row_number() OVER (ORDER BY key) AS id FROM {accounts})"
    party_ids = f"(SELECT key, row_number() OVER (ORDER BY key) AS id FROM {parties})"
    con = connect()
    try:
        role_table = con.sql(
            f"SELECT a.id AS account_id, p.id AS party_id, r.role FROM {roles} r "
            f"JOIN {account_ids} a ON a.key = r.account_key JOIN {party_ids} p ON p.key = r.party_key"
        ).to_arrow_table()
        keys = dict(con.execute(f"SELECT id, key FROM {party_ids}").fetchall())
        end = first_row(con.execute(f"SELECT CAST(max(CAST(balance_as_of AS TIMESTAMPTZ)) AS DATE) FROM {accounts}"))
    finally:
        con.close()
    # CSV holds datetimes and money as text: read them as the Parquet types (instants, exact decimals)
    txn = (
        f"SELECT a.id AS account_id, CAST(t.booked_at AS TIMESTAMPTZ) AS booked_at, t.key AS source_key, "
        f"CAST(t.amount AS {_MONEY}) AS amount, t.currency, t.direction, t.txn_type, t.counterparty, t.description, "
        f"CAST(t.balance_after AS {_MONEY}) AS balance_after "
        f"FROM {transactions} t JOIN {account_ids} a ON a.key = t.account_key"
    )
    fx = pa.table(
        {"currency": pa.array(list(fx_rates), pa.string()), "rate": pa.array(list(fx_rates.values()), pa.float64())}
    )
    return Extract(InsightSource(txn, role_table, fx), keys, end[0] if end else None)
