"""Chart specifications for the pages: what ``static/js/guanxi.js`` draws with ECharts from a
``data-chart`` attribute. Labels arrive already translated."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def pie(label: str, slices: Iterable[tuple[str, float]]) -> dict[str, Any]:
    """A pie (drawn as a ring) of named values."""
    return {"kind": "pie", "label": label, "data": [{"name": name, "value": float(value)} for name, value in slices]}


def series(
    kind: str, label: str, categories: Sequence[str], lines: Iterable[tuple[str, Sequence[float | None]]]
) -> dict[str, Any]:
    """A bar or line chart: categories along the axis, one series per (name, values)."""
    return {
        "kind": kind,
        "label": label,
        "categories": list(categories),
        "series": [{"name": name, "data": list(values)} for name, values in lines],
    }


def sankey(label: str, flows: Iterable[tuple[str, str, int]]) -> dict[str, Any]:
    """A flow chart from the segments on the left (``from``) to those on the right (``to``).

    Node names must differ between the sides, so the caller labels them (e.g. with the date).
    """
    links = [{"source": a, "target": b, "value": n} for a, b, n in flows if n]
    names = sorted({link["source"] for link in links}) + sorted({link["target"] for link in links})
    return {"kind": "sankey", "label": label, "nodes": [{"name": n} for n in names], "links": links}
