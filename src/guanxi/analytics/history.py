"""Segment history: how customers moved between two analysed dates (the migration matrix)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from guanxi.errors import NotFound
from guanxi.lake.duck import connect
from guanxi.lake.snapshots import snapshot_path


def migration_matrix(root: Path, segmentation: str, start: dt.date, end: dt.date) -> list[tuple[str, str, int]]:
    """``(segment at start, segment at end, customers)`` for everyone analysed on both dates;
    a customer new by the end comes from ``(none)``, one gone by then goes to ``(none)``."""
    paths = {d: snapshot_path(root, "segments", d) for d in (start, end)}
    for day, path in paths.items():
        if not path.exists():
            raise NotFound(f"no analysis as of {day.isoformat()}: run guanxi analyze --as-of {day.isoformat()}")
    con = connect()
    try:
        rows = con.execute(
            "WITH a AS (SELECT party_id, segment FROM read_parquet(?) WHERE segmentation = ?), "
            "b AS (SELECT party_id, segment FROM read_parquet(?) WHERE segmentation = ?) "
            "SELECT coalesce(a.segment, '(none)'), coalesce(b.segment, '(none)'), count(*) "
            "FROM a FULL OUTER JOIN b ON a.party_id = b.party_id GROUP BY 1, 2 ORDER BY 1, 2",
            [str(paths[start]), segmentation, str(paths[end]), segmentation],
        ).fetchall()
    finally:
        con.close()
    return [(a, b, int(n)) for a, b, n in rows]


def customer_snapshots(root: Path, kind: str, party_id: int) -> list[dict[str, object]]:
    """Every snapshot row of one customer, oldest first, each with its ``as_of`` date."""
    folder = root / "analytics" / kind
    if not any(folder.glob("as_of=*/*.parquet")):
        return []
    pattern = (folder / "as_of=*" / "*.parquet").as_posix().replace("'", "''")
    con = connect()
    try:
        table = con.sql(
            f"SELECT * FROM read_parquet('{pattern}', hive_partitioning=true) WHERE party_id = ? ORDER BY as_of",
            params=[party_id],
        ).to_arrow_table()
    finally:
        con.close()
    return table.to_pylist()
