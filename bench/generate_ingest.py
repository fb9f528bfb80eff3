"""Benchmark: generate ~10 million transactions, ingest them, and compare with plain DuckDB.

For each format (Parquet and CSV by default) it generates a synthetic bank with about that many
transactions, loads its reference data (customers, accounts, ...), then times our ingest of the
transaction files against a plain DuckDB ``COPY (SELECT ... FROM read_parquet/read_csv) TO lake
(PARTITION_BY month)`` of the same files, in this same script on the same machine, alternating
the two and keeping each one's best run. It prints rows/s for generating and for ingesting, and
the ratio of ours to plain DuckDB. Target: at most 1.5.

    .venv/bin/python bench/generate_ingest.py
    .venv/bin/python bench/generate_ingest.py --transactions 2000000 --formats parquet --repeats 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import time
from pathlib import Path

import duckdb

from guanxi.db import make_engine
from guanxi.ingest.mapping import builtin_mapping
from guanxi.ingest.service import IngestReport, ingest_extract
from guanxi.ingest.synth import generate_bank
from guanxi.ingest.synth.writer import Format
from guanxi.migrate import upgrade

LAKE_ENTITIES = ("transactions", "digital_events")
END = dt.date(2026, 11, 1)  # a fixed end keeps the generated bank the same from run to run


def _link_subset(extract: Path, target: Path, keep: set[str]) -> Path:
    """A folder of symlinks to the chosen entity files of ``extract``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in extract.iterdir():
        name = path.name.split(".")[0]
        if name in keep:
            (target / path.name).symlink_to(path.resolve())
    return target


def _ingest(directory: Path, url: str, lake: Path, work: Path) -> tuple[IngestReport, float]:
    started = time.perf_counter()
    report = ingest_extract(
        directory=directory,
        mapping=builtin_mapping("canonical", "bench"),
        bind=make_engine(url),
        lake_root=lake,
        work_dir=work / "tmp",
        quarantine_dir=work / "quarantine",
    )
    return report, time.perf_counter() - started


def _baseline(extract: Path, fmt: str, lake: Path) -> tuple[int, float]:
    """Plain DuckDB: read the same files, write them month-partitioned to Parquet."""
    pattern = (extract / "transactions" / f"*.{fmt}").as_posix()
    reader = f"read_parquet('{pattern}')" if fmt == "parquet" else f"read_csv('{pattern}', header=true)"
    lake.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    started = time.perf_counter()
    rows = con.execute(
        f"COPY (SELECT *, strftime(CAST(booked_at AS TIMESTAMPTZ), '%Y-%m') AS month FROM {reader}) "
        f"TO '{(lake / 'transactions').as_posix()}' (FORMAT PARQUET, COMPRESSION zstd, PARTITION_BY (month))"
    ).fetchall()[0][0]
    return int(rows), time.perf_counter() - started


def _say(message: str) -> None:
    print(f"  {message}", flush=True)


def run_format(fmt: Format, transactions: int, months: int, out: Path, repeats: int) -> dict[str, float]:
    """Generate, ingest and compare for one file format; return the figures."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # calibrate: transactions per customer for this many months
    probe = generate_bank(customers=500, months=months, seed=7, out=out / "probe", fmt="parquet", end=END)
    customers = max(1000, int(transactions / (probe.counts["transactions"] / 500)))
    shutil.rmtree(out / "probe")

    extract = out / "extract"
    started = time.perf_counter()
    generated = generate_bank(customers=customers, months=months, seed=42, out=extract, fmt=fmt, end=END)
    gen_seconds = time.perf_counter() - started
    txns = generated.counts["transactions"]
    _say(f"generated {customers:,} customers and {txns:,} transactions in {gen_seconds:.1f} s")

    url = f"sqlite:///{out / 'guanxi.db'}"
    upgrade(make_engine(url))
    reference = _link_subset(extract, out / "reference", {e for e in generated.counts if e not in LAKE_ENTITIES})
    _, ref_seconds = _ingest(reference, url, out / "lake", out)
    _say(f"reference data (customers, accounts, ...) ingested in {ref_seconds:.1f} s")
    lake_only = _link_subset(extract, out / "txns", {"transactions"})
    # Alternate the two into fresh lakes, pairing each of our runs with the DuckDB run right after it:
    # timings on a shared machine wander, and a pair sees the same weather.
    ours_runs, base_runs = [], []
    for attempt in range(repeats):
        report, seconds = _ingest(lake_only, url, out / f"lake-{attempt}", out)
        ours_runs.append(seconds)
        _say(f"our ingest of the transactions: {seconds:.1f} s")
        base_rows, seconds = _baseline(extract, fmt, out / f"baseline-lake-{attempt}")
        base_runs.append(seconds)
        _say(f"plain DuckDB COPY of the same files into a month-partitioned lake: {seconds:.1f} s")
    ratios = sorted(o / b for o, b in zip(ours_runs, base_runs, strict=True))
    ours, base = statistics.median(ours_runs), statistics.median(base_runs)
    _, again = _ingest(lake_only, url, out / "lake-0", out)
    _say(f"the same files again (adds nothing): {again:.1f} s")
    assert report.entity("transactions").new == txns == base_rows, (report.entity("transactions"), txns, base_rows)
    return {
        "customers": customers,
        "transactions": txns,
        "generate_s": gen_seconds,
        "reference_s": ref_seconds,
        "ours_s": ours,
        "again_s": again,
        "baseline_s": base,
        "ratio": statistics.median(ratios),
        "ratio_low": ratios[0],
        "ratio_high": ratios[-1],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--repeats", type=int, default=3, help="paired timed runs; the median ratio counts")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    results = {}
    for fmt in args.formats.split(","):
        print(f"[{fmt}] generating about {args.transactions:,} transactions and ingesting them...", flush=True)
        if fmt not in ("csv", "parquet"):
            parser.error(f"unknown format {fmt!r}: use csv and/or parquet")
        results[fmt] = run_format(fmt, args.transactions, args.months, args.out / fmt, args.repeats)  # type: ignore[arg-type]
    print()
    print(
        f"{'format':8} {'txns':>12} {'generate/s':>12} {'ingest/s':>12} {'duckdb/s':>12} {'ratio':>7} "
        f"{'range':>11} {'reload s':>9}"
    )
    for fmt, r in results.items():
        print(
            f"{fmt:8} {int(r['transactions']):>12,} {r['transactions'] / r['generate_s']:>12,.0f} "
            f"{r['transactions'] / r['ours_s']:>12,.0f} {r['transactions'] / r['baseline_s']:>12,.0f} "
            f"{r['ratio']:>7.2f} {r['ratio_low']:>5.2f}-{r['ratio_high']:<5.2f} {r['again_s']:>9.1f}"
        )
        print(
            f"         customers {int(r['customers']):,}; reference data ingest {r['reference_s']:.1f} s; "
            f"generation {r['generate_s']:.1f} s; our ingest {r['ours_s']:.1f} s vs DuckDB COPY {r['baseline_s']:.1f} s"
        )
    print("\nratio = median of paired (our ingest / plain DuckDB) runs; target <= 1.5")
    for fmt, r in results.items():
        verdict = "meets" if r["ratio"] <= 1.5 else "misses"
        print(f"  {fmt}: {r['ratio']:.2f} ({verdict} the target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
