"""Computing the feature table with DuckDB: one row per customer, every catalogue feature, as of
a cut-off date, from the lake and the operational tables handed in as Arrow.

Point in time: each query sees only rows strictly before the cut-off, so the same code serves
training (many past dates) and scoring (today). Analytics never touches the ORM: the caller
passes the operational inputs as Arrow tables.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from guanxi.analytics.catalogue import FeatureGroup, base_sql, feature_groups
from guanxi.errors import ConfigurationError
from guanxi.lake.duck import connect
from guanxi.lake.layout import has_data, scan_sql

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
    ),
    "account_roles": ("account_id", "party_id", "role"),
    "accounts": ("id", "product_id", "currency", "status", "opened_on", "closed_on"),
    "products": ("id", "family", "margin_rate"),
    "loans": ("account_id", "status", "days_past_due"),
    "cases": ("party_id", "case_type", "opened_at", "closed_at"),
    "fx": ("currency", "rate"),
}
# Empty stand-ins for lake tables that hold no file yet, so every query still runs.
EMPTY_LAKE = {
    "transactions": (
        "SELECT CAST(NULL AS BIGINT) AS account_id, CAST(NULL AS TIMESTAMPTZ) AS booked_at, "
        "CAST(NULL AS DECIMAL(18,4)) AS amount, CAST(NULL AS VARCHAR) AS currency, CAST(NULL AS VARCHAR) AS direction, "
        "CAST(NULL AS VARCHAR) AS channel, CAST(NULL AS VARCHAR) AS txn_type, "
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


def as_of_literal(as_of: dt.date) -> str:
    """The cut-off as a SQL timestamp literal (midnight UTC at the start of ``as_of``)."""
    return f"TIMESTAMPTZ '{as_of.isoformat()} 00:00:00+00'"


def render(sql: str, as_of: dt.date) -> str:
    """A catalogue query with its cut-off filled in."""
    return sql.replace("{as_of}", as_of_literal(as_of))


def _zero_filled(group: FeatureGroup) -> set[str]:
    # Counts and flags of someone with no rows are 0; money sums over windows too. Averages,
    # shares and balances stay empty: "no data" is not "zero".
    return {f.name for f in group.features if f.unit in ZERO_UNITS or f.name.startswith(("spend_", "inflow_"))}


def compute_features(
    *,
    inputs: dict[str, pa.Table],
    lake_root: Path,
    as_of: dt.date,
    on_step: Callable[[StepTiming], None] | None = None,
    memory_limit: str = "4GB",
    threads: int | None = None,
) -> tuple[pa.Table, list[StepTiming]]:
    """The feature table as of ``as_of``: ``party_id`` and every catalogue feature, and step timings."""
    missing = sorted(set(INPUT_COLUMNS) - set(inputs))
    if missing:
        raise ConfigurationError(f"analytics inputs missing: {', '.join(missing)}")
    config: dict[str, str | int] = {"memory_limit": memory_limit}
    if threads:
        config["threads"] = threads
    con = connect(config)
    timings: list[StepTiming] = []

    def step(name: str, rows: int, started: float) -> None:
        timing = StepTiming(name, rows, time.perf_counter() - started)
        timings.append(timing)
        if on_step is not None:
            on_step(timing)

    try:
        for name, table in inputs.items():
            con.register(f"in_{name}", table)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM in_{name}")
        for table, empty in EMPTY_LAKE.items():
            source = f"SELECT * FROM {scan_sql(lake_root, table)}" if has_data(lake_root, table) else empty
            con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS {source}")
        con.execute(render(base_sql(), as_of))
        # The population: everyone who was a customer at the cut-off.
        con.execute(
            "CREATE TEMP TABLE population AS SELECT id AS party_id FROM parties "
            f"WHERE customer_since IS NULL OR customer_since < CAST({as_of_literal(as_of)} AS DATE)"
        )
        columns: list[str] = []
        joins: list[str] = []
        for group in feature_groups():
            started = time.perf_counter()
            con.execute(f"CREATE TEMP TABLE g_{group.name} AS {render(group.sql, as_of)}")
            produced = [row[0] for row in con.execute(f"DESCRIBE g_{group.name}").fetchall()]
            expected = ["party_id", *(f.name for f in group.features)]
            if produced != expected:
                raise ConfigurationError(
                    f"feature group {group.name}: the query returns {produced}, its header declares {expected}"
                )
            rows = con.execute(f"SELECT count(*) FROM g_{group.name}").fetchall()[0][0]
            step(group.name, int(rows), started)
            zero = _zero_filled(group)
            for f in group.features:
                value = f"g_{group.name}.{f.name}"
                cast = f"CAST({value} AS DOUBLE)"
                columns.append(f"coalesce({cast}, 0) AS {f.name}" if f.name in zero else f"{cast} AS {f.name}")
            joins.append(f"LEFT JOIN g_{group.name} ON g_{group.name}.party_id = population.party_id")
        started = time.perf_counter()
        table = con.sql(
            f"SELECT population.party_id, {', '.join(columns)} FROM population {' '.join(joins)} "
            "ORDER BY population.party_id"
        ).to_arrow_table()
        step("assemble", table.num_rows, started)
    finally:
        con.close()
    return table, timings
