"""Loading rows of a lake entity (transactions, digital events) into the Parquet lake.

The common case takes one pass: every file is read, validated and written to lake staging in a
single DuckDB ``COPY``; rows that fail a check or point at nothing land in a ``month=_rejected``
folder that is never published. Only when that folder is not empty (or keys repeat) are the
files read again, row by row with line numbers, to say what was wrong. References become Guanxi
ids from the key maps; keys the lake already holds for this source system are skipped, so a
reload adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.accounts.models import AccountRole
from guanxi.ingest.entities import EntitySpec
from guanxi.ingest.load_db import id_column, keymap_name
from guanxi.ingest.mapping import EntityMapping
from guanxi.ingest.readers import SourceFile, combined, scan_sql, sql_ident, sql_string
from guanxi.ingest.validate import build_select, find_read_error, key_select, native_csv_types, staged_table
from guanxi.lake.duck import first_row
from guanxi.lake.layout import has_data
from guanxi.lake.layout import scan_sql as lake_scan_sql
from guanxi.lake.redact import LAKE_FREE_TEXT, erased_relation
from guanxi.lake.writer import REJECTED_PARTITION, StagedWrite, write_by_month
from guanxi.parties.models import Party


@dataclass(frozen=True)
class LakeLoad:
    """Rows of one lake entity: written and already in the lake; ``clean`` if none failed or repeated."""

    new: int
    existing: int
    clean: bool = True


def _lake_keys(lake_root: Path, spec: EntitySpec, source_system: str) -> str:
    lake = lake_scan_sql(lake_root, spec.table)
    return f"(SELECT source_key FROM {lake} WHERE source_system = {sql_string(source_system)})"


def register_erased(session: Session, con: duckdb.DuckDBPyConnection) -> None:
    """Tell DuckDB which parties were erased, and their accounts: their free text is never stored."""
    parties = list(session.scalars(select(Party.id).where(Party.erased_at.is_not(None))))
    accounts = (
        list(session.scalars(select(AccountRole.account_id).where(AccountRole.party_id.in_(parties)).distinct()))
        if parties
        else []
    )
    for holder, ids in (("party_id", parties), ("account_id", accounts)):
        con.register(erased_relation(holder), pa.table({"id": pa.array(ids, pa.int64())}))


def _columns(spec: EntitySpec, source_system: str, alias: str) -> tuple[list[str], list[str], list[str]]:
    """Output columns, key-map joins and the reference-found conditions for a lake entity."""
    columns: list[str] = []
    joins: list[str] = []
    found: list[str] = []
    ref_alias: dict[str, str] = {}
    for n, f in enumerate(spec.fields):
        if f.ref:
            keys = f"k{n}"
            ref_alias[id_column(f.name)] = keys
            joins.append(f"LEFT JOIN {keymap_name(f.ref)} AS {keys} ON {keys}.key = {alias}.{sql_ident(f.name)}")
            columns.insert(0, f"{keys}.id AS {sql_ident(id_column(f.name))}")
            condition = f"{keys}.id IS NOT NULL"
            found.append(condition if f.required else f"({alias}.{sql_ident(f.name)} IS NULL OR {condition})")
    columns.append(f"{sql_string(source_system)} AS source_system")
    columns.append(f"{alias}.key AS source_key")
    holder, free_text = LAKE_FREE_TEXT.get(spec.table, ("", ()))
    for f in spec.fields:
        if f.name == "key" or f.ref:
            continue
        value = f"{alias}.{sql_ident(f.name)}"
        if f.name in free_text and holder in ref_alias:
            erased = f"{ref_alias[holder]}.id IN (SELECT id FROM {erased_relation(holder)})"
            value = f"CASE WHEN {erased} THEN NULL ELSE {value} END AS {sql_ident(f.name)}"
        columns.append(value)
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
    return LakeLoad(new=new, existing=valid - new)


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

    If any row failed or any key repeats, nothing stays staged and the result is not ``clean``: the
    caller then takes the careful path, which says what was wrong with which row.
    """
    # Alike files are read in one scan, which DuckDB parallelises better than a union of scans.
    scans = [combined(sources)] if len({(s.kind, s.columns) for s in sources}) == 1 else sources
    try:
        relations = [_relation(con, spec, em, s, n) for n, s in enumerate(scans)]
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        return _unreadable(con, spec, sources, staged, exc)
    union = " UNION ALL ".join(
        build_select(spec, em, s, con, verdict_only=True, relation=r) for s, r in zip(scans, relations, strict=True)
    )
    columns, joins, found = _columns(spec, source_system, "v")
    verdict = " AND ".join(["v._ok", *found])
    month = f"strftime(v.{sql_ident(_time_field(spec))}, '%Y-%m')"
    partition = f"CASE WHEN {verdict} THEN {month} ELSE '{REJECTED_PARTITION}' END"
    existing = 0
    where = ""
    if has_data(lake_root, spec.table):
        lake_keys = _lake_keys(lake_root, spec, source_system)
        where = f"WHERE v.key IS NULL OR v.key NOT IN {lake_keys}"
        union_keys = " UNION ALL ".join(key_select(spec, em, s) for s in scans)
        row = first_row(con.execute(f"SELECT count(*) FROM ({union_keys}) WHERE key IN {lake_keys}"))
        existing = int(row[0]) if row else 0
    select = f"SELECT {', '.join(columns)}, {partition} AS _partition FROM ({union}) v {' '.join(joins)} {where}"
    try:
        new, rejected = write_by_month(
            con, select, root=lake_root, table=spec.table, run_id=run_id, staged=staged, partition_column="_partition"
        )
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        return _unreadable(con, spec, sources, staged, exc, existing)
    if rejected or _repeats_keys(con, staged.staged_files(spec.table)):
        staged.drop(spec.table)
        return LakeLoad(new=0, existing=existing, clean=False)
    return LakeLoad(new=new, existing=existing)


def _relation(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, em: EntityMapping, source: SourceFile, n: int
) -> str | None:
    """Load CSV files into a temporary table first (None for Parquet, which is read in place).

    Joining the key maps straight off a CSV scan inside a partitioned COPY runs far slower than
    the same join from a table, so the parsed rows are held once in DuckDB.
    """
    if source.kind != "csv":
        return None
    name = f"_lake_raw_{n}"
    scan = scan_sql(source, types=native_csv_types(spec, em, source))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {scan}")
    return name


def _unreadable(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    sources: list[SourceFile],
    staged: StagedWrite,
    exc: duckdb.Error,
    existing: int = 0,
) -> LakeLoad:
    """A read failed: report a file that cannot be read as text, or else hand over to the careful path."""
    staged.drop(spec.table)
    problem = find_read_error(con, sources)
    if problem is not None:
        raise problem from exc
    # The files read fine as text: a value did not parse as its type. The careful path says which.
    return LakeLoad(new=0, existing=existing, clean=False)


def _repeats_keys(con: duckdb.DuckDBPyConnection, files: list[Path]) -> bool:
    """Whether a key may repeat among the staged files (a rare hash collision only costs the careful path).

    Checked on the written Parquet, whose key column reads fast, rather than on the extract.
    """
    if not files:
        return False
    listed = ", ".join(sql_string(str(f)) for f in files)
    row = first_row(
        con.execute(f"SELECT 1 FROM read_parquet([{listed}]) GROUP BY hash(source_key) HAVING count(*) > 1 LIMIT 1")
    )
    return row is not None


def _time_field(spec: EntitySpec) -> str:
    assert spec.partition_by is not None
    return spec.partition_by
