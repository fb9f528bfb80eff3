"""Two-way characteristics for a scorecard: the cells of two coarsely binned characteristics.

An additive scorecard cannot say "many service calls matter only for light users". A cross of two
characteristics, each cut into at most ``COARSE_BINS`` bins, can: every cell (one bin of each)
gets a smoothed WoE and its own points, printed like any other characteristic. The scorecard adds
a cross only when it lowers the held-out log-loss of inner folds of its training rows, and keeps
the two characteristics themselves, so a cross carries what the two cannot say alone.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from guanxi.scoring.metrics import log_losses
from guanxi.scoring.scorecard_bins import SplitBins, information_value, smoothed_woe
from guanxi.scoring.scorecard_fit import plain_frame

COARSE_BINS = 5  # bins per characteristic inside a cross: a 5 x 5 grid still prints as one short table
CROSS_CANDIDATES = 8  # the most informative characteristics whose pairs are tried
MIN_GAIN_SHARE = 0.03  # a cross costs the reader a grid of cells: it must cut the inner held-out log-loss by 3%
SEPARATOR = " × "
NEAR_COPY = 0.98  # rank correlation from which two numbers count as one quantity
SHORTLIST = 5  # pairs carried from one greedy round to the next

# (WoE matrix, labels, warm start or None) -> a fitted model with coef_, intercept_ and decision_function
Regression = Callable[[np.ndarray, np.ndarray, np.ndarray | None], Any]


@dataclass(frozen=True)
class CoarseBins:
    """At most ``COARSE_BINS`` bins of one characteristic (optbinning's, or a smoothed two-bin cut)."""

    name: str
    binning: Any  # a fitted optbinning OptimalBinning, or a SplitBins
    labels: tuple[str, ...]  # label of each bin index; the last names missing values

    def indices(self, values: pd.Series) -> np.ndarray:
        """Each value's bin index; missing values the last bin, unseen categories -1."""
        if isinstance(self.binning, SplitBins):
            return self.binning.bin_of(values)
        raw = plain_frame(values.to_frame()).iloc[:, 0].to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = self.binning.transform(
                raw, metric="indices", metric_missing="empirical", metric_special="empirical"
            )
        found = np.asarray(found, dtype=int)
        # optbinning numbers special values n and missing ones n + 1; there are no special codes here
        return np.where(values.isna().to_numpy(), len(self.labels) - 1, found)


def coarse_bins(values: pd.Series, y: np.ndarray, min_bin_size: float, split: SplitBins | None) -> CoarseBins:
    """Cut one characteristic into at most ``COARSE_BINS`` monotonic bins (categories grouped by risk)."""
    if split is not None:
        return CoarseBins(str(values.name), split, split.labels)
    from optbinning import OptimalBinning

    categorical = isinstance(values.dtype, pd.CategoricalDtype)
    binning = OptimalBinning(
        dtype="categorical" if categorical else "numerical",
        max_n_bins=COARSE_BINS,
        min_bin_size=min_bin_size,
        monotonic_trend=None if categorical else "auto_asc_desc",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binning.fit(plain_frame(values.to_frame()).iloc[:, 0].to_numpy(), np.asarray(y, dtype=int))
        built = binning.binning_table.build().drop(index="Totals")
    labels = []
    for label in built["Bin"]:
        if isinstance(label, (list, tuple, np.ndarray, pd.api.extensions.ExtensionArray)):
            label = ", ".join(str(v) for v in label)
        labels.append(str(label))
    labels = [label for label in labels if label != "Special"]  # no special codes: missing is the last
    return CoarseBins(str(values.name), binning, tuple(labels))


@dataclass(frozen=True)
class CrossBins:
    """The cells of two coarsely binned characteristics, each with a smoothed WoE."""

    first: CoarseBins
    second: CoarseBins
    cells: tuple[tuple[int, int], ...]
    counts: tuple[int, ...]
    events: tuple[int, ...]
    woe: tuple[float, ...]
    iv: float

    @property
    def name(self) -> str:
        """The cross's name in the scorecard: both characteristics' names."""
        return f"{self.first.name}{SEPARATOR}{self.second.name}"

    @property
    def features(self) -> tuple[str, str]:
        """The two characteristics crossed."""
        return self.first.name, self.second.name

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Each row's cell WoE (0 for a cell or category not seen in training)."""
        width = len(self.second.labels) + 1
        known = np.array([(a + 1) * width + (b + 1) for a, b in self.cells])  # ascending: cells were sorted
        rows = (self.first.indices(X[self.first.name]) + 1) * width + self.second.indices(X[self.second.name]) + 1
        at = np.clip(np.searchsorted(known, rows), 0, len(known) - 1)
        return np.where(known[at] == rows, np.asarray(self.woe)[at], 0.0)

    def table_rows(self) -> list[dict[str, object]]:
        """The filled cells as scorecard table rows: label, count, event rate and WoE."""
        return [
            {
                "bin": f"{self.first.labels[a]} and {self.second.labels[b]}",
                "count": count,
                "event_rate": events / count if count else math.nan,
                "woe": woe,
            }
            for (a, b), count, events, woe in zip(self.cells, self.counts, self.events, self.woe, strict=True)
        ]


def fit_cross(X: pd.DataFrame, y: np.ndarray, first: CoarseBins, second: CoarseBins) -> CrossBins:
    """The cross of two coarse binnings: counts and smoothed WoE of every cell the rows fill."""
    a, b = first.indices(X[first.name]), second.indices(X[second.name])
    width = len(second.labels) + 1  # indices run from -1 (unseen) to len - 1 (missing)
    codes = (a + 1) * width + (b + 1)  # +1 so that unseen (-1) still gets a distinct cell
    cells, inverse = np.unique(codes, return_inverse=True)
    events = np.bincount(inverse, weights=np.asarray(y, dtype=float)).astype(int)
    counts = np.bincount(inverse)
    woe = smoothed_woe(events, counts - events)
    return CrossBins(
        first=first,
        second=second,
        cells=tuple((int(c // width) - 1, int(c % width) - 1) for c in cells),
        counts=tuple(int(v) for v in counts),
        events=tuple(int(v) for v in events),
        woe=tuple(float(v) for v in woe),
        iv=information_value(events, counts - events),
    )


def _distinct(X: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """The first ``CROSS_CANDIDATES`` candidates, leaving out near copies of one already taken.

    Two names for one quantity (minutes and the charge made from them) would only make the same
    cross twice; numbers closer than ``NEAR_COPY`` in rank correlation count as copies.
    """
    taken: list[str] = []
    ranks: list[np.ndarray] = []
    for name in candidates:
        values = X[name]
        numeric = not isinstance(values.dtype, pd.CategoricalDtype)
        rank = values.rank().fillna(-1).to_numpy(dtype=float) if numeric else None
        if rank is not None and any(abs(np.corrcoef(rank, r)[0, 1]) > NEAR_COPY for r in ranks if r is not None):
            continue
        taken.append(name)
        ranks.append(rank)  # type: ignore[arg-type]
        if len(taken) == CROSS_CANDIDATES:
            break
    return taken


@dataclass(frozen=True)
class InnerFold:
    """One inner fold of the training rows: its rows, the WoE of its kept characteristics, its two-bin cuts."""

    fit_rows: np.ndarray
    held_rows: np.ndarray
    woe_fit: np.ndarray
    woe_held: np.ndarray
    cuts: dict[str, SplitBins]


def choose_crosses(
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Sequence[InnerFold],
    candidates: Sequence[str],
    regression: Regression,
    *,
    max_crosses: int,
    min_bin_size: float,
) -> list[tuple[str, str]]:
    """Pairs of characteristics to cross, added greedily while each cuts the inner held-out log-loss by 3%.

    Every cross is binned on the fitting part of a fold and judged on its held-out part, so the
    choice never sees a held-out label.
    """
    if max_crosses <= 0 or len(candidates) < 2:
        return []
    names = _distinct(X, candidates)
    # each characteristic's coarse bin of every row, per fold: (fitting rows, held-out rows, bin count)
    found: list[dict[str, tuple[np.ndarray, np.ndarray, int]]] = []
    for fold in folds:
        per_name = {}
        for n in names:
            bins = coarse_bins(X[n].iloc[fold.fit_rows], y[fold.fit_rows], min_bin_size, fold.cuts.get(n))
            fit, held = bins.indices(X[n].iloc[fold.fit_rows]), bins.indices(X[n].iloc[fold.held_rows])
            per_name[n] = (fit, held, len(bins.labels))
        found.append(per_name)
    cross_woe: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
    for pair in itertools.combinations(names, 2):
        cross_woe[pair] = [
            _cell_woe(bins[pair[0]], bins[pair[1]], y[fold.fit_rows]) for fold, bins in zip(folds, found, strict=True)
        ]

    def loss(pairs: list[tuple[str, str]], starts: list[np.ndarray] | None) -> tuple[float, list[np.ndarray]]:
        """Mean held-out log-loss with these crosses, and each fold's fitted coefficients and intercept."""
        total, fitted = 0.0, []
        for index, fold in enumerate(folds):
            fit = np.column_stack([fold.woe_fit, *[cross_woe[p][index][0] for p in pairs]])
            held = np.column_stack([fold.woe_held, *[cross_woe[p][index][1] for p in pairs]])
            start = None
            if starts is not None:  # the fit without the new cross, its coefficient starting at 0
                added = fit.shape[1] + 1 - len(starts[index])
                start = np.concatenate([starts[index][:-1], np.zeros(added), starts[index][-1:]])
            model = regression(fit, y[fold.fit_rows], start)
            fitted.append(np.append(model.coef_[0], model.intercept_))
            z = model.decision_function(held)
            total += float(np.sum(log_losses(y[fold.held_rows], z)))
        return total / sum(len(f.held_rows) for f in folds), fitted

    chosen: list[tuple[str, str]] = []
    current, thetas = loss(chosen, None)
    while len(chosen) < max_crosses:
        options = [p for p in cross_woe if p not in chosen]
        if not options:
            break
        scored = sorted(((*loss([*chosen, p], thetas), p) for p in options), key=lambda item: item[0])
        best_loss, best_thetas, best = scored[0]
        if best_loss > current * (1 - MIN_GAIN_SHARE):
            break
        chosen.append(best)
        current, thetas = best_loss, best_thetas
        # the next round tries only the runners-up of this one: a weak pair rarely turns strong beside another
        shortlist = [p for _, _, p in scored[1 : SHORTLIST + 1]]
        cross_woe = {p: cross_woe[p] for p in [*chosen, *shortlist]}
    return chosen


def _cell_woe(
    first: tuple[np.ndarray, np.ndarray, int], second: tuple[np.ndarray, np.ndarray, int], y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed cell WoE of the fitting rows and of the held-out rows (0 for a cell the fitting rows never fill)."""
    width = second[2] + 1
    fit = (first[0] + 1) * width + second[0] + 1
    held = (first[1] + 1) * width + second[1] + 1
    cells, inverse = np.unique(fit, return_inverse=True)
    events = np.bincount(inverse, weights=np.asarray(y, dtype=float))
    woe = smoothed_woe(events, np.bincount(inverse) - events)
    at = np.clip(np.searchsorted(cells, held), 0, len(cells) - 1)
    return woe[inverse], np.where(cells[at] == held, woe[at], 0.0)
