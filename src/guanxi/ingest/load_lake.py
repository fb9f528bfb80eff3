"""Loading rows of a lake entity (transactions, digital events) into the Parquet lake.

The common case takes one pass: every file is read, validated and written to lake staging in a
single DuckDB ``COPY``; rows that fail a check or point at nothing land in a ``month=_rejected``
folder that is never published. Only when that folder is not empty (or keys repeat) are the
files read again, row by row with line numbers, to say what was wrong. References become Guanxi
ids from the key maps; keys the lake already holds for this source system are skipped, so a
reload adds nothing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from guanxi.ingest.entities import EntitySpec
from guanxi.ingest.load_db import id_column, keymap_name
from guanxi.ingest.mapping import EntityMapping
from guanxi.ingest.readers import SourceFile, sql_ident, sql_string
from guanxi.ingest.validate import build_select, key_select, locate_read_error, staged_table
from guanxi.lake.duck import first_row
from guanxi.lake.layout import has_data, scan_sql, staging_dir
from guanxi.lake.writer import REJECTED_PARTITION, StagedWrite, write_by_month


@dataclass(frozen=True)
class LakeLoad:
    """Rows of one lake entity: written, rejected, and already in the lake."""

    new: int
    rejected: int
    existing: int


def _lake_keys(lake_root: Path, spec: EntitySpec, source_system: str) -> str:
    return (
        f"(SELECT source_key FROM {scan_sql(lake_root, spec.table)} WHERE source_system = {sql_string(source_system)})"
    )


def _columns(spec: EntitySpec, source_system: str, alias: str) -> tuple[list[str], list[str], list[str]]:
    """Output columns, key-map joins and the reference-found conditions for a lake entity."""
    columns: list[str] = []
    joins: list[str] = []
    found: list[str] = []
    for n, f in enumerate(spec.fields):
        if f.ref:
            keys = f"k{n}"
            joins.append(f"LEFT JOIN {keymap_name(f.ref)} AS {keys} ON {keys}.key = {alias}.{sql_ident(f.name)}")
            columns.insert(0, f"{keys}.id AS {sql_ident(id_column(f.name))}")
            condition = f"{keys}.id IS NOT NULL"
            found.append(condition if f.required else f"({alias}.{sql_ident(f.name)} IS NULL OR {condition})")
    columns.append(f"{sql_string(source_system)} AS source_system")
    columns.append(f"{alias}.key AS source_key")
    columns.extend(f"{alias}.{sql_ident(f.name)}" for f in spec.fields if f.name != "key" and not f.ref)
    return columns, joins, found


def lake_select_from_staging(spec: EntitySpec, source_system: str, lake_root: Path) -> str:
    """The SELECT producing lake rows from a fully staged entity (the careful path)."""
    columns, joins, _ = _columns(spec, source_system, "s")
    where = "len(s._errors) = 0"
    if has_data(lake_root, spec.table):
        where += f" AND s.key NOT IN {_lake_keys(lake_root, spec, source_system)}"
    return f"SELECT {', '.join(columns)} FROM {staged_table(spec.name)} s {' '.join(joins)} WHERE {where}"


def write_lake_staged(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    *,
    source_system: str,
    lake_root: Path,
    run_id: str,
    staged: StagedWrite,
    valid: int,
) -> LakeLoad:
    """Write an entity that was fully staged (its files had repeated keys)."""
    new, _ = write_by_month(
        con,
        lake_select_from_staging(spec, source_system, lake_root),
        root=lake_root,
        table=spec.table,
        run_id=run_id,
        staged=staged,
    )
    return LakeLoad(new=new, rejected=0, existing=valid - new)


def write_lake_single_pass(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    em: EntityMapping,
    sources: list[SourceFile],
    *,
    source_system: str,
    lake_root: Path,
    run_id: str,
    staged: StagedWrite,
) -> LakeLoad:
    """Validate and write every file of a lake entity in one pass; return the counts.

    ``rejected`` counts rows that failed; the caller stages those files again to explain them.
    """
    union = " UNION ALL ".join(build_select(spec, em, s, con, verdict_only=True) for s in sources)
    columns, joins, found = _columns(spec, source_system, "v")
    verdict = " AND ".join(["v._ok", *found])
    month = f"strftime(v.{sql_ident(_time_field(spec))}, '%Y-%m')"
    partition = f"CASE WHEN {verdict} THEN {month} ELSE '{REJECTED_PARTITION}' END"
    existing = 0
    where = ""
    if has_data(lake_root, spec.table):
        lake_keys = _lake_keys(lake_root, spec, source_system)
        where = f"WHERE v.key IS NULL OR v.key NOT IN {lake_keys}"
        union_keys = " UNION ALL ".join(key_select(spec, em, s) for s in sources)
        row = first_row(con.execute(f"SELECT count(*) FROM ({union_keys}) WHERE key IN {lake_keys}"))
        existing = int(row[0]) if row else 0
    select = f"SELECT {', '.join(columns)}, {partition} AS _partition FROM ({union}) v {' '.join(joins)} {where}"
    try:
        new, rejected = write_by_month(
            con, select, root=lake_root, table=spec.table, run_id=run_id, staged=staged, partition_column="_partition"
        )
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        shutil.rmtree(staging_dir(lake_root, run_id) / spec.table, ignore_errors=True)
        raise locate_read_error(con, sources, exc) from exc
    return LakeLoad(new=new, rejected=rejected, existing=existing)


def _time_field(spec: EntitySpec) -> str:
    assert spec.partition_by is not None
    return spec.partition_by
