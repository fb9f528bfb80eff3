"""Validation in DuckDB: each file becomes typed rows plus a list of errors per row.

For every canonical field the mapping gives a raw SQL expression; this module types it,
checks it (required, type, length, range, code list, currency, decimals allowed by the
currency) and records each problem as ``{field, reason, value}``. Duplicate keys and
references to rows that do not exist (in this extract or already in Guanxi) are added after
all of an entity's files are staged. Rows with no errors are loaded; the rest go to quarantine.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from guanxi.ingest.entities import EntitySpec, FieldSpec
from guanxi.ingest.errors import MappingError
from guanxi.ingest.mapping import EntityMapping, FieldMapping
from guanxi.ingest.readers import SourceFile, explain_read_error, scan_sql, sql_ident, sql_string
from guanxi.lake.duck import first_row
from guanxi.money import _MINOR_UNITS, STORAGE_PRECISION, STORAGE_SCALE

ERROR_TYPE = "STRUCT(field VARCHAR, reason VARCHAR, value VARCHAR)[]"

_DUCK_TYPES = {
    "str": "VARCHAR",
    "code": "VARCHAR",
    "currency": "VARCHAR",
    "json": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DECIMAL(18,6)",
    "money": f"DECIMAL({STORAGE_PRECISION},{STORAGE_SCALE})",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "bool": "BOOLEAN",
}


def staged_table(entity: str) -> str:
    """Name of the staging table for ``entity``."""
    return f"staged_{entity}"


def create_staging_table(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Create the empty staging table for an entity."""
    columns = ", ".join(f"{sql_ident(f.name)} {_DUCK_TYPES[f.kind]}" for f in spec.fields)
    con.execute(
        f"CREATE OR REPLACE TABLE {staged_table(spec.name)} "
        f"(_file VARCHAR, _line BIGINT, {columns}, _errors {ERROR_TYPE})"
    )


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return sql_string(str(value))


def raw_expression(fm: FieldMapping, source: SourceFile) -> str:
    """The SQL for a field's raw value, before typing."""
    if fm.expr is not None:
        return f"({fm.expr})"
    if fm.value is not None:
        return _literal(fm.value)
    assert fm.column is not None
    if fm.column not in source.columns:
        if fm.column_optional:
            return "NULL"
        raise MappingError(
            f"{source.name}: the mapping names column '{fm.column}', which is not in the file "
            f"(columns: {', '.join(source.columns)})",
            details={"file": str(source.path), "column": fm.column},
        )
    return f"src.{sql_ident(fm.column)}"


def _cleaned(raw: str, raw_type: str, fm: FieldMapping, trim: bool) -> str:
    # Text files pad and quote loosely, so their values are trimmed; Parquet values are taken as stored.
    expr = raw
    if raw_type == "VARCHAR":
        # Trim only padded values: testing the ends is cheaper than copying every string.
        padded = f"starts_with({raw}, ' ') OR ends_with({raw}, ' ')"
        expr = f"NULLIF(CASE WHEN {padded} THEN trim({raw}) ELSE {raw} END, '')" if trim else f"NULLIF({raw}, '')"
    if fm.default is not None:
        expr = f"COALESCE({expr}, {_literal(fm.default)})"
    if fm.codes:
        cases = " ".join(f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in fm.codes.items())
        expr = f"(CASE CAST({expr} AS VARCHAR) {cases} ELSE CAST({expr} AS VARCHAR) END)"
    return expr


def _minor_unit_sql(currency: str) -> str:
    by_unit: dict[int, list[str]] = {}
    for code, unit in sorted(_MINOR_UNITS.items()):
        by_unit.setdefault(unit, []).append(sql_string(code))
    cases = " ".join(f"WHEN {currency} IN ({', '.join(codes)}) THEN {unit}" for unit, codes in sorted(by_unit.items()))
    return f"(CASE {cases} ELSE 2 END)"


def unit_column(currency_field: str) -> str:
    """Name of the column holding the minor unit of the currency in ``currency_field``."""
    return f"_unit_{currency_field}"


_DECIMAL_SCALE = re.compile(r"DECIMAL\(\d+,(\d+)\)")


