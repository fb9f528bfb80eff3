"""The categoriser's suggestion for a new case, from the model ``guanxi cases train-categoriser``
saved under the data directory. No model file: no suggestion (cases open as usual).

The model speaks the CFPB's product taxonomy; the suggestion is turned into Guanxi's case
category (``taxonomy.py``), with the CFPB issue as the sub-category. It is stored on the case
and shown with its confidence; it never changes the category the person chose.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from guanxi.cases.categoriser import DEFAULT_MODEL_FILE, ComplaintCategoriser, load
from guanxi.cases.taxonomy import category_for_product
from guanxi.config import get_settings

_lock = threading.Lock()
_loaded: dict[Path, tuple[float, ComplaintCategoriser]] = {}


@dataclass(frozen=True)
class Suggestion:
    """A suggested category with its confidence and the runners-up (Guanxi's categories)."""

    category: str
    sub_category: str | None
    confidence: float
    alternatives: list[tuple[str, float]]


def model_path() -> Path:
    """Where the trained categoriser is kept."""
    return get_settings().var_dir / "models" / DEFAULT_MODEL_FILE


def _model() -> ComplaintCategoriser | None:
    path = model_path()
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return None
    with _lock:
        cached = _loaded.get(path)
        if cached is None or cached[0] != stamp:
            # A retrained file replaces the one in memory at the next suggestion.
            _loaded[path] = (stamp, load(path))
        return _loaded[path][1]


def suggest_category(text: str) -> Suggestion | None:
    """The categoriser's suggestion for ``text``, or ``None`` when no model is installed."""
    model = _model()
    if model is None:
        return None
    raw = model.suggest(text)
    merged: dict[str, float] = {}
    for product, probability in raw.alternatives:
        category = category_for_product(product)
        merged[category] = merged.get(category, 0.0) + probability
    return Suggestion(
        category=category_for_product(raw.category),
        sub_category=raw.sub_category,
        confidence=round(raw.confidence, 4),
        alternatives=[(c, round(p, 4)) for c, p in merged.items() if c != category_for_product(raw.category)],
    )
