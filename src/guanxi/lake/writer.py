"""Atomic writes to the lake: write everything under a staging folder, then publish each file
with ``os.replace`` (an atomic rename on one filesystem). A failed load leaves no file visible."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from guanxi.errors import GuanxiError
from guanxi.lake.layout import LAKE_TABLES, staging_dir, table_dir


class LakeLocked(GuanxiError):
    """Another load is writing to this lake."""

    code = "lake_locked"
    http_status = 409


@contextmanager
def lake_lock(root: Path) -> Iterator[None]:
    """Hold the lake's write lock for the block; refuse at once if another process holds it."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".write.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LakeLocked(f"another load is writing to the lake at {root}; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Rows written here failed validation: counted, never published.
REJECTED_PARTITION = "_rejected"


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

    def drop(self, table: str) -> None:
        """Forget and delete the staged files of one table (its rows will be written again)."""
        shutil.rmtree(staging_dir(self.root, self.run_id) / table, ignore_errors=True)
        self.files = [(staged, final) for staged, final in self.files if final.parent.parent.name != table]

    def staged_files(self, table: str) -> list[Path]:
        """The staged files of one table."""
        return [staged for staged, final in self.files if final.parent.parent.name == table]

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
    partition_column: str | None = None,
) -> tuple[int, int]:
    """Write the rows of ``select_sql`` to staging, one folder per month; return (written, rejected).

    Without ``partition_column`` the month comes from the table's timestamp. With it, the select
    supplies each row's folder, and rows whose folder is ``_rejected`` are counted and dropped.
    Rows keep the order of the select (no sort: sorting would cost more than the whole write);
    an extract written account by account therefore gives well-clustered row groups.
    """
    time_column = LAKE_TABLES[table]
    target = staging_dir(root, run_id) / table
    target.mkdir(parents=True, exist_ok=True)
    if partition_column is None:
        source = f"SELECT *, strftime({time_column}, '%Y-%m') AS month FROM ({select_sql})"
    else:
        source = f"SELECT * EXCLUDE ({partition_column}), {partition_column} AS month FROM ({select_sql})"
    quoted_target = target.as_posix().replace("'", "''")
    stats = con.execute(
        f"COPY ({source}) "
        f"TO '{quoted_target}' (FORMAT PARQUET, COMPRESSION zstd, PARTITION_BY (month), "
        f"FILENAME_PATTERN 'part-{run_id}-{{i}}', OVERWRITE_OR_IGNORE, RETURN_STATS)"
    ).fetchall()
    written = rejected = 0
    final_root = table_dir(root, table)
    for filename, count, *_ in stats:
        path = Path(filename)
        if path.parent.name == f"month={REJECTED_PARTITION}":
            rejected += int(count)
            path.unlink(missing_ok=True)
            continue
        written += int(count)
        staged.files.append((path, final_root / path.parent.name / path.name))
    return written, rejected
