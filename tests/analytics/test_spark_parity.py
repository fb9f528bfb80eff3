"""Two engines, one definition: the feature SQL run on DuckDB and, transpiled with SQLGlot, on Spark
gives the same feature table on the same sample lake (floats within 1e-9 relative).

The Spark tests run when ``GUANXI_TEST_SPARK=1`` (CI sets it: then a missing PySpark or Java fails
the run) and, without it, whenever PySpark is installed. They share one local Spark session.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from extracts import write_canonical
from guanxi.analytics.catalogue import base_sql, feature_groups
from guanxi.analytics.engine import as_of_literal, compute_features
from guanxi.cli.main import app
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory
from guanxi.errors import ConfigurationError
from guanxi.ingest.mapping import builtin_mapping
from guanxi.ingest.service import ingest_extract
from guanxi.ingest.synth import generate_bank
from guanxi.lake.duck import connect
from guanxi.lake.layout import scan_sql, table_files
from guanxi.lake.snapshots import read_snapshot
from guanxi.migrate import upgrade
from guanxi.segments.models import AnalysisRun
from guanxi.segments.service import read_inputs

SPARK_REQUIRED = os.environ.get("GUANXI_TEST_SPARK") == "1"
HAVE_PYSPARK = importlib.util.find_spec("pyspark") is not None
needs_spark = pytest.mark.skipif(
    not (SPARK_REQUIRED or HAVE_PYSPARK),
    reason="PySpark is not installed (pip install -e '.[dev]'); set GUANXI_TEST_SPARK=1 to require it",
)
# A quick-starting local session: the JIT's first tier only (tiny queries never reach the second).
TEST_CONF = {
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -XX:TieredStopAtLevel=1",
    "spark.driver.memory": "1g",
}
FX = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8, "GBP": 9.1, "HKD": 0.92, "CZK": 0.31}
# Mid-month, so partial months, month boundaries and the 30/90/365-day windows all matter.
AS_OF = dt.date(2026, 6, 17)
TWIN_BALANCE = Decimal("1000000000")
REL, ABS = 1e-9, 1e-9  # a money sum that cancels to ~0 differs in its last bits between runs of DuckDB alone

runner = CliRunner()


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    """One local Spark session for the module."""
    if not HAVE_PYSPARK:
        pytest.fail("GUANXI_TEST_SPARK=1 but PySpark is not installed: pip install -e '.[dev]'", pytrace=False)
    from guanxi.analytics.spark_engine import spark_session

    session = spark_session(master="local[2]", conf=TEST_CONF)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sample_bank(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pa.Table], Path]:
    """A synthetic bank of 300 customers over 13 months, ingested: its operational inputs and its lake."""
    work = tmp_path_factory.mktemp("sample-bank")
    generate_bank(customers=300, months=13, seed=11, out=work / "extract", fmt="parquet", end=dt.date(2026, 7, 1))
    engine = make_engine(f"sqlite:///{work / 'bank.db'}")
    upgrade(engine)
    ingest_extract(
        directory=work / "extract",
        mapping=builtin_mapping("canonical", "sample"),
        bind=engine,
        lake_root=work / "lake",
        work_dir=work / "w",
        quarantine_dir=work / "q",
    )
    with session_factory(engine)() as session:
        inputs = read_inputs(session, FX)
    engine.dispose()
    _add_simultaneous_posting(work / "lake")
    return inputs, work / "lake"


def _add_simultaneous_posting(lake: Path) -> None:
    """A posting at the very instant of the last one before the cut-off, with a later source key and
    a balance of a billion: the latest balance must be its, whichever engine runs."""
    files = table_files(lake, "transactions")
    con = connect()
    last = con.sql(
        f"SELECT * EXCLUDE (month) FROM {scan_sql(lake, 'transactions')} "
        f"WHERE booked_at < {as_of_literal(AS_OF)} ORDER BY booked_at DESC, source_key DESC LIMIT 1"
    ).to_arrow_table()
    con.close()
    schema = pq.read_schema(files[0])
    twin = last.to_pylist()[0] | {"source_key": last["source_key"][0].as_py() + "b", "balance_after": TWIN_BALANCE}
    month = twin["booked_at"].strftime("%Y-%m")
    pq.write_table(
        pa.Table.from_pylist([twin], schema=schema), lake / "transactions" / f"month={month}" / "part-twin.parquet"
    )


def _differences(expected: pa.Table, actual: pa.Table) -> list[str]:
    """Each cell where two feature tables differ: ints and nulls exactly, floats within REL (or ABS near 0)."""
    found = []
    for name in expected.column_names:
        pairs = zip(expected.column(name).to_pylist(), actual.column(name).to_pylist(), strict=True)
        for row, (want, got) in enumerate(pairs):
            if want is None or got is None or isinstance(want, int):
                same = want == got
            else:
                same = math.isclose(want, got, rel_tol=REL, abs_tol=ABS)
            if not same:
                found.append(f"row {row} {name}: duckdb {want!r}, spark {got!r}")
    return found


@needs_spark
def test_spark_computes_the_same_feature_table_as_duckdb(spark, sample_bank):
    from guanxi.analytics.spark_engine import compute_features_spark

    inputs, lake = sample_bank
    # when both engines compute the features of the sample bank as of the same date
    duck, duck_steps = compute_features(inputs=inputs, lake_root=lake, as_of=AS_OF)
    sparked, spark_steps = compute_features_spark(inputs=inputs, lake_root=lake, as_of=AS_OF, spark=spark)
    # then the tables have the same columns, types and customers, in the same order
    assert sparked.schema == duck.schema
    assert sparked.column("party_id").to_pylist() == duck.column("party_id").to_pylist()
    # and the same values
    assert _differences(duck, sparked) == []
    # and each group produced as many rows on both, reported step by step
    assert [(s.step, s.rows) for s in spark_steps] == [(s.step, s.rows) for s in duck_steps]
    # (the sample is no empty shell: most customers have transactions, balances and log-ins)
    assert duck.num_rows > 250
    assert min(duck.column(c).null_count for c in ("aum", "days_since_last_txn", "days_since_last_login")) < 50
    # and of two postings at the same instant, the later source key gives the latest balance on both
    assert sum(1 for aum in sparked.column("aum").to_pylist() if aum is not None and aum >= 0.3 * 1e9) == 1


@needs_spark
def test_an_empty_lake_gives_the_same_table_on_both_engines(spark, sample_bank, tmp_path):
    from guanxi.analytics.spark_engine import compute_features_spark

    inputs, _ = sample_bank
    # given a lake with no transactions and no digital events yet
    empty = tmp_path / "empty-lake"
    # when both engines compute the features
    duck, _ = compute_features(inputs=inputs, lake_root=empty, as_of=AS_OF)
    sparked, _ = compute_features_spark(inputs=inputs, lake_root=empty, as_of=AS_OF, spark=spark)
    # then the tables are the same: counts 0, balances empty, holdings from the accounts
    assert sparked.schema == duck.schema
    assert _differences(duck, sparked) == []
    assert set(duck.column("txn_count_365d").to_pylist()) == {0.0}
    assert duck.column("aum").null_count == duck.num_rows


@needs_spark
def test_analyze_with_engine_spark_runs_end_to_end_and_matches_duckdb(spark, tmp_path):
    # given the tiny canonical bank loaded through the commands
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(write_canonical(tmp_path / "x"))]).exit_code == 0
    lake = get_settings().resolved_lake_path
    first = runner.invoke(app, ["analyze", "--as-of", "2026-11-01", "--engine", "duckdb", "--json"])
    assert first.exit_code == 0, first.output
    on_duckdb = read_snapshot(lake, "features", dt.date(2026, 11, 1))
    # when the same date is analysed on Spark
    second = runner.invoke(app, ["analyze", "--as-of", "2026-11-01", "--engine", "spark", "--json"])
    # then it segments every customer, and its features are DuckDB's
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert (report["customers"], report["features"]) == (3, json.loads(first.stdout)["features"])
    assert [s["step"] for s in report["steps"]][-2:] == ["segment", "write back"]
    on_spark = read_snapshot(lake, "features", dt.date(2026, 11, 1))
    assert on_spark.schema == on_duckdb.schema
    assert _differences(on_duckdb, on_spark) == []
    # and each run records its engine
    with session_factory(make_engine(get_settings().resolved_database_url))() as session:
        engines = session.scalars(select(AnalysisRun.engine).order_by(AnalysisRun.id)).all()
    assert engines == ["duckdb", "spark"]


@needs_spark
def test_every_feature_file_keeps_to_the_portable_sql_rules():
    from guanxi.analytics.spark_engine import portability_problems, to_spark

    # every group and the shared tables: no construct that means something else on Spark
    sources = {"_base": base_sql(), **{g.name: g.sql for g in feature_groups()}}
    assert {name: problems for name, sql in sources.items() if (problems := portability_problems(sql))} == {}
    # and the rules catch what they promise to
    assert portability_problems("SELECT date_diff('month', a, b), log(x), a / b, arg_max(v, k) FROM t") == [
        "DATE_DIFF('MONTH', a, b): date_diff only in days (Spark counts whole units, DuckDB boundaries)",
        "LOG(x): log is base 10 in DuckDB and natural on Spark",
        "a / b: guard the denominator with NULLIF(…, 0)",
        "ARG_MAX(v, k): arg_max/arg_min need FILTER (WHERE v IS NOT NULL) (Spark keeps NULLs)",
    ]
    # and a day count becomes Spark's
    assert to_spark("SELECT date_diff('day', CAST(a AS DATE), CAST(b AS DATE)) AS d FROM t") == (
        "SELECT DATEDIFF(DAY, CAST(a AS DATE), CAST(b AS DATE)) AS d FROM t"
    )


def test_an_unknown_engine_is_a_clear_error():
    # when a run asks for an engine that does not exist
    with pytest.raises(ConfigurationError) as raised:
        compute_features(inputs={}, lake_root=Path("lake"), as_of=AS_OF, engine="presto")
    # then it is refused with a code, naming the choices
    assert raised.value.code == "unknown_engine"
    assert raised.value.message == "unknown analytics engine 'presto' (one of: duckdb, spark)"


def test_the_command_names_an_unknown_engine():
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["analyze", "--as-of", "2026-11-01", "--engine", "presto"])
    assert result.exit_code == 2
    assert "unknown analytics engine 'presto' (one of: duckdb, spark)" in result.stderr


def test_spark_without_pyspark_says_how_to_install_it(monkeypatch):
    # given an installation without PySpark
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a))
    # when the Spark engine is asked for
    with pytest.raises(ConfigurationError) as raised:
        compute_features(inputs={}, lake_root=Path("lake"), as_of=AS_OF, engine="spark")
    # then the error says what to install
    assert raised.value.code == "engine_unavailable"
    assert "pip install 'guanxi[spark]'" in raised.value.message


def test_the_engine_setting_accepts_duckdb_and_spark_only(monkeypatch):
    monkeypatch.setenv("GUANXI_ENGINE", "spark")
    get_settings.cache_clear()
    assert get_settings().engine == "spark"
    monkeypatch.setenv("GUANXI_ENGINE", "presto")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="engine"):
        get_settings()
