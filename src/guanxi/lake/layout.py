"""Where the lake keeps each table: Hive-style month partitions of immutable Parquet files.

``<root>/<table>/month=YYYY-MM/part-<run>-<n>.parquet``. Files are never rewritten; a load
adds new files. Readers glob the month folders, so staging folders (``<root>/_staging``) are
never seen.
"""

from __future__ import annotations

from pathlib import Path

# Lake tables and the timestamp that decides each row's month partition.
LAKE_TABLES: dict[str, str] = {"transactions": "booked_at", "digital_events": "occurred_at"}


def table_dir(root: Path, table: str) -> Path:
    """Folder of a lake table."""
    if table not in LAKE_TABLES:
        raise KeyError(f"not a lake table: {table}")
    return root / table


def table_files(root: Path, table: str) -> list[Path]:
    """Every published Parquet file of a table, in path order."""
    return sorted(table_dir(root, table).glob("month=*/*.parquet"))


def has_data(root: Path, table: str) -> bool:
    """Whether a table has any published file."""
    return any(table_dir(root, table).glob("month=*/*.parquet"))


def scan_sql(root: Path, table: str) -> str:
    """DuckDB table function reading a lake table (with its ``month`` partition column)."""
    pattern = (table_dir(root, table) / "month=*" / "*.parquet").as_posix().replace("'", "''")
    return f"read_parquet('{pattern}', hive_partitioning=true, union_by_name=true)"


def staging_dir(root: Path, run_id: str) -> Path:
    """Private folder where a load writes before publishing."""
    return root / "_staging" / run_id
