"""Loading validated rows into the operational database, in bulk, as upserts.

Rows are matched on ``(source_system, source_key)``: a new key is inserted, a known key is
updated only where a value changed, so loading the same extract twice changes nothing.
References are turned from source keys into Guanxi ids by joining the parent's key map.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Table, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from guanxi.clock import now
from guanxi.db import Base
from guanxi.ingest.entities import EntitySpec
from guanxi.ingest.readers import sql_ident, sql_string
from guanxi.ingest.validate import staged_table
from guanxi.lake.duck import first_row
from guanxi.parties.protection import protect_rows, stored_columns
from guanxi.progress import Progress
from guanxi.security.pii import Vault

KEYMAP_SCHEMA = pa.schema([("key", pa.string()), ("id", pa.int64())])


def id_column(ref_field: str) -> str:
    """The ORM column that holds the id a reference field resolves to (``party_key`` → ``party_id``)."""
    return ref_field.removesuffix("_key") + "_id"


def orm_table(spec: EntitySpec) -> Table:
    """The operational table an entity loads into."""
    import guanxi.models  # noqa: F401 - registers every table on Base.metadata

    return Base.metadata.tables[spec.table]


def keymap_name(entity: str) -> str:
    """Name of the DuckDB relation holding ``key → id`` for an entity."""
    return f"keymap_{entity}"


def register_keymap(session: Session, con: duckdb.DuckDBPyConnection, spec: EntitySpec, source_system: str) -> int:
    """Read ``source_key → id`` of an entity from the database into DuckDB; return how many."""
    table = orm_table(spec)
    keys: list[str] = []
    ids: list[int] = []
    result = session.execute(
        select(table.c.source_key, table.c.id).where(table.c.source_system == source_system)
    ).yield_per(50_000)
    for key, row_id in result:
        keys.append(key)
        ids.append(row_id)
    con.register(
        keymap_name(spec.name),
        pa.table([pa.array(keys, pa.string()), pa.array(ids, pa.int64())], schema=KEYMAP_SCHEMA),
    )
    return len(keys)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, batch_size: int) -> Iterator[list[dict[str, Any]]]:
    reader = con.sql(sql).to_arrow_reader(batch_size)
    for batch in reader:
        yield batch.to_pylist()


def _upsert(session: Session, table: Table, rows: list[dict[str, Any]], keep: frozenset[str]) -> None:
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    stmt = insert(table)
    # Columns the extract does not carry are set on insert (empty or default) but never updated.
    columns = [c for c in rows[0] if c not in ("source_system", "source_key") and c not in keep]
    excluded = stmt.excluded
    update = {c: excluded[c] for c in columns}
    if "updated_at" in table.c:
        update["updated_at"] = now()
    if not columns:
        session.execute(stmt.on_conflict_do_nothing(index_elements=["source_system", "source_key"]), rows)
        return
    changed = or_(*(table.c[c].is_distinct_from(excluded[c]) for c in columns))
    stmt = stmt.on_conflict_do_update(index_elements=["source_system", "source_key"], set_=update, where=changed)
    session.execute(stmt, rows)


def _with_default(table: Table, name: str) -> str:
    """Select a staged column, filling an empty value with the column's default where it has one."""
    column = table.c[name]
    default = column.default
    if not column.nullable and default is not None and default.is_scalar:
        value = default.arg
        literal = ("true" if value else "false") if isinstance(value, bool) else sql_string(str(value))
        return f"COALESCE(s.{sql_ident(name)}, {literal}) AS {sql_ident(name)}"
    return f"s.{sql_ident(name)}"


def load_entity(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    *,
    source_system: str,
    batch_size: int,
    progress: Progress,
    vault: Vault,
    keep: frozenset[str] = frozenset(),
) -> tuple[int, int]:
    """Upsert the valid staged rows of ``spec``; return how many keys were new to Guanxi, and how
    many rows were skipped because their customer was erased.

    ``keep`` names fields the extract does not carry: existing rows keep their values for them.
    Personal data is encrypted on the way (see :mod:`guanxi.parties.protection`).
    """
    table = orm_table(spec)
    staged = staged_table(spec.name)
    columns = [f"{sql_string(source_system)} AS source_system", "s.key AS source_key"]
    joins = []
    for n, f in enumerate(spec.fields):
        if f.name == "key":
            continue
        if f.ref:
            alias = f"k{n}"
            joins.append(f"LEFT JOIN {keymap_name(f.ref)} AS {alias} ON {alias}.key = s.{sql_ident(f.name)}")
            columns.append(f"{alias}.id AS {sql_ident(id_column(f.name))}")
        elif f.name in table.c:
            columns.append(_with_default(table, f.name))
        else:  # a plaintext personal-data field: protected into its stored columns before writing
            columns.append(f"s.{sql_ident(f.name)}")
    new_row = first_row(
        con.execute(
            f"SELECT count(*) FROM {staged} s WHERE len(s._errors) = 0 "
            f"AND s.key NOT IN (SELECT key FROM {keymap_name(spec.name)})"
        )
    )
    sql = (
        f"SELECT {', '.join(columns)} FROM {staged} s {' '.join(joins)} "
        "WHERE len(s._errors) = 0 ORDER BY s._file, s._line"
    )
    json_fields = [f.name for f in spec.fields if f.kind == "json"]
    # A party's data key is set once and never replaced by a reload.
    kept = stored_columns(spec.table, (id_column(f) if f.endswith("_key") else f for f in keep)) | {"data_key"}
    skipped = 0
    for rows in _rows(con, sql, batch_size):
        if json_fields:
            for row in rows:
                for name in json_fields:
                    if row[name] is not None:
                        row[name] = json.loads(row[name])
        read = len(rows)
        rows, dropped = protect_rows(session, vault, spec.table, rows, source_system)
        skipped += dropped
        if rows:
            _upsert(session, table, rows, kept)
        progress.advance(read)
    return (int(new_row[0]) if new_row else 0), skipped
