"""Benchmark: scoring a million customers end to end against the bare LightGBM prediction.

Builds a small synthetic bank (5,000 customers, 14 months by default) and trains the customer
models on it out of time (three cut-offs, as ``guanxi models train`` does). Then it makes the
customers to score (1,000,000 by default) by resampling rows of the bank's latest feature table
under new party ids: their features as one Parquet file (the features as the lake holds them),
their facts for the offer rules and their yearly margin beside it, and as many parties in a
scratch database (SQLite in the work folder, or ``--database-url``) so that the write-back meets
real foreign keys. None of that is timed. Then, alternating, keeping each one's best run, it times

- ours: read the features and facts (pyarrow) → ``score_customers`` (churn probability, band and
  reasons, lifetime value, the top three offers with their reasons, population stability) → write
  back every score and offer in one transaction, with the rows built as ``guanxi score`` builds
  them; the models' leaf credits are rebuilt every run, as a run that loads the models does; and
- two baselines, on the same feature matrix, without reasons, offers or write-back: the bare
  ``Booster.predict`` of the churn model's boosters (the issue's baseline), and the bare
  ``Booster.predict`` of every model the run uses (churn and each propensity model), one after
  another. A bare prediction already uses every core (LightGBM's default). Ours runs several model
  passes at once (``--threads``, by default as many as ``guanxi score`` runs), each LightGBM call
  with its share of the cores; the second baseline is also timed laid out the same way, so that
  neither ratio owes anything to the threads.

Left out of ours: loading the models from the registry, the audit entry, and reading the customers'
facts and margins from the database and the lake (they come from the Parquet file instead).
It prints each step of ours, the totals, the ratios (target ≤ 1.5), the process's CPU time and peak
memory; ``--profile`` adds the costliest calls inside one scoring pass.

    .venv/bin/python bench/scoring.py
    .venv/bin/python bench/scoring.py --customers 100000 --keep scratch/scoring
    .venv/bin/python bench/scoring.py --customers 100000 --threads 1
    .venv/bin/python bench/scoring.py --database-url postgresql://USER@HOST/SCRATCH_DB
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import resource
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from guanxi.analytics.engine import compute_features
from guanxi.clock import now
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory
from guanxi.ingest.mapping import builtin_mapping
from guanxi.ingest.service import ingest_extract
from guanxi.ingest.synth import generate_bank
from guanxi.migrate import upgrade
from guanxi.parties.models import Party
from guanxi.products.models import Product
from guanxi.scoring.clv import yearly_margin
from guanxi.scoring.customer_models import (
    CustomerModels,
    evaluation_dates,
    features_frame,
    fit_customer_models,
    labelled_date,
)
from guanxi.scoring.drift import ALERT_PSI
from guanxi.scoring.model_evaluation import held_families, offer_customers, offer_products
from guanxi.scoring.models import CustomerOffer, CustomerScore, DriftAlert, ScoringRun
from guanxi.scoring.score_service import contactable_parties, insert_batched, offer_row_dicts, score_row_dicts
from guanxi.scoring.scoring_run import THREADS, ScoredCustomers, lightgbm_threads, score_customers
from guanxi.scoring.service import CUSTOMER_MODELS, history_end
from guanxi.security.pii import Vault
from guanxi.segments.service import read_inputs

FX = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8, "GBP": 9.1, "HKD": 0.92, "CZK": 0.31}
SOURCE = "bench-scoring"  # the source system of the parties this benchmark adds
PARTY_BATCH = 50_000
FACTS = ("party_type", "risk_tolerance", "kyc_status")


def peak_mib() -> float:
    """Peak resident memory of this process, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far (user and system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Bank:
    """The small bank the models learn from: its operational inputs, lake and latest features."""

    inputs: dict[str, pa.Table]
    lake: Path
    end: dt.date
    latest: pd.DataFrame
    margin: pd.Series


def build_bank(work: Path, customers: int, months: int) -> Bank:
    """Generate and ingest the small bank once (kept in ``work``), read its inputs and latest features."""
    lake, engine = work / "lake", make_engine(f"sqlite:///{work / 'bank.db'}")
    if not (work / ".built").exists():
        started = time.perf_counter()
        generate_bank(customers=customers, months=months, seed=5, out=work / "extract", fmt="parquet")
        upgrade(engine)
        report = ingest_extract(
            directory=work / "extract",
            mapping=builtin_mapping("canonical", "bench"),
            bind=engine,
            lake_root=lake,
            work_dir=work / "tmp",
            quarantine_dir=work / "q",
            vault=Vault.from_settings(get_settings()),
        )
        print(f"bank: {customers:,} customers, {report.rows_read:,} rows in {time.perf_counter() - started:.1f} s")
        (work / ".built").write_text("ok")
    with session_factory(engine)() as session:
        inputs = read_inputs(session, FX)
    end = history_end(lake)
    latest = features_frame(compute_features(inputs=inputs, lake_root=lake, as_of=end)[0])
    margin = yearly_margin(inputs, lake, end).reindex(latest.index).fillna(0.0)
    return Bank(inputs=inputs, lake=lake, end=end, latest=latest, margin=margin)


def train(bank: Bank, cache: Path) -> CustomerModels:
    """The customer models, trained on three out-of-time cut-offs of the small bank (or as trained before)."""
    if cache.exists():
        return joblib.load(cache)
    started = time.perf_counter()
    dates = [labelled_date(bank.inputs, bank.lake, as_of) for as_of in evaluation_dates(bank.end)[0]]
    models = fit_customer_models(dates)
    print(
        f"models: churn and {len(models.propensity)} propensity models on {', '.join(str(d.as_of) for d in dates)}"
        f" in {time.perf_counter() - started:.1f} s"
    )
    joblib.dump(models, cache)
    return models


def resample(bank: Bank, customers: int, folder: Path, seed: int) -> tuple[Path, Path, pa.Table]:
    """Write the features and the customers' facts of ``customers`` resampled rows, party ids 1..n."""
    pick = np.random.default_rng(seed).integers(0, len(bank.latest), customers)
    ids = pa.array(np.arange(1, customers + 1, dtype=np.int64))
    features = pa.Table.from_pandas(bank.latest.iloc[pick], preserve_index=False)
    features = features.add_column(0, "party_id", ids)
    parties = bank.inputs["parties"]
    rows = pd.Index(parties.column("id").to_numpy()).get_indexer(bank.latest.index)[pick]
    facts = pa.table(
        {
            "id": ids,
            **{name: parties.column(name).take(rows) for name in FACTS},  # Arrow keeps the integers' nulls
            "margin": pa.array(bank.margin.to_numpy()[pick]),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    features_path, facts_path = folder / "features.parquet", folder / "customers.parquet"
    pq.write_table(features, features_path)
    pq.write_table(facts, facts_path)
    return features_path, facts_path, facts


def prepare_database(engine: Engine, bank_db: Engine, facts: pa.Table) -> None:
    """Migrate the scratch database and give it the bank's products and one party per customer."""
    upgrade(engine)
    with engine.begin() as conn:
        count = conn.scalar(select(func.count()).select_from(Party))
        ours = conn.scalar(select(func.count()).select_from(Party).where(Party.source_system == SOURCE))
        if count and count == ours == facts.num_rows:
            return  # filled by an earlier run with the same customers
        if count != ours:
            raise SystemExit("the scratch database holds parties of its own: give an empty one")
        conn.execute(delete(CustomerOffer))
        conn.execute(delete(CustomerScore))
        conn.execute(delete(ScoringRun))
        conn.execute(delete(Party))
        conn.execute(delete(Product))
        with bank_db.connect() as source:
            products = [dict(r._mapping) for r in source.execute(select(Product.__table__))]
        conn.execute(insert(Product), products)
        stamp = now()
        columns = facts.select(["id", *FACTS]).to_pylist()
        for start in range(0, len(columns), PARTY_BATCH):
            rows = [
                {
                    **c,
                    "full_name": f"Customer {c['id']}",
                    "status": "active",
                    "source_system": SOURCE,
                    "source_key": str(c["id"]),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for c in columns[start : start + PARTY_BATCH]
            ]
            conn.execute(insert(Party), rows)


def write_back(engine: Engine, scored: ScoredCustomers, as_of: dt.date, contactable: set[int]) -> float:
    """Replace every score and offer in one transaction, as ``guanxi score`` does; returns the row-building time."""
    factory = session_factory(engine)
    with factory() as session, session.begin():
        run = ScoringRun(
            as_of=as_of,
            model_name=CUSTOMER_MODELS,
            model_version=1,
            customers=len(scored.party_ids),
            offers=len(scored.offers),
            psi=scored.psi,
        )
        session.add(run)
        session.flush()
        session.execute(delete(CustomerScore))
        session.execute(delete(CustomerOffer))
        started = time.perf_counter()
        score_rows = score_row_dicts(scored, run.id, as_of)
        building = time.perf_counter() - started
        insert_batched(session, CustomerScore, score_rows)
        del score_rows
        started = time.perf_counter()
        offers = offer_row_dicts(scored, contactable, run.id, as_of)
        building += time.perf_counter() - started
        insert_batched(session, CustomerOffer, offers)
        for subject, value in sorted(scored.psi.items()):
            if value > ALERT_PSI:
                session.add(
                    DriftAlert(
                        run_id=run.id, model_name=CUSTOMER_MODELS, subject=subject, psi=value, threshold=ALERT_PSI
                    )
                )
        run.finished_at = now()
    return building


def read_customers(
    features_path: Path, facts_path: Path, engine: Engine
) -> tuple[pd.DataFrame, pd.DataFrame, set[int]]:
    """The features and the customers' facts as the scoring run needs them, and who may be contacted."""
    features = features_frame(pq.read_table(features_path))
    facts = pq.read_table(facts_path)
    with session_factory(engine)() as session:
        contactable = contactable_parties(session, now())
    return features, facts.to_pandas().set_index("id"), contactable


def forget_paths(models: CustomerModels) -> None:
    """Drop the models' cached leaf credits: ``guanxi score`` loads the models afresh and builds them every run."""
    for model in (models.churn, *models.propensity.values()):
        model.paths_ = None


def score(
    models: CustomerModels, features: pd.DataFrame, facts: pd.DataFrame, products: pd.DataFrame, threads: int
) -> ScoredCustomers:
    """One scoring pass over every customer, with the frames built as ``run_scoring`` builds them."""
    parties = pa.Table.from_pandas(facts[list(FACTS)].rename_axis("id").reset_index())
    return score_customers(
        models,
        features,
        customers=offer_customers({"parties": parties}, features),
        products=products,
        held=held_families(features, sorted(set(products["family"]))),
        margin=facts["margin"],
        threads=threads,
    )


def bare_predict(boosters: list[Any], matrix: np.ndarray, threads: int = 1) -> float:
    """Seconds for the boosters' bare predictions on ``matrix``: one after another with LightGBM's default
    threads, or ``threads`` at once with the share of the cores each gets in ours."""
    started = time.perf_counter()
    if threads <= 1:
        for booster in boosters:
            booster.predict(matrix)
    else:
        per_call = lightgbm_threads(threads)
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda booster: booster.predict(matrix, num_threads=per_call), boosters))
    return time.perf_counter() - started


def profile(
    models: CustomerModels, features: pd.DataFrame, facts: pd.DataFrame, products: pd.DataFrame, threads: int
) -> None:
    """Print the costliest calls (cumulative time) of one scoring pass."""
    profiler = cProfile.Profile()
    profiler.enable()
    score(models, features, facts, products, threads)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


def main() -> None:
    """Build the bank and the customers, time ours and the bare prediction, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers to score")
    parser.add_argument("--bank-customers", type=int, default=5_000, help="customers of the bank the models learn from")
    parser.add_argument("--months", type=int, default=14)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the bank and the customers in this folder")
    parser.add_argument("--database-url", help="write back to this scratch database (default: SQLite in the folder)")
    parser.add_argument("--profile", action="store_true", help="also print the costliest calls of one scoring pass")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help=f"model passes ours runs at once (default {THREADS})"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="guanxi-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    folder = work / f"bank-{args.bank_customers}x{args.months}"
    bank = build_bank(folder, args.bank_customers, args.months)
    models = train(bank, folder / "models.joblib")
    started = time.perf_counter()
    scratch = folder / f"customers-{args.customers}"
    features_path, facts_path, facts_table = resample(bank, args.customers, scratch, seed=7)
    engine = make_engine(args.database_url or f"sqlite:///{scratch / 'scoring.db'}")
    prepare_database(engine, make_engine(f"sqlite:///{folder / 'bank.db'}"), facts_table)
    del facts_table
    print(f"customers: {args.customers:,} resampled, written and added in {time.perf_counter() - started:.1f} s")
    products = offer_products(bank.inputs)
    boosters = models.churn.boosters_
    every = [b for model in (models.churn, *models.propensity.values()) for b in model.boosters_]
    steps: dict[str, list[float]] = {"read": [], "score": [], "write-back": [], "rows": [], "cpu": []}
    ours: list[float] = []
    theirs: dict[str, list[float]] = {"churn": [], "every": [], "side by side": []}
    matrix = np.empty((0, len(models.feature_names)))
    for _ in range(args.repeats):
        del matrix  # the previous run's copy would weigh on this run's memory
        cpu = cpu_seconds()
        clock = time.perf_counter()
        features, facts, contactable = read_customers(features_path, facts_path, engine)
        steps["read"].append(time.perf_counter() - clock)
        forget_paths(models)
        started = time.perf_counter()
        scored = score(models, features, facts, products, args.threads)
        steps["score"].append(time.perf_counter() - started)
        started = time.perf_counter()
        steps["rows"].append(write_back(engine, scored, bank.end, contactable))
        steps["write-back"].append(time.perf_counter() - started)
        ours.append(time.perf_counter() - clock)
        steps["cpu"].append(cpu_seconds() - cpu)
        # the baselines' matrix: the same features, as the float matrix LightGBM predicts on
        matrix = features[models.feature_names].to_numpy(dtype=float)
        del features, facts, scored
        theirs["churn"].append(bare_predict(boosters, matrix))
        theirs["every"].append(bare_predict(every, matrix))
        if args.threads > 1:
            theirs["side by side"].append(bare_predict(every, matrix, args.threads))
    best = ours.index(min(ours))
    with engine.connect() as conn:
        written = conn.scalar(select(func.count()).select_from(CustomerScore))
        offered = conn.scalar(select(func.count()).select_from(CustomerOffer))
    propensity_trees = sum(b.num_trees() for m in models.propensity.values() for b in m.boosters_)
    print(
        f"scored {args.customers:,} customers as of {bank.end}: {len(models.feature_names)} features, "
        f"churn {sum(b.num_trees() for b in boosters)} trees, {len(models.propensity)} propensity models "
        f"{propensity_trees} trees; {written:,} scores and {offered:,} offers written to {engine.dialect.name}"
    )
    for name, label in (("read", "read features"), ("score", "score (with reasons, offers)"), ("write-back", "")):
        print(f"{'ours: ' + (label or name):<52}{steps[name][best]:>8.2f} s")
    print(f"{'  of which building the rows':<52}{steps['rows'][best]:>8.2f} s")
    print(f"{'ours: end to end':<52}{ours[best]:>8.2f} s  (runs: {', '.join(f'{r:.2f}' for r in ours)})")
    print(f"{'  CPU time of that run, every thread':<52}{steps['cpu'][best]:>8.2f} s  ({args.threads} at once)")
    labels = {
        "churn": "baseline: bare Booster.predict, churn model",
        "every": "bare Booster.predict, every model the run uses",
        "side by side": f"the same, {args.threads} at once as ours runs them",
    }
    for key, runs in theirs.items():
        if not runs:
            continue
        ratio = ours[best] / min(runs)
        verdict = "met" if ratio <= 1.5 else "missed"
        print(f"{labels[key]:<52}{min(runs):>8.2f} s  (runs: {', '.join(f'{r:.2f}' for r in runs)})")
        print(f"{'  ratio ours / that':<52}{ratio:>8.2f}    target ≤ 1.5: {verdict}")
    print(f"{'peak memory of this process':<52}{peak_mib():>8.0f} MiB")
    if args.profile:
        features, facts, _ = read_customers(features_path, facts_path, engine)
        forget_paths(models)
        profile(models, features, facts, products, args.threads)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
