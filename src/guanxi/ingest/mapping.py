"""Mappings: how a source system's files become Guanxi's canonical entities.

A mapping is YAML. For each canonical entity it names the file (or a glob of parts, or inline
``rows``), optional joins to other files, and for each canonical field where its value comes
from: a source ``column``, a constant ``value`` or a DuckDB SQL ``expr`` over the source
columns, then optional ``codes`` (source code → canonical code) and a date ``format``
(strptime). ``docs/ingest.md`` describes the format; ``mappings/berka.yaml`` is an example.
The canonical format needs no file: :func:`canonical_mapping` builds it from the entity specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from guanxi.ingest.entities import ENTITIES, ENTITY_BY_NAME
from guanxi.ingest.errors import MappingError

BUILTIN_FORMATS = ("canonical", "berka")


@dataclass(frozen=True)
class CsvOptions:
    """How to read a delimited text file."""

    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    header: bool = True


@dataclass(frozen=True)
class FieldMapping:
    """Where one canonical field's value comes from."""

    column: str | None = None
    value: Any = None
    expr: str | None = None
    codes: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    default: Any = None
    # Canonical files may leave out optional columns; explicit mappings must name real ones.
    column_optional: bool = False


@dataclass(frozen=True)
class JoinSpec:
    """A second file joined to the entity's file (for example Berka's card → disposition)."""

    file: str
    alias: str
    on: tuple[str, ...]


@dataclass(frozen=True)
class EntityMapping:
    """How one canonical entity is read."""

    entity: str
    files: tuple[str, ...] = ()  # names or globs, tried in order; the first that matches wins
    rows: tuple[dict[str, Any], ...] | None = None
    key: FieldMapping = field(default_factory=lambda: FieldMapping(column="key"))
    fields: dict[str, FieldMapping] = field(default_factory=dict)
    joins: tuple[JoinSpec, ...] = ()
    optional: bool = False
    missing_note: str | None = None
    csv: CsvOptions = field(default_factory=CsvOptions)


@dataclass(frozen=True)
class Mapping:
    """A whole mapping: the source system and its entity mappings in load order."""

    name: str
    source_system: str
    entities: tuple[EntityMapping, ...]
    canonical: bool = False


def _field_from_yaml(where: str, raw: Any) -> FieldMapping:
    if isinstance(raw, str):
        return FieldMapping(column=raw)
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a column name or a mapping with column/value/expr")
    unknown = set(raw) - {"column", "value", "expr", "codes", "format", "default"}
    if unknown:
        raise MappingError(f"{where}: unknown option(s) {', '.join(sorted(unknown))}")
    sources = [k for k in ("column", "value", "expr") if k in raw]
    if len(sources) != 1:
        raise MappingError(f"{where}: give exactly one of column, value or expr")
    codes = raw.get("codes") or {}
    if not isinstance(codes, dict):
        raise MappingError(f"{where}: codes must map source codes to canonical codes")
    for code in codes:
        if not isinstance(code, str):
            # YAML turns unquoted 01 into 1 and yes/off into booleans: such codes would never match.
            raise MappingError(f"{where}: source code {code!r} must be quoted text, e.g. '{code}': ...")
    return FieldMapping(
        column=raw.get("column"),
        value=raw.get("value"),
        expr=raw.get("expr"),
        codes={str(k): str(v) for k, v in codes.items()},
        format=raw.get("format"),
        default=raw.get("default"),
    )


def _join_from_yaml(where: str, raw: Any) -> JoinSpec:
    # "using", not "on": YAML 1.1 reads a bare `on` key as the boolean true.
    if not isinstance(raw, dict) or not {"file", "alias", "using"} <= set(raw):
        raise MappingError(f"{where}: give file, alias and using (the shared column or columns)")
    using = raw["using"] if isinstance(raw["using"], list) else [raw["using"]]
    return JoinSpec(file=_inside(where, str(raw["file"])), alias=str(raw["alias"]), on=tuple(str(c) for c in using))


def _inside(where: str, pattern: str) -> str:
    """A file pattern must stay inside the extract folder."""
    if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
        raise MappingError(f"{where}: file '{pattern}' must be a name inside the extract folder")
    return pattern


def _csv_options(raw: dict[str, Any] | None, base: CsvOptions) -> CsvOptions:
    if not raw:
        return base
    return CsvOptions(
        delimiter=str(raw.get("delimiter", base.delimiter)),
        quote=str(raw.get("quote", base.quote)),
        encoding=str(raw.get("encoding", base.encoding)),
        header=bool(raw.get("header", base.header)),
    )


