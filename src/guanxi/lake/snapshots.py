"""Analytics snapshots in the lake: one Parquet file per kind and as-of date, never overwritten
in place (a rerun replaces the file atomically). ``<root>/analytics/<kind>/as_of=YYYY-MM-DD/``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SNAPSHOT_KINDS = ("features", "segments")


def snapshot_path(root: Path, kind: str, as_of: dt.date) -> Path:
    """Where the snapshot of ``kind`` as of ``as_of`` lives."""
    if kind not in SNAPSHOT_KINDS:
        raise KeyError(f"not a snapshot kind: {kind}")
    return root / "analytics" / kind / f"as_of={as_of.isoformat()}" / f"{kind}.parquet"


def write_snapshot(root: Path, kind: str, as_of: dt.date, table: pa.Table) -> Path:
    """Write a snapshot (to a temporary file, then renamed into place)."""
    path = snapshot_path(root, kind, as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".writing")
    pq.write_table(table, temporary, compression="zstd")
    os.replace(temporary, path)
    return path


def read_snapshot(root: Path, kind: str, as_of: dt.date) -> pa.Table | None:
    """A snapshot, or None if that date was never analysed."""
    path = snapshot_path(root, kind, as_of)
    return pq.read_table(path) if path.exists() else None


def snapshot_dates(root: Path, kind: str) -> list[dt.date]:
    """The as-of dates with a snapshot of ``kind``, oldest first."""
    folder = root / "analytics" / kind
    if not folder.exists():
        return []
    return sorted(dt.date.fromisoformat(p.name.removeprefix("as_of=")) for p in folder.glob("as_of=*"))
