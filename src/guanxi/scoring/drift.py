"""Population stability: has what the model sees moved since it was trained?

At training, each feature (and each score) is cut into ten bins at its deciles, and the share of
rows per bin kept, with a bin of its own for missing values. At scoring, the same cuts give the
new shares and the population stability index ``Σ (new − old) · ln(new / old)``. Rules of thumb
in credit risk: under 0.1 stable, 0.1–0.25 worth a look, above 0.25 a shift to act on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINS = 10
ALERT_PSI = 0.25
FLOOR = 1e-4  # an empty bin counts as this share, so one empty bin does not make the index infinite


@dataclass(frozen=True)
class Reference:
    """One variable at training: its inner bin edges and the share of rows per bin (the last: missing)."""

    edges: tuple[float, ...]
    shares: tuple[float, ...]


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    counts = np.bincount(np.searchsorted(edges, values[~missing], side="right"), minlength=len(edges) + 1)
    total = max(len(values), 1)
    return np.append(counts / total, missing.sum() / total)


def reference(values: np.ndarray) -> Reference:
    """Bins at the training deciles (repeated cut points merged) and the training shares."""
    values = np.asarray(values, dtype=float)
    present = values[~np.isnan(values)]
    edges = np.unique(np.quantile(present, np.linspace(0, 1, BINS + 1)[1:-1])) if len(present) else np.array([])
    return Reference(edges=tuple(float(e) for e in edges), shares=tuple(float(s) for s in _shares(values, edges)))


def psi(ref: Reference, values: np.ndarray) -> float:
    """Population stability index of ``values`` against the training reference."""
    new = np.maximum(_shares(np.asarray(values, dtype=float), np.asarray(ref.edges)), FLOOR)
    old = np.maximum(np.asarray(ref.shares), FLOOR)
    return float(np.sum((new - old) * np.log(new / old)))


def references(columns: dict[str, np.ndarray]) -> dict[str, Reference]:
    """A reference per named variable."""
    return {name: reference(values) for name, values in columns.items()}


def drift(refs: dict[str, Reference], columns: dict[str, np.ndarray]) -> dict[str, float]:
    """The index per variable that has a reference, rounded for storage."""
    return {name: round(psi(refs[name], values), 6) for name, values in columns.items() if name in refs}