def _typed(spec: FieldSpec, clean: str, clean_is_text: bool, fm: FieldMapping) -> str:
    kind = spec.kind
    if kind in ("str", "code", "currency", "json"):
        return f"CAST({clean} AS VARCHAR)"
    if kind == "bool":
        if not clean_is_text:
            return f"TRY_CAST({clean} AS BOOLEAN)"
        return (
            f"(CASE lower({clean}) WHEN 'true' THEN true WHEN 't' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true "
            f"WHEN '1' THEN true WHEN 'false' THEN false WHEN 'f' THEN false WHEN 'no' THEN false WHEN 'n' THEN false "
            f"WHEN '0' THEN false END)"
        )
    if kind in ("date", "datetime") and fm.format:
        parsed = f"TRY_STRPTIME(CAST({clean} AS VARCHAR), {sql_string(fm.format)})"
        return f"CAST({parsed} AS DATE)" if kind == "date" else f"timezone('UTC', {parsed})"
    return f"TRY_CAST({clean} AS {_DUCK_TYPES[kind]})"


_PARSE_REASON = {
    "int": "not a whole number",
    "decimal": "not a number",
    "money": "not an amount (or too large)",
    "date": "not a date (expected YYYY-MM-DD)",
    "datetime": "not a timestamp (expected ISO 8601, e.g. 2025-01-31T09:30:00Z)",
    "bool": "not true or false",
}


WITHHELD = "[personal data withheld]"


def _error(field: str, condition: str, reason_sql: str, value_sql: str) -> tuple[str, str]:
    """A check: its condition, and the error it records when the condition holds."""
    error = f"{{'field': {sql_string(field)}, 'reason': {reason_sql}, 'value': CAST({value_sql} AS VARCHAR)}}"
    return condition, error


def _any_failed(checks: list[tuple[str, str]]) -> str:
    return " OR ".join(f"({condition})" for condition, _ in checks) if checks else "false"


def ok_sql(checks: list[tuple[str, str]]) -> str:
    """Whether a row passes every check (a check that yields NULL does not fail)."""
    return f"NOT coalesce({_any_failed(checks)}, false)"


def errors_sql(checks: list[tuple[str, str]]) -> str:
    """The list of errors of a row; the list is only built for rows where some check fails."""
    if not checks:
        return f"CAST([] AS {ERROR_TYPE})"
    any_failed = _any_failed(checks)
    each = ", ".join(f"CASE WHEN {condition} THEN {error} END" for condition, error in checks)
    return (
        f"CAST(CASE WHEN {any_failed} THEN list_filter([{each}], lambda e: e IS NOT NULL) ELSE [] END AS {ERROR_TYPE})"
    )


def _round_differs(col: str, unit: str) -> str:
    # round() needs a constant number of places, so branch on the currency's minor unit.
    branches = " ".join(f"WHEN {places} THEN {col} <> round({col}, {places})" for places in (0, 3))
    return f"(CASE {unit} {branches} ELSE {col} <> round({col}, 2) END)"


def _checks(
    spec: FieldSpec, col: str, clean: str, fm: FieldMapping, typed_of: dict[str, str], raw_type: str
) -> list[tuple[str, str]]:
    """Error expressions for one field; ``col`` is the typed value, ``clean`` the raw one."""
    checks: list[tuple[str, str]] = []
    name = spec.name

    def err(condition: str, reason_sql: str, value_sql: str) -> tuple[str, str]:
        # Personal data never reaches the quarantine file or an error message.
        return _error(name, condition, reason_sql, sql_string(WITHHELD) if spec.pii else value_sql)

    # A Parquet column already of the target type cannot fail to parse.
    native = raw_type == _DUCK_TYPES[spec.kind] and not fm.codes and not fm.format
    if spec.required:
        checks.append(err(f"{clean} IS NULL", sql_string("required but empty"), "NULL"))
    if spec.kind in _PARSE_REASON and not native:
        reason = _PARSE_REASON[spec.kind]
        if fm.format and spec.kind in ("date", "datetime"):
            reason = f"not a {'date' if spec.kind == 'date' else 'timestamp'} in the format {fm.format}"
        checks.append(err(f"{clean} IS NOT NULL AND {col} IS NULL", sql_string(reason), clean))
    if spec.max_len is not None and spec.kind in ("str", "code", "currency"):
        checks.append(
            err(
                # strlen counts bytes (cheap); only values long in bytes need their characters counted.
                f"strlen({col}) > {spec.max_len} AND length({col}) > {spec.max_len}",
                sql_string(f"longer than {spec.max_len} characters"),
                col,
            )
        )
    if spec.kind == "code":
        listed = ", ".join(spec.codes)
        members = ", ".join(sql_string(c) for c in spec.codes)
        checks.append(err(f"{col} NOT IN ({members})", sql_string(f"not a known code (one of: {listed})"), col))
    if spec.kind == "currency":
        checks.append(
            err(
                f"NOT regexp_full_match({col}, '[A-Z]{{3}}')",
                sql_string("not an ISO 4217 currency code"),
                col,
            )
        )
    if spec.kind == "json":
        checks.append(
            err(
                f"{col} IS NOT NULL AND NOT coalesce(json_valid({col}), false)",
                sql_string("not valid JSON"),
                col,
            )
        )
    if spec.min_value is not None:
        checks.append(err(f"{col} < {spec.min_value}", sql_string(f"must be at least {spec.min_value}"), col))
    if spec.max_value is not None:
        checks.append(err(f"{col} > {spec.max_value}", sql_string(f"must be at most {spec.max_value}"), col))
    if spec.kind == "money" and spec.currency_field:
        currency = typed_of[spec.currency_field]
        unit = f"t.{sql_ident(unit_column(spec.currency_field))}"
        scale = _DECIMAL_SCALE.fullmatch(raw_type)
        if scale:
            # A decimal column of scale s can only break a currency allowing fewer than s places.
            too_precise = f"({unit} < {scale.group(1)} AND {_round_differs(clean, unit)})"
        else:
            # Count the text's decimals (cheap integer work); trailing zeros do not count: 12.3400 is 12.34.
            text = f"CAST({clean} AS VARCHAR)"
            point = f"instr({text}, '.')"
            too_precise = (
                f"({point} > 0 AND strlen({text}) - {point} > {unit} AND strlen(rtrim({text}, '0')) - {point} > {unit})"
            )
        checks.append(
            err(
                f"{col} IS NOT NULL AND {too_precise}",
                f"'has more decimals than ' || {currency} || ' allows (' || {unit} || ')'",
                clean,
            )
        )
    return checks


