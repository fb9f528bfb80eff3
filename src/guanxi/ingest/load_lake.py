"""Loading validated rows of a lake entity (transactions, digital events) into the Parquet lake.

References become Guanxi ids (joined from the key maps); rows whose key the lake already
holds for this source system are skipped, so a reload adds nothing.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from guanxi.ingest.entities import EntitySpec
from guanxi.ingest.load_db import id_column, keymap_name
from guanxi.ingest.readers import sql_ident, sql_string
from guanxi.ingest.validate import staged_table
from guanxi.lake.layout import has_data, scan_sql
from guanxi.lake.writer import StagedWrite, write_by_month


def lake_select(spec: EntitySpec, source_system: str, lake_root: Path) -> str:
    """The SELECT producing lake rows of ``spec`` from its staging table."""
    columns: list[str] = []
    joins: list[str] = []
    for n, f in enumerate(spec.fields):
        if f.ref:
            alias = f"k{n}"
            joins.append(f"JOIN {keymap_name(f.ref)} AS {alias} ON {alias}.key = s.{sql_ident(f.name)}")
            columns.insert(0, f"{alias}.id AS {sql_ident(id_column(f.name))}")
    columns.append(f"{sql_string(source_system)} AS source_system")
    columns.append("s.key AS source_key")
    columns.extend(f"s.{sql_ident(f.name)}" for f in spec.fields if f.name != "key" and not f.ref)
    where = "len(s._errors) = 0"
    if has_data(lake_root, spec.table):
        where += (
            f" AND s.key NOT IN (SELECT source_key FROM {scan_sql(lake_root, spec.table)} "
            f"WHERE source_system = {sql_string(source_system)})"
        )
    return f"SELECT {', '.join(columns)} FROM {staged_table(spec.name)} s {' '.join(joins)} WHERE {where}"


def write_lake_entity(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    *,
    source_system: str,
    lake_root: Path,
    run_id: str,
    staged: StagedWrite,
) -> int:
    """Write the new rows of ``spec`` to lake staging; return how many."""
    return write_by_month(
        con,
        lake_select(spec, source_system, lake_root),
        root=lake_root,
        table=spec.table,
        run_id=run_id,
        staged=staged,
    )
