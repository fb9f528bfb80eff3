"""Scores and reasons for many rows from one pass over the trees: the leaves each row lands in.

A prediction walks every tree to a leaf and adds up the leaves' values. Asking LightGBM for those
leaves instead (``pred_leaf``) costs about as much, and gives both halves of a scoring run at once:

* the **score**: the leaves' values added tree by tree from zero, the very additions LightGBM's
  own prediction makes, so the log-odds equal ``predict(raw_score=True)`` to the bit;
* the **reasons**: each leaf's path credits per feature are tabulated once per model
  (:class:`~guanxi.scoring.attribution.PathAttribution`), so a row's credits are a gather and
  add over its leaves, and its reasons the few largest positive credits.

Rows go through in chunks so that a million customers never hold a million × trees leaf matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from guanxi.scoring.attribution import PathAttribution

CHUNK_ROWS = 20_000  # leaves of a chunk: 20,000 rows × 700 trees × 8 bytes ≈ 110 MB while LightGBM fills them


@dataclass(frozen=True)
class TopCredits:
    """Per row, the features that raised the score most, largest first.

    ``features`` holds column indices, ``-1`` past a row's last reason; ``credits`` their credits
    (0 past the last reason). Only positive credits are reasons.
    """

    features: np.ndarray
    credits: np.ndarray


@dataclass(frozen=True)
class Explained:
    """Rows scored and explained: each row's log-odds and its leading reasons."""

    log_odds: np.ndarray
    reasons: TopCredits


def top_credits(credits: np.ndarray, top: int) -> TopCredits:
    """The ``top`` largest positive credits of each row (rows × features), largest first.

    Equal credits keep the column order, as a stable sort of every column would; only the ``top``
    candidates are sorted, and a row with a tie across the cut is sorted in full.
    """
    n, width = credits.shape
    k = min(max(top, 0), width)
    if k == 0:
        return TopCredits(np.full((n, 0), -1, dtype=np.int64), np.zeros((n, 0)))
    negative = -credits
    if k < width:
        candidates = np.argpartition(negative, k - 1, axis=1)[:, :k]
    else:
        candidates = np.broadcast_to(np.arange(width), (n, width))
    values = np.take_along_axis(negative, candidates, axis=1)
    order = np.lexsort((candidates, values), axis=1)  # by credit, largest first, then by column
    columns = np.take_along_axis(candidates, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    if k < width:
        # a credit equal to the k-th, left out by the partition, may belong before it: sort those rows fully
        cut = values[:, -1:]
        tied = np.flatnonzero(((negative <= cut).sum(axis=1) > k) & (cut[:, 0] < 0))
        if len(tied):
            full = np.argsort(negative[tied], axis=1, kind="stable")[:, :k]
            columns[tied] = full
            values[tied] = np.take_along_axis(negative[tied], full, axis=1)
    positive = values < 0
    return TopCredits(np.where(positive, columns, -1), np.where(positive, -values, 0.0))


def explain(
    paths: list[PathAttribution], X: np.ndarray, top: int, scores: bool = True, num_threads: int = 0
) -> Explained:
    """Log-odds and leading reasons of every row of ``X`` (the model's features, as floats).

    ``paths`` are a bagged model's boosters: the log-odds and the credits are their means, as the
    model's prediction and :func:`~guanxi.scoring.attribution.path_contributions` take them.
    Without ``scores`` only the reasons are worked out (the log-odds are left NaN). ``num_threads``:
    LightGBM's threads per call (0: its default, every core).
    """
    log_odds = np.full(len(X), np.nan)
    features = np.empty((len(X), top), dtype=np.int64)
    credits = np.empty((len(X), top))
    for start in range(0, len(X), CHUNK_ROWS):
        part = X[start : start + CHUNK_ROWS]
        leaves = [path.leaves(part, num_threads) for path in paths]
        stop = start + len(part)
        if scores:
            log_odds[start:stop] = np.mean([p.raw_score(leaf) for p, leaf in zip(paths, leaves, strict=True)], axis=0)
        mean = np.mean([p.credits(leaf) for p, leaf in zip(paths, leaves, strict=True)], axis=0)
        chosen = top_credits(mean, top)
        width = chosen.features.shape[1]
        features[start:stop, :width], credits[start:stop, :width] = chosen.features, chosen.credits
        features[start:stop, width:], credits[start:stop, width:] = -1, 0.0
    return Explained(log_odds=log_odds, reasons=TopCredits(features, credits))