def build_select(
    spec: EntitySpec,
    em: EntityMapping,
    source: SourceFile,
    con: duckdb.DuckDBPyConnection,
    join_sources: tuple[SourceFile, ...] = (),
    *,
    verdict_only: bool = False,
    relation: str | None = None,
) -> str:
    """Build the SELECT that turns one source file into staged rows for ``spec``.

    Rows carry ``_file``, ``_line``, the typed fields and ``_errors``; with ``verdict_only`` they
    carry the typed fields and a boolean ``_ok`` instead (cheaper: no line numbers, no messages),
    reading ``relation`` (a table already holding the file's rows) if given.
    """
    mappings: dict[str, FieldMapping] = {"key": em.key, **em.fields}
    joins = ""
    for join, join_source in zip(em.joins, join_sources, strict=True):
        on = ", ".join(sql_ident(c) for c in join.on)
        joins += f" LEFT JOIN {scan_sql(join_source)} AS {sql_ident(join.alias)} USING ({on})"
    raw = {f.name: raw_expression(mappings[f.name], source) if f.name in mappings else "NULL" for f in spec.fields}
    # Parquet knows each row's position; for CSV, row_number() over the file in order is its record number.
    if verdict_only:
        numbered = f"SELECT 0 AS _rn, * FROM {relation or scan_sql(source, types=native_csv_types(spec, em, source))}"
    elif source.kind == "parquet":
        numbered = (
            f"SELECT file_row_number + 1 AS _rn, * EXCLUDE (file_row_number) FROM {scan_sql(source, row_numbers=True)}"
        )
    else:
        numbered = f"SELECT row_number() OVER () AS _rn, * FROM {scan_sql(source)}"
    base = f"({numbered}) AS src{joins}"
    raw_types = _raw_types(con, spec, raw, base, em, source)
    clean = {
        f.name: _cleaned(
            f"r.{sql_ident('r_' + f.name)}",
            raw_types[f.name],
            mappings.get(f.name, FieldMapping()),
            source.kind == "csv",
        )
        for f in spec.fields
    }
    typed = {
        f.name: _typed(
            f,
            clean[f.name],
            raw_types[f.name] == "VARCHAR" or bool(mappings.get(f.name, FieldMapping()).codes),
            mappings.get(f.name, FieldMapping()),
        )
        for f in spec.fields
    }
    typed_cols = {f.name: f"t.{sql_ident(f.name)}" for f in spec.fields}
    clean_cols = {f.name: f"t.{sql_ident('c_' + f.name)}" for f in spec.fields}
    checks: list[tuple[str, str]] = []
    for f in spec.fields:
        checks.extend(
            _checks(
                f,
                typed_cols[f.name],
                clean_cols[f.name],
                mappings.get(f.name, FieldMapping()),
                typed_cols,
                raw_types[f.name],
            )
        )
    line_offset = 1 if source.kind == "csv" and source.csv.header else 0
    inner = ", ".join(f"{raw[f.name]} AS {sql_ident('r_' + f.name)}" for f in spec.fields)
    middle = ", ".join(
        f"{typed[f.name]} AS {sql_ident(f.name)}, {clean[f.name]} AS {sql_ident('c_' + f.name)}" for f in spec.fields
    )
    # Each money field's currency decides its allowed decimals: look the minor unit up once per row.
    for currency_field in sorted({f.currency_field for f in spec.fields if f.kind == "money" and f.currency_field}):
        middle += f", {_minor_unit_sql(typed[currency_field])} AS {sql_ident(unit_column(currency_field))}"
    outer = ", ".join(typed_cols[f.name] for f in spec.fields)
    if verdict_only:
        return (
            f"SELECT {outer}, {ok_sql(checks)} AS _ok "
            f"FROM (SELECT r._rn, {middle} FROM (SELECT src._rn, {inner} FROM {base}) AS r) AS t"
        )
    return (
        f"SELECT {sql_string(source.name)} AS _file, t._rn + {line_offset} AS _line, {outer}, "
        f"{errors_sql(checks)} AS _errors "
        f"FROM (SELECT r._rn, {middle} FROM (SELECT src._rn, {inner} FROM {base}) AS r) AS t"
    )


