"""Atomic writes to the lake: write everything under a staging folder, then publish each file
with ``os.replace`` (an atomic rename on one filesystem). A failed load leaves no file visible."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from guanxi.lake.duck import first_row
from guanxi.lake.layout import LAKE_TABLES, staging_dir, table_dir


@dataclass
class StagedWrite:
    """Files written to staging, waiting to be published."""

    root: Path
    run_id: str
    files: list[tuple[Path, Path]] = field(default_factory=list)  # (staged, final)

    def publish(self) -> int:
        """Move every staged file into place; return how many were published."""
        for staged, final in self.files:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        self.discard()
        return len(self.files)

    def discard(self) -> None:
        """Delete whatever is left in staging."""
        shutil.rmtree(staging_dir(self.root, self.run_id), ignore_errors=True)


def write_by_month(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    *,
    root: Path,
    table: str,
    run_id: str,
    staged: StagedWrite,
) -> int:
    """Write the rows of ``select_sql`` to staging, one folder per month; return the rows written.

    Rows are sorted by their first column (the account or party id) and time within each file,
    so a customer's history is contiguous and row-group statistics prune well.
    """
    time_column = LAKE_TABLES[table]
    target = staging_dir(root, run_id) / table
    target.mkdir(parents=True, exist_ok=True)
    first_column = con.execute(f"SELECT * FROM ({select_sql}) LIMIT 0").description[0][0]
    result = first_row(
        con.execute(
            f"COPY (SELECT *, strftime({time_column}, '%Y-%m') AS month FROM ({select_sql}) "
            f'ORDER BY month, "{first_column}", {time_column}) '
            f"TO '{target.as_posix()}' (FORMAT PARQUET, COMPRESSION zstd, PARTITION_BY (month), "
            f"FILENAME_PATTERN 'part-{run_id}-{{i}}', OVERWRITE_OR_IGNORE)"
        )
    )
    rows = int(result[0]) if result else 0
    final_root = table_dir(root, table)
    for path in sorted(target.glob("month=*/*.parquet")):
        staged.files.append((path, final_root / path.parent.name / path.name))
    return rows
