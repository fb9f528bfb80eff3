"""Removing free text from lake rows in place: the one exception to immutable lake files.

An erasure must not leave a customer's own words (search terms, payment descriptions) behind.
Only the files holding matching rows are rewritten, each to a temporary file and then renamed
over the original, under the lake's write lock, so readers see the old file or the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from guanxi.lake.duck import connect, first_row
from guanxi.lake.layout import table_files
from guanxi.lake.writer import lake_lock

# Free text a customer wrote or that describes them, per lake table: (holder column, fields).
# Cleared from the lake on erasure, and never stored again for an erased customer.
LAKE_FREE_TEXT: dict[str, tuple[str, tuple[str, ...]]] = {
    "transactions": ("account_id", ("counterparty", "description")),
    "digital_events": ("party_id", ("search_term", "page")),
}


def erased_relation(holder: str) -> str:
    """Name of the DuckDB relation listing the ids (of ``holder``) whose free text is withheld."""
    return f"erased_{holder}s"


def _quote(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def redact_rows(root: Path, table: str, column: str, ids: list[int], fields: tuple[str, ...]) -> int:
    """Set ``fields`` to NULL in every row whose ``column`` is in ``ids``; return how many rows."""
    if not ids:
        return 0
    redacted = 0
    with lake_lock(root):
        con = connect()
        try:
            con.register("erase_ids", pa.table({"id": pa.array(ids, pa.int64())}))
            match = f"{column} IN (SELECT id FROM erase_ids)"
            for path in table_files(root, table):
                row = first_row(con.execute(f"SELECT count(*) FROM read_parquet({_quote(path)}) WHERE {match}"))
                hits = int(row[0]) if row else 0
                if not hits:
                    continue
                replaced = ", ".join(f"CASE WHEN {match} THEN NULL ELSE {f} END AS {f}" for f in fields)
                temporary = path.with_suffix(".redacting")
                con.execute(
                    f"COPY (SELECT * REPLACE ({replaced}) FROM read_parquet({_quote(path)})) "
                    f"TO {_quote(temporary)} (FORMAT parquet)"
                )
                os.replace(temporary, path)
                redacted += hits
        finally:
            con.close()
    return redacted