def key_select(spec: EntitySpec, em: EntityMapping, source: SourceFile) -> str:
    """A SELECT of just the cleaned keys of one file (for a cheap duplicate check)."""
    raw = raw_expression(em.key, source)
    key = f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')" if source.kind == "csv" else f"CAST({raw} AS VARCHAR)"
    return f"SELECT {key} AS key FROM {scan_sql(source)} AS src"


# Typed CSV columns for the one-pass path: wide enough that only a value that is wrong fails to parse.
# Amounts stay text: a typed reader would round away extra decimals that must be reported instead.
_NATIVE = {"int": "BIGINT", "date": "DATE", "datetime": "TIMESTAMPTZ"}


def native_csv_types(spec: EntitySpec, em: EntityMapping, source: SourceFile) -> dict[str, str]:
    """CSV columns the reader may parse itself: plain column mappings of numbers, dates and timestamps."""
    if source.kind != "csv":
        return {}
    mappings: dict[str, FieldMapping] = {"key": em.key, **em.fields}
    types: dict[str, str] = {}
    for f in spec.fields:
        fm = mappings.get(f.name)
        if fm and fm.column in source.columns and f.kind in _NATIVE and not (fm.codes or fm.format or fm.default):
            types[fm.column] = _NATIVE[f.kind]
    return types


def find_read_error(con: duckdb.DuckDBPyConnection, sources: list[SourceFile]) -> Exception | None:
    """Read each file as text to the end; explain the first one that cannot be read, else None."""
    for source in sources:
        try:
            # Hash every column, so each value is decoded (a bare count could skip unread columns).
            con.execute(f"SELECT count(*) FROM {scan_sql(source)} WHERE hash(*COLUMNS(*)) = 0").fetchall()
        except (duckdb.InvalidInputException, duckdb.ConversionException) as own:
            return explain_read_error(source, own)
    return None


def _type_name(described: str) -> str:
    """DuckDB's DESCRIBE spells some types out; use the short names of ``_DUCK_TYPES``."""
    return {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}.get(described, described)


def _raw_types(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    raw: dict[str, str],
    base: str,
    em: EntityMapping,
    source: SourceFile,
) -> dict[str, str]:
    """Type of each raw expression; if they do not bind together, binding them one by one names the field."""
    names = [f.name for f in spec.fields]
    together = ", ".join(f"{raw[n]} AS {sql_ident(n)}" for n in names)
    try:
        rows = con.execute(f"DESCRIBE SELECT {together} FROM {base} LIMIT 0").fetchall()
        return {str(r[0]): _type_name(str(r[1])) for r in rows}
    except duckdb.Error:
        pass  # find the culprit below
    types: dict[str, str] = {}
    for f in spec.fields:
        try:
            row = first_row(con.execute(f"DESCRIBE SELECT {raw[f.name]} AS v FROM {base} LIMIT 0"))
        except duckdb.BinderException as exc:
            field = "key" if f.name == "key" else f"field {f.name}"
            message = str(exc).splitlines()[0].removeprefix("Binder Error: ")
            raise MappingError(
                f"{source.name}: mapping for entity {spec.name}, {field} does not fit the file: {message} "
                f"(columns: {', '.join(source.columns)})",
                details={"file": str(source.path), "entity": spec.name, "field": f.name},
            ) from exc
        except duckdb.Error as exc:
            raise MappingError(
                f"{source.name}: mapping for entity {spec.name}, field {f.name} is not valid SQL: "
                f"{str(exc).splitlines()[0]}"
            ) from exc
        types[f.name] = "VARCHAR" if row is None else _type_name(str(row[1]))
    return types


