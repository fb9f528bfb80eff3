"""Reading the lake with DuckDB. Returns Arrow tables, never ORM objects."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from guanxi.lake.duck import connect, first_row
from guanxi.lake.layout import has_data, scan_sql


def account_transactions(root: Path, account_id: int, *, limit: int = 50, offset: int = 0) -> tuple[pa.Table, int]:
    """An account's transactions, newest first, with the total count."""
    if not has_data(root, "transactions"):
        return pa.table({}), 0
    con = connect()
    try:
        source = scan_sql(root, "transactions")
        total_row = first_row(con.execute(f"SELECT count(*) FROM {source} WHERE account_id = ?", [account_id]))
        table = con.sql(
            f"SELECT source_key, booked_at, amount, currency, direction, channel, txn_type, merchant_category, "
            f"counterparty, description, balance_after FROM {source} WHERE account_id = ? "
            f"ORDER BY booked_at DESC, source_key DESC LIMIT ? OFFSET ?",
            params=[account_id, limit, offset],
        ).to_arrow_table()
    finally:
        con.close()
    return table, int(total_row[0]) if total_row else 0


def table_row_count(root: Path, table: str) -> int:
    """Rows in a lake table (0 if it has no files)."""
    if not has_data(root, table):
        return 0
    con = connect()
    try:
        row = first_row(con.execute(f"SELECT count(*) FROM {scan_sql(root, table)}"))
    finally:
        con.close()
    return int(row[0]) if row else 0


def rows_for(root: Path, table: str, column: str, ids: list[int]) -> pa.Table:
    """Every row of a lake table whose ``column`` is one of ``ids`` (an export's full history)."""
    if not ids or not has_data(root, table):
        return pa.table({})
    con = connect()
    try:
        con.register("wanted_ids", pa.table({"id": pa.array(ids, pa.int64())}))
        return con.sql(
            f"SELECT * EXCLUDE (month) FROM {scan_sql(root, table)} "
            f"WHERE {column} IN (SELECT id FROM wanted_ids) ORDER BY {column}, source_key"
        ).to_arrow_table()
    finally:
        con.close()
