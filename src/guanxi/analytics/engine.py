"""Computing the feature table: one row per customer, every catalogue feature, as of a cut-off
date, from the lake and the operational tables handed in as Arrow.

Point in time: each query sees only rows strictly before the cut-off, so the same code serves
training (many past dates) and scoring (today). Analytics never touches the ORM: the caller
passes the operational inputs as Arrow tables.

Two engines run the same feature SQL: DuckDB (the default, in process) and Spark (the SQL
transpiled with SQLGlot, see ``spark_engine``). What a run does, in which order, the population,
the zero-fill rules and the assembly of the final table are defined once, here, in
:func:`run_features`; an engine only says how to register a table, run a query and fetch a result.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from guanxi.analytics.catalogue import FeatureGroup, base_sql, feature_groups
from guanxi.errors import ConfigurationError
from guanxi.lake.duck import connect
from guanxi.lake.layout import LAKE_TABLES, has_data, scan_sql

ENGINES = ("duckdb", "spark")
# The operational inputs and their columns (the caller reads them; analytics only sees Arrow).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "parties": (
        "id",
        "party_type",
        "birth_year",
        "income_band",
        "risk_tolerance",
        "customer_since",
        "status",
        "closed_on",
        "kyc_status",
    ),
    "account_roles": ("account_id", "party_id", "role"),
    "accounts": ("id", "product_id", "currency", "status", "opened_on", "closed_on"),
    "products": ("id", "family", "margin_rate", "min_age", "risk_class", "active"),
    "loans": ("account_id", "status", "days_past_due"),
    "cases": ("party_id", "case_type", "opened_at", "closed_at"),
    "fx": ("currency", "rate"),
}
# Empty stand-ins for lake tables that hold no file yet, so every query still runs.
EMPTY_LAKE = {
    "transactions": (
        "SELECT CAST(NULL AS BIGINT) AS account_id, CAST(NULL AS TIMESTAMPTZ) AS booked_at, "
        "CAST(NULL AS VARCHAR) AS source_key, CAST(NULL AS DECIMAL(18,4)) AS amount, "
        "CAST(NULL AS VARCHAR) AS currency, CAST(NULL AS VARCHAR) AS direction, CAST(NULL AS VARCHAR) AS channel, "
        "CAST(NULL AS VARCHAR) AS txn_type, "
        "CAST(NULL AS VARCHAR) AS merchant_category, CAST(NULL AS DECIMAL(18,4)) AS balance_after WHERE false"
    ),
    "digital_events": (
        "SELECT CAST(NULL AS BIGINT) AS party_id, CAST(NULL AS TIMESTAMPTZ) AS occurred_at, "
        "CAST(NULL AS VARCHAR) AS event_type WHERE false"
    ),
}
ZERO_UNITS = frozenset({"count", "flag", "months"})


@dataclass(frozen=True)
class StepTiming:
    """One step of a run: what, how many rows it produced, how long it took."""

    step: str
    rows: int
    seconds: float


class FeatureEngine(Protocol):
    """What the feature run needs from an engine; every SQL text it is handed is DuckDB dialect."""

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable as ``name``."""

    def read_lake(self, lake_root: Path, table: str) -> None:
        """Make a lake table (Hive-partitioned Parquet, with files) queryable under its name."""

    def run_script(self, sql: str) -> None:
        """Run a script of ``CREATE TABLE … AS`` statements (``_base.sql``)."""

    def materialise(self, name: str, sql: str) -> int:
        """Compute a query once, keep it as ``name`` and return its row count."""

    def columns(self, name: str) -> list[str]:
        """The column names of a kept table, in order."""

    def fetch(self, sql: str) -> pa.Table:
        """The result of a query as Arrow."""


def as_of_literal(as_of: dt.date) -> str:
    """The cut-off as a SQL timestamp literal (midnight UTC at the start of ``as_of``)."""
    return f"TIMESTAMPTZ '{as_of.isoformat()} 00:00:00+00'"


def render(sql: str, as_of: dt.date) -> str:
    """A catalogue query with its cut-off filled in."""
    return sql.replace("{as_of}", as_of_literal(as_of))


def population_sql(as_of: dt.date) -> str:
    """The population: everyone who was a customer at the cut-off."""
    return (
        "SELECT id AS party_id FROM parties "
        f"WHERE customer_since IS NULL OR customer_since < CAST({as_of_literal(as_of)} AS DATE)"
    )


def zero_filled(group: FeatureGroup) -> set[str]:
    """The features of a group that are 0, not empty, for a customer the group has no row for."""
    # Counts and flags of someone with no rows are 0; money sums over windows too. Averages,
    # shares and balances stay empty: "no data" is not "zero".
    return {f.name for f in group.features if f.unit in ZERO_UNITS or f.name.startswith(("spend_", "inflow_"))}


def assemble_sql(groups: tuple[FeatureGroup, ...]) -> str:
    """The final table: the population joined to every group, each feature a DOUBLE (unordered).

    :func:`run_features` sorts it by party in Arrow: sorting there moves one index, where sorting in
    the query carries every feature column through the engine's sort (most of the assembly's time).
    """
    columns: list[str] = []
    joins: list[str] = []
    for group in groups:
        zero = zero_filled(group)
        for f in group.features:
            cast = f"CAST(g_{group.name}.{f.name} AS DOUBLE)"
            columns.append(f"coalesce({cast}, 0) AS {f.name}" if f.name in zero else f"{cast} AS {f.name}")
        joins.append(f"LEFT JOIN g_{group.name} ON g_{group.name}.party_id = population.party_id")
    return f"SELECT population.party_id, {', '.join(columns)} FROM population {' '.join(joins)}"