def stage_file(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    em: EntityMapping,
    source: SourceFile,
    join_sources: tuple[SourceFile, ...] = (),
) -> int:
    """Validate one file into the entity's staging table; return the rows read."""
    select = build_select(spec, em, source, con, join_sources)
    before = _count(con, staged_table(spec.name))
    try:
        con.execute(f"INSERT INTO {staged_table(spec.name)} {select}")
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        problem = find_read_error(con, [source, *join_sources])
        if problem is not None:
            raise problem from exc
        # The file reads fine, so an expression of the mapping failed on some value.
        raise MappingError(
            # The engine's message quotes the value, which may be personal data: name only its kind.
            f"{source.name}: an expression of the {spec.name} mapping failed on a value ({type(exc).__name__}); "
            "use TRY_CAST in mapping expressions so a bad value is rejected with its row instead of stopping the load",
            details={"file": str(source.path), "entity": spec.name},
        ) from exc
    return _count(con, staged_table(spec.name)) - before


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = first_row(con.execute(f"SELECT count(*) FROM {table}"))
    return int(row[0]) if row else 0


def _add_error(
    con: duckdb.DuckDBPyConnection, table: str, field: str, reason_sql: str, value_sql: str, where: str
) -> None:
    con.execute(
        f"UPDATE {table} SET _errors = list_append(_errors, {{'field': {sql_string(field)}, 'reason': {reason_sql}, "
        f"'value': CAST({value_sql} AS VARCHAR)}}) WHERE {where}"
    )


def flag_duplicates(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Reject every repeat of a key (and of a natural unique combination) after its first row."""
    table = staged_table(spec.name)
    for columns in (("key",), spec.natural_unique):
        if not columns:
            continue
        cols = ", ".join(sql_ident(c) for c in columns)
        dup = first_row(
            con.execute(f"SELECT 1 FROM {table} WHERE key IS NOT NULL GROUP BY {cols} HAVING count(*) > 1 LIMIT 1")
        )
        if dup is None:
            continue
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT rowid AS rid, first_file, first_line FROM ("
            f"SELECT rowid, row_number() OVER w AS n, first_value(_file) OVER w AS first_file, "
            f"first_value(_line) OVER w AS first_line FROM {table} WHERE key IS NOT NULL "
            f"WINDOW w AS (PARTITION BY {cols} ORDER BY _file, _line)) WHERE n > 1"
        )
        label = "key" if columns == ("key",) else " + ".join(columns)
        reason = f"'duplicate {label}: first seen on line ' || d.first_line || ' of ' || d.first_file"
        con.execute(
            f"UPDATE {table} SET _errors = list_append(_errors, {{'field': {sql_string(columns[0])}, "
            f"'reason': {reason}, 'value': CAST({table}.{sql_ident(columns[0])} AS VARCHAR)}}) "
            f"FROM _dups d WHERE {table}.rowid = d.rid"
        )


def flag_broken_references(con: duckdb.DuckDBPyConnection, spec: EntitySpec, known_keys: dict[str, str]) -> None:
    """Reject rows whose references point at nothing valid.

    ``known_keys`` maps an entity to a relation with a ``key`` column holding every key that
    may be referred to: valid rows of this extract and rows Guanxi already holds.
    """
    table = staged_table(spec.name)
    for ref in spec.refs:
        assert ref.ref is not None
        col = sql_ident(ref.name)
        parent = ref.ref
        # NULL keys are left out: one NULL in a NOT IN list makes every comparison unknown.
        rejected = f"(SELECT key FROM {staged_table(parent)} WHERE len(_errors) > 0 AND key IS NOT NULL)"
        has_parent_stage = _exists(con, staged_table(parent))
        if has_parent_stage:
            _add_error(
                con,
                table,
                ref.name,
                sql_string(f"refers to a row of {parent} that was rejected (see that row's errors)"),
                col,
                f"{col} IS NOT NULL AND {col} IN {rejected} AND {col} NOT IN (SELECT key FROM {known_keys[parent]})",
            )
        _add_error(
            con,
            table,
            ref.name,
            sql_string(f"refers to {parent} that exist neither in this extract nor in Guanxi"),
            col,
            f"{col} IS NOT NULL AND {col} NOT IN (SELECT key FROM {known_keys[parent]})"
            + (f" AND {col} NOT IN {rejected}" if has_parent_stage else ""),
        )


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = first_row(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]))
    return bool(row and row[0])
