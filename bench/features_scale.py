"""Benchmark: the feature run at a million customers and about a hundred million transactions.

Builds (or reuses, ``--keep``) the 200,000-customer bank of ``bench/features.py``, then makes a
bank ``--copies`` times larger by replication: every copy of the lake's transactions and digital
events gets its account and party ids shifted past the previous copy's, and so do the operational
inputs (parties, accounts, holder roles, loans, cases). The copies are real customers' behaviour,
so the run does the same work it would on a bank that size. Only the last ``--months`` months of
transactions are copied, to land near the target row count.

It then runs every catalogue feature on DuckDB once and prints the time and the peak memory of the
process beside the targets (under 3 minutes, under 12 GiB).

    .venv/bin/python bench/features_scale.py --keep scratch/bank200k
    .venv/bin/python bench/features_scale.py --keep scratch/bank200k --copies 2 --months 4   # a quick try
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from guanxi.analytics.engine import compute_features
from guanxi.db import make_engine, session_factory
from guanxi.lake.duck import connect
from guanxi.lake.layout import scan_sql
from guanxi.segments.service import read_inputs

FX = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8, "GBP": 9.1, "HKD": 0.92, "CZK": 0.31}
TARGET_SECONDS = 180
TARGET_GIB = 12
# Which id columns of each input are shifted per copy, and by which offset ("party" or "account").
SHIFTS = {
    "parties": {"id": "party"},
    "account_roles": {"account_id": "account", "party_id": "party"},
    "accounts": {"id": "account"},
    "loans": {"account_id": "account"},
    "cases": {"party_id": "party"},
}


def peak_gib() -> float:
    """Peak resident memory of this process, GiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def replicate_inputs(inputs: dict[str, pa.Table], copies: int, offsets: dict[str, int]) -> dict[str, pa.Table]:
    """The operational inputs, ``copies`` times, each copy's ids shifted by ``k * offset``."""
    out = {}
    for name, table in inputs.items():
        shifts = SHIFTS.get(name)
        if not shifts:
            out[name] = table
            continue
        parts = []
        for k in range(copies):
            part = table
            for column, kind in shifts.items():
                index = part.schema.get_field_index(column)
                shifted = pc.add(part.column(column), pa.scalar(k * offsets[kind], part.schema.field(column).type))
                part = part.set_column(index, column, shifted)
            parts.append(part)
        out[name] = pa.concat_tables(parts)
    return out


def replicate_lake(source: Path, target: Path, copies: int, offsets: dict[str, int], since: dt.date) -> int:
    """Write the copies of the transactions (since ``since``) and digital events; return the transactions."""
    con = connect({"memory_limit": "8GB"})
    try:
        for table, shift, column, when in (
            ("transactions", "account", "account_id", "booked_at"),
            ("digital_events", "party", "party_id", "occurred_at"),
        ):
            (target / table).mkdir(parents=True, exist_ok=True)
            for k in range(copies):
                con.execute(
                    f"COPY (SELECT * REPLACE ({column} + {k * offsets[shift]} AS {column}) "
                    f"FROM {scan_sql(source, table)} WHERE {when} >= TIMESTAMPTZ '{since.isoformat()} 00:00:00+00') "
                    f"TO '{(target / table).as_posix()}' "
                    f"(FORMAT parquet, PARTITION_BY (month), FILENAME_PATTERN 'copy{k}-{{i}}', OVERWRITE_OR_IGNORE)"
                )
        return int(con.execute(f"SELECT count(*) FROM {scan_sql(target, 'transactions')}").fetchall()[0][0])
    finally:
        con.close()


def main() -> None:
    """Build the large bank by replication and time one feature run on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True, help="the bench/features.py bank to replicate")
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--months", type=int, default=7, help="months of transactions to copy, back from the end")
    parser.add_argument("--memory-limit", default="10GB", help="DuckDB's memory limit for the run")
    args = parser.parse_args()
    with session_factory(make_engine(f"sqlite:///{args.keep / 'bench.db'}"))() as session:
        inputs = read_inputs(session, FX)
    offsets = {
        "party": int(pc.max(inputs["parties"].column("id")).as_py()) + 1,
        "account": int(pc.max(inputs["accounts"].column("id")).as_py()) + 1,
    }
    con = connect()
    last = con.execute(f"SELECT max(booked_at) FROM {scan_sql(args.keep / 'lake', 'transactions')}").fetchall()[0][0]
    con.close()
    as_of = last.date().replace(day=1)
    since = (as_of - dt.timedelta(days=31 * (args.months - 1))).replace(day=1)
    work = Path(tempfile.mkdtemp(prefix="guanxi-scale-"))
    try:
        started = time.perf_counter()
        rows = replicate_lake(args.keep / "lake", work / "lake", args.copies, offsets, since)
        big = replicate_inputs(inputs, args.copies, offsets)
        print(f"replicated {args.copies} copies in {time.perf_counter() - started:.1f} s")
        print(f"lake: {rows:,} transactions since {since.isoformat()}, {big['parties'].num_rows:,} customers")
        started = time.perf_counter()
        table, steps = compute_features(
            inputs=big, lake_root=work / "lake", as_of=as_of, memory_limit=args.memory_limit
        )
        seconds = time.perf_counter() - started
        for step in steps:
            print(f"  {step.step:<12}{step.seconds:8.2f} s  {step.rows:>12,} rows")
        print(
            f"{'every feature as of ' + as_of.isoformat():<44}{seconds:>8.1f} s   target < {TARGET_SECONDS} s: "
            f"{'met' if seconds < TARGET_SECONDS else 'missed'}"
        )
        gib = peak_gib()
        print(
            f"{'peak memory of this process':<44}{gib:>8.2f} GiB target < {TARGET_GIB} GiB: "
            f"{'met' if gib < TARGET_GIB else 'missed'}"
        )
        print(f"{'customers with features':<44}{table.num_rows:>8,}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