def feature_schema(groups: tuple[FeatureGroup, ...]) -> pa.Schema:
    """The feature table's schema, whatever the engine: ``party_id`` and one DOUBLE per feature."""
    return pa.schema([("party_id", pa.int64()), *((f.name, pa.float64()) for g in groups for f in g.features)])


def run_features(
    engine: FeatureEngine,
    *,
    inputs: dict[str, pa.Table],
    lake_root: Path,
    as_of: dt.date,
    on_step: Callable[[StepTiming], None] | None = None,
) -> tuple[pa.Table, list[StepTiming]]:
    """Run the catalogue on ``engine``: the one definition of a feature run, whichever engine."""
    missing = sorted(set(INPUT_COLUMNS) - set(inputs))
    if missing:
        raise ConfigurationError(f"analytics inputs missing: {', '.join(missing)}")
    timings: list[StepTiming] = []

    def step(name: str, rows: int, started: float) -> None:
        timing = StepTiming(name, rows, time.perf_counter() - started)
        timings.append(timing)
        if on_step is not None:
            on_step(timing)

    for name, table in inputs.items():
        engine.register(name, table)
    for table in LAKE_TABLES:
        if has_data(lake_root, table):
            engine.read_lake(lake_root, table)
        else:
            engine.materialise(table, EMPTY_LAKE[table])
    engine.run_script(render(base_sql(), as_of))
    engine.materialise("population", population_sql(as_of))
    groups = feature_groups()
    for group in groups:
        started = time.perf_counter()
        rows = engine.materialise(f"g_{group.name}", render(group.sql, as_of))
        produced = engine.columns(f"g_{group.name}")
        expected = ["party_id", *(f.name for f in group.features)]
        if produced != expected:
            raise ConfigurationError(
                f"feature group {group.name}: the query returns {produced}, its header declares {expected}"
            )
        step(group.name, rows, started)
    started = time.perf_counter()
    table = engine.fetch(assemble_sql(groups)).sort_by("party_id").cast(feature_schema(groups))
    step("assemble", table.num_rows, started)
    return table, timings


class DuckDBEngine:
    """The feature run in process on DuckDB: the SQL runs as written."""

    def __init__(self, memory_limit: str = "4GB", threads: int | None = None) -> None:
        # Row order of the kept tables does not matter (the final table is sorted by party), and
        # without it DuckDB builds them in parallel.
        config: dict[str, str | int | bool] = {"memory_limit": memory_limit, "preserve_insertion_order": False}
        if threads:
            config["threads"] = threads
        self.con = connect(config)

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable as ``name``."""
        self.con.register(f"in_{name}", table)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM in_{name}")

    def read_lake(self, lake_root: Path, table: str) -> None:
        """Make a lake table queryable under its name (read where it is used, not copied)."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {scan_sql(lake_root, table)}")

    def run_script(self, sql: str) -> None:
        """Run a script of statements."""
        self.con.execute(sql)

    def materialise(self, name: str, sql: str) -> int:
        """Compute a query once into a temp table and return its row count."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        return int(self.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])

    def columns(self, name: str) -> list[str]:
        """The column names of a temp table, in order."""
        return [row[0] for row in self.con.execute(f"DESCRIBE {name}").fetchall()]

    def fetch(self, sql: str) -> pa.Table:
        """The result of a query as Arrow."""
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        """Release the connection and its memory."""
        self.con.close()


def compute_features(
    *,
    inputs: dict[str, pa.Table],
    lake_root: Path,
    as_of: dt.date,
    on_step: Callable[[StepTiming], None] | None = None,
    engine: str = "duckdb",
    memory_limit: str = "4GB",
    threads: int | None = None,
) -> tuple[pa.Table, list[StepTiming]]:
    """The feature table as of ``as_of``: ``party_id`` and every catalogue feature, and step timings.

    ``engine`` is ``duckdb`` or ``spark``; ``memory_limit`` and ``threads`` are DuckDB's, Spark takes
    its master and configuration from the settings (``GUANXI_SPARK_*``).
    """
    if engine == "spark":
        if importlib.util.find_spec("pyspark") is None:
            raise ConfigurationError(
                "the Spark engine needs PySpark, which is not installed: pip install 'guanxi[spark]' "
                "(and Java 17 or later)",
                code="engine_unavailable",
                details={"engine": engine},
            )
        from guanxi.analytics.spark_engine import compute_features_spark

        return compute_features_spark(inputs=inputs, lake_root=lake_root, as_of=as_of, on_step=on_step)
    if engine != "duckdb":
        raise ConfigurationError(
            f"unknown analytics engine '{engine}' (one of: {', '.join(ENGINES)})",
            code="unknown_engine",
            details={"field": "engine", "value": engine},
        )
    duck = DuckDBEngine(memory_limit, threads)
    try:
        return run_features(duck, inputs=inputs, lake_root=lake_root, as_of=as_of, on_step=on_step)
    finally:
        duck.close()
