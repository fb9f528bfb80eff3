"""Small DuckDB helpers shared by the lake and the ingest."""

from __future__ import annotations

from typing import Any

import duckdb


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of a result, reading it to the end (DuckDB refuses new work on an unfinished result)."""
    rows = result.fetchall()
    return rows[0] if rows else None