def parse_mapping(text: str, name: str) -> Mapping:
    """Parse mapping YAML, checking entity and field names against the canonical format."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {name}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or "entities" not in doc:
        raise MappingError(f"mapping {name}: expected a YAML mapping with 'source_system' and 'entities'")
    source_system = str(doc.get("source_system") or "").strip()
    _check_source_system(f"mapping {name}: 'source_system'", source_system)
    base_csv = _csv_options(doc.get("csv"), CsvOptions())
    entities: list[EntityMapping] = []
    raw_entities = doc["entities"] or {}
    for entity_name in raw_entities:
        if entity_name not in ENTITY_BY_NAME:
            known = ", ".join(e.name for e in ENTITIES)
            raise MappingError(f"mapping {name}: unknown entity '{entity_name}' (known: {known})")
    for spec in ENTITIES:  # canonical load order, whatever order the YAML lists them in
        raw = raw_entities.get(spec.name)
        if raw is None:
            continue
        where = f"mapping {name}, entity {spec.name}"
        fields: dict[str, FieldMapping] = {}
        for field_name, field_raw in (raw.get("fields") or {}).items():
            if field_name == "key":
                raise MappingError(f"{where}: give the key with 'key:', not under fields")
            try:
                spec.field(field_name)
            except KeyError:
                known = ", ".join(f.name for f in spec.fields if f.name != "key")
                raise MappingError(f"{where}: unknown field '{field_name}' (fields: {known})") from None
            fields[field_name] = _field_from_yaml(f"{where}, field {field_name}", field_raw)
        files = raw.get("file") or raw.get("files") or ()
        files = tuple(_inside(where, str(f)) for f in ((files,) if isinstance(files, str) else files))
        rows = raw.get("rows")
        if not files and rows is None:
            raise MappingError(f"{where}: give 'file' or inline 'rows'")
        joins = tuple(_join_from_yaml(f"{where}, join", j) for j in raw.get("joins") or ())
        entities.append(
            EntityMapping(
                entity=spec.name,
                files=files,
                rows=tuple(rows) if rows is not None else None,
                key=_field_from_yaml(f"{where}, key", raw.get("key", "key")),
                fields=fields,
                joins=joins,
                optional=bool(raw.get("optional", False)),
                missing_note=raw.get("missing_note"),
                csv=_csv_options(raw.get("csv"), base_csv),
            )
        )
    return Mapping(name=name, source_system=source_system, entities=tuple(entities))


def _check_source_system(what: str, name: str) -> None:
    if not name or len(name) > 32:
        raise MappingError(f"{what} must be a name of 1 to 32 characters")


def with_source_system(mapping: Mapping, source_system: str | None) -> Mapping:
    """The mapping with another source system name (None keeps its own)."""
    if not source_system:
        return mapping
    _check_source_system("--source-system", source_system)
    return Mapping(mapping.name, source_system, mapping.entities, mapping.canonical)


def load_mapping(path: Path, source_system: str | None = None) -> Mapping:
    """Read a mapping file (``source_system`` overrides the one it names)."""
    if not path.is_file():
        raise MappingError(f"mapping file not found: {path}")
    return with_source_system(parse_mapping(path.read_text(encoding="utf-8"), path.name), source_system)


def builtin_mapping(fmt: str, source_system: str | None = None) -> Mapping:
    """Return a built-in mapping: ``canonical`` or ``berka``."""
    if fmt == "canonical":
        return with_source_system(canonical_mapping("core"), source_system)
    if fmt not in BUILTIN_FORMATS:
        raise MappingError(f"unknown format '{fmt}' (known: {', '.join(BUILTIN_FORMATS)})")
    text = resources.files("guanxi.ingest.mappings").joinpath(f"{fmt}.yaml").read_text(encoding="utf-8")
    return with_source_system(parse_mapping(text, f"{fmt}.yaml"), source_system)


def canonical_mapping(source_system: str) -> Mapping:
    """The identity mapping for extracts already in the canonical format (any entity may be absent)."""
    entities = []
    for spec in ENTITIES:
        fields = {
            f.name: FieldMapping(column=f.name, column_optional=not f.required) for f in spec.fields if f.name != "key"
        }
        stem = spec.name
        entities.append(
            EntityMapping(
                entity=spec.name,
                files=(f"{stem}.parquet", f"{stem}.csv", f"{stem}/*.parquet", f"{stem}/*.csv"),
                fields=fields,
                optional=True,
            )
        )
    return Mapping(name="canonical", source_system=source_system, entities=tuple(entities), canonical=True)
