"""Small DuckDB helpers shared by the lake and the ingest."""

from __future__ import annotations

from typing import Any

import duckdb


def connect(config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reads and writes timestamps in UTC."""
    con = duckdb.connect(config=config or {})
    con.execute("SET TimeZone = 'UTC'")
    return con


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of a result, reading it to the end (DuckDB refuses new work on an unfinished result)."""
    rows = result.fetchall()
    return rows[0] if rows else None
