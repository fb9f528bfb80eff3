"""Renders the canonical extract format as Markdown (``docs/extract-format.md`` is this output;
a test keeps the two identical)."""

from __future__ import annotations

from guanxi.ingest.entities import ENTITIES, FieldSpec

_KIND = {
    "str": "text",
    "code": "code",
    "currency": "currency",
    "json": "JSON object",
    "int": "whole number",
    "decimal": "decimal",
    "money": "amount",
    "date": "date YYYY-MM-DD",
    "datetime": "timestamp ISO 8601 (UTC if no offset)",
    "bool": "true/false",
}


def _rule(f: FieldSpec) -> str:
    parts = []
    if f.codes:
        parts.append("one of " + ", ".join(f"`{c}`" for c in f.codes))
    if f.ref:
        parts.append(f"key of a row in `{f.ref}`")
    if f.max_len and f.kind in ("str",):
        parts.append(f"at most {f.max_len} characters")
    if f.min_value is not None:
        parts.append(f"≥ {f.min_value}")
    if f.max_value is not None:
        parts.append(f"≤ {f.max_value}")
    if f.kind == "money":
        parts.append(f"no more decimals than `{f.currency_field}` allows")
    if f.doc and not f.ref:
        parts.append(f.doc)
    return "; ".join(parts)


def render_extract_format() -> str:
    """The canonical format as a Markdown document."""
    lines = [
        "# The canonical extract format",
        "",
        "Generated from `src/guanxi/ingest/entities.py` by `guanxi.ingest.formatdoc`; do not edit by hand.",
        "",
        "An extract is a folder with one file per entity: `<entity>.csv` or `<entity>.parquet`, or a folder",
        "`<entity>/` of parts (`*.csv` or `*.parquet`). Any entity may be absent (an extract of only today's",
        "transactions is fine). CSV files are UTF-8, comma-separated, with a header row; empty means no value.",
        "Parquet files may use native types. Every row has a `key` unique within the source system; references",
        "use the referenced row's key, which may be in the same extract or loaded before.",
        "",
    ]
    for entity in ENTITIES:
        where = "the Parquet lake, partitioned by month" if entity.target == "lake" else "the operational database"
        lines += [f"## `{entity.name}`", "", f"{entity.doc or entity.name} — loaded into {where}.", ""]
        lines += ["| column | type | required | rule |", "|---|---|---|---|"]
        for f in entity.fields:
            lines.append(f"| `{f.name}` | {_KIND[f.kind]} | {'yes' if f.required else ''} | {_rule(f)} |")
        if entity.natural_unique:
            lines += ["", f"Each combination of {', '.join(f'`{c}`' for c in entity.natural_unique)} appears once."]
        lines.append("")
    return "\n".join(lines)
