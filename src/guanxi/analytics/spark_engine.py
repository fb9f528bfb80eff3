"""The Spark engine: the feature SQL, written once in DuckDB's dialect, transpiled with SQLGlot and
run on PySpark (local mode by default, a cluster by configuration).

The run itself (population, groups, zero-fill, assembly) is :func:`guanxi.analytics.engine.run_features`;
this module only says how Spark registers the Arrow inputs, reads the lake's Parquet, keeps each
intermediate table (cached or checkpointed) and hands back Arrow. Each run works in its own Spark session (its own
temp views) on the process's shared Spark context, so runs do not see each other's tables.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import sqlglot
from py4j.protocol import Py4JError, Py4JJavaError
from pyspark import StorageLevel
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from guanxi.analytics.engine import StepTiming, run_features
from guanxi.config import get_settings
from guanxi.errors import ConfigurationError
from guanxi.lake.layout import table_dir, table_files

# Settings every run needs, whatever the cluster: the feature SQL's dates and cut-off are UTC.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    # month=YYYY-MM folders stay text, as DuckDB reads them
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}
# The SQLGlot dialects of the feature files and of Spark.
SOURCE_DIALECT, TARGET_DIALECT = "duckdb", "spark"


# Functions that transpile without error but mean something else on Spark, or have no Spark twin.
NOT_PORTABLE: dict[type[exp.Expression], str] = {
    exp.Log: "log is base 10 in DuckDB and natural on Spark",
    exp.TimeToUnix: "epoch functions differ",
    exp.UnixToTime: "epoch functions differ",
    exp.DayOfWeek: "days of the week are numbered differently",
    exp.DayOfWeekIso: "days of the week are numbered differently",
    exp.Quantile: "quantiles other than median differ",
    exp.PercentileCont: "quantiles other than median differ",
    exp.PercentileDisc: "quantiles other than median differ",
    exp.ApproxQuantile: "quantiles other than median differ",
    exp.ArrayAgg: "lists have no equal on both engines",
}


def portability_problems(sql: str) -> list[str]:
    """Where a DuckDB feature query breaks the portable-SQL rules (docs/analytics.md), one line each."""
    problems: list[str] = []
    for statement in sqlglot.parse(sql, read=SOURCE_DIALECT):
        if statement is None:
            continue
        for node in statement.walk():
            snippet = node.sql(dialect=SOURCE_DIALECT)[:80]
            reason = next((why for kind, why in NOT_PORTABLE.items() if isinstance(node, kind)), None)
            if reason is not None:
                problems.append(f"{snippet}: {reason}")
            elif isinstance(node, exp.DateDiff) and (node.unit is None or node.unit.name.upper() != "DAY"):
                problems.append(f"{snippet}: date_diff only in days (Spark counts whole units, DuckDB boundaries)")
            elif isinstance(node, exp.Div) and not isinstance(node.expression, exp.Literal | exp.Nullif):
                problems.append(f"{snippet}: guard the denominator with NULLIF(…, 0)")
            elif isinstance(node, exp.ArgMax | exp.ArgMin) and not isinstance(node.parent, exp.Filter):
                problems.append(f"{snippet}: arg_max/arg_min need FILTER (WHERE v IS NOT NULL) (Spark keeps NULLs)")
            elif isinstance(node, exp.Join) and (node.method or "").upper() == "ASOF":
                problems.append(f"{snippet}: no ASOF joins on Spark")
    return problems


def to_spark(sql: str) -> str:
    """One DuckDB statement in Spark SQL, transpiled with SQLGlot (comments dropped).

    A construct SQLGlot cannot express in Spark raises instead of being passed through unchanged.
    """
    statements = sqlglot.transpile(
        sql, read=SOURCE_DIALECT, write=TARGET_DIALECT, comments=False, unsupported_level=ErrorLevel.RAISE
    )
    if len(statements) != 1:
        raise ConfigurationError(f"expected one SQL statement, got {len(statements)}", code="spark_query_failed")
    return statements[0]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().strip("'\"")
    return text.splitlines()[0] if text else repr(exc)


def _local_cores(master: str) -> int | None:
    match = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master)
    if match is None:
        return None
    cores = match.group(1) or "1"
    return (os.cpu_count() or 1) if cores == "*" else int(cores)


def spark_config(master: str, driver_memory: str, extra: dict[str, str]) -> dict[str, str]:
    """The configuration a new Spark session gets: local-mode defaults, then the configured extras."""
    conf = {
        **SESSION_CONF,
        "spark.app.name": "guanxi-features",
        "spark.driver.memory": driver_memory,
        "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        # progress bars on stderr would tear through the command's own
        "spark.ui.showConsoleProgress": "false",
    }
    cores = _local_cores(master)
    if cores is not None:
        # One machine: no web UI, the loopback address, as many shuffle partitions as cores, and no
        # adaptive re-planning (on one machine it costs more than it saves: about a third of a run).
        conf |= {
            "spark.ui.enabled": "false",
            "spark.driver.host": "127.0.0.1",
            "spark.sql.shuffle.partitions": str(cores),
            "spark.sql.adaptive.enabled": "false",
        }
    return conf | extra


def spark_session(*, master: str | None = None, conf: dict[str, str] | None = None) -> SparkSession:
    """The process's Spark session: the running one, or a new one from the settings (``GUANXI_SPARK_*``)."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    settings = get_settings()
    master = master or settings.spark_master
    builder = SparkSession.builder.master(master)
    for key, value in spark_config(
        master, settings.spark_driver_memory, {**settings.spark_conf, **(conf or {})}
    ).items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():
            # PySpark warns, as it starts, about the installed pandas; this engine uses no pandas
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
            session = builder.getOrCreate()
    except (PySparkException, OSError) as exc:
        raise ConfigurationError(
            f"Spark could not start with master '{master}': {_first_line(exc)} "
            "(the Spark engine needs Java 17 or later on PATH or in JAVA_HOME)",
            code="engine_unavailable",
            details={"engine": "spark", "master": master},
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """The feature run on Spark: every query transpiled from DuckDB's dialect, every kept table computed once."""

    def __init__(self, spark: SparkSession) -> None:
        self.session = spark.newSession()
        for key, value in SESSION_CONF.items():
            self.session.conf.set(key, value)
        self.kept: list[DataFrame] = []
        self.views: list[str] = []

    def _view(self, name: str, frame: DataFrame) -> None:
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def _keep(self, name: str, spark_sql: str, *, large: bool = False) -> int:
        try:
            # A shared base table (millions of rows) is cached in Spark's compressed columnar form. A
            # small one is checkpointed instead: the final join reads many tables built on the same
            # base, and de-duplicating such a plan can miss a cache and compute a group again.
            query = self.session.sql(spark_sql)
            frame = query.persist(StorageLevel.MEMORY_AND_DISK) if large else query.localCheckpoint(eager=True)
            rows = frame.count()
        except PySparkException as exc:
            raise ConfigurationError(
                f"{name}: Spark refused the transpiled query: {_first_line(exc)}",
                code="spark_query_failed",
                details={"table": name},
            ) from exc
        except Py4JJavaError as exc:
            # Spark accepted the query but failed running it: most often memory (GUANXI_SPARK_DRIVER_MEMORY)
            raise ConfigurationError(
                f"{name}: Spark failed computing the table: {_first_line(exc.java_exception)}",
                code="spark_run_failed",
                details={"table": name},
            ) from exc
        self.kept.append(frame)
        self._view(name, frame)
        return int(rows)

    def _transpile(self, name: str, sql: str) -> str:
        try:
            return to_spark(sql)
        except SqlglotError as exc:
            raise ConfigurationError(
                f"{name}: SQLGlot cannot transpile the query to Spark: {exc}",
                code="spark_query_failed",
                details={"table": name},
            ) from exc

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable as ``name``."""
        self._view(name, self.session.createDataFrame(table))

    def read_lake(self, lake_root: Path, table: str) -> None:
        """Read a lake table's published files (not staging), with their ``month`` partition column."""
        files = [path.as_posix() for path in table_files(lake_root, table)]
        reader = self.session.read.option("basePath", table_dir(lake_root, table).as_posix())
        # Older and newer files may differ in columns: the union of them, as DuckDB's union_by_name.
        self._view(table, reader.option("mergeSchema", "true").parquet(*files))

    def run_script(self, sql: str) -> None:
        """Run ``CREATE TABLE name AS query`` statements: each query is computed once and kept as ``name``."""
        try:
            statements = sqlglot.parse(sql, read=SOURCE_DIALECT)
        except SqlglotError as exc:
            raise ConfigurationError(
                f"the shared feature SQL does not parse: {exc}", code="spark_query_failed"
            ) from exc
        for statement in statements:
            if statement is None:
                continue
            if not (isinstance(statement, exp.Create) and statement.kind == "TABLE" and statement.expression):
                raise ConfigurationError(
                    f"the shared feature SQL may only create tables from queries, not: {statement.sql()[:80]}",
                    code="spark_query_failed",
                )
            name = statement.this.name
            try:
                query = statement.expression.sql(
                    dialect=TARGET_DIALECT, comments=False, unsupported_level=ErrorLevel.RAISE
                )
            except SqlglotError as exc:
                raise ConfigurationError(
                    f"{name}: SQLGlot cannot transpile the query to Spark: {exc}",
                    code="spark_query_failed",
                    details={"table": name},
                ) from exc
            self._keep(name, query, large=True)

    def materialise(self, name: str, sql: str) -> int:
        """Compute a query once, keep it as ``name`` and return its row count."""
        return self._keep(name, self._transpile(name, sql))

    def columns(self, name: str) -> list[str]:
        """The column names of a kept table, in order."""
        return list(self.session.table(name).columns)

    def fetch(self, sql: str) -> pa.Table:
        """The result of a query as Arrow."""
        try:
            return self.session.sql(self._transpile("result", sql)).toArrow()
        except PySparkException as exc:
            raise ConfigurationError(
                f"result: Spark refused the transpiled query: {_first_line(exc)}", code="spark_query_failed"
            ) from exc

    def close(self) -> None:
        """Drop this run's views and free its checkpointed tables."""
        for frame in self.kept:
            frame.unpersist()
            # a checkpoint's blocks (should the plan's shape change, Spark's cleaner frees them later)
            with contextlib.suppress(Py4JError):
                frame._jdf.queryExecution().analyzed().rdd().unpersist(False)
        for name in self.views:
            self.session.catalog.dropTempView(name)


def compute_features_spark(
    *,
    inputs: dict[str, pa.Table],
    lake_root: Path,
    as_of: dt.date,
    on_step: Callable[[StepTiming], None] | None = None,
    spark: SparkSession | None = None,
) -> tuple[pa.Table, list[StepTiming]]:
    """The feature table as of ``as_of`` computed on Spark: the same table the DuckDB engine gives."""
    engine = SparkEngine(spark or spark_session())
    try:
        return run_features(engine, inputs=inputs, lake_root=lake_root, as_of=as_of, on_step=on_step)
    finally:
        engine.close()
