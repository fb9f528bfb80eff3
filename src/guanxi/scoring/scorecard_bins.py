"""Smoothed two-bin characteristics for what optimal binning throws away.

optbinning merges every pre-bin without events (or without non-events) into a neighbour, because
such a bin's WoE is infinite. A 0/1 flag whose 0 group never has the event then ends as one bin
with an information value of 0 and is dropped, however much it says: "not eligible" rules the
event out. Here such a characteristic gets one split (the best by information value, each side
holding at least ``min_bin_size`` of the rows) and a WoE from counts with half an event and half
a non-event added to every bin, which is finite and barely moves the WoE of a well-filled bin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SMOOTHING = 0.5  # added to the events and to the non-events of every bin (Jeffreys-style)
MAX_THRESHOLDS = 256  # candidate splits of a number: its distinct values, or this many quantiles


def smoothed_woe(events: np.ndarray, nonevents: np.ndarray) -> np.ndarray:
    """ln(share of non-events / share of events) per bin, counts smoothed; high where the event is rare."""
    events = np.asarray(events, dtype=float) + SMOOTHING
    nonevents = np.asarray(nonevents, dtype=float) + SMOOTHING
    return np.log((nonevents / nonevents.sum()) / (events / events.sum()))


def information_value(events: np.ndarray, nonevents: np.ndarray) -> float:
    """The bins' information value from smoothed counts."""
    e = np.asarray(events, dtype=float) + SMOOTHING
    n = np.asarray(nonevents, dtype=float) + SMOOTHING
    return float(np.sum((n / n.sum() - e / e.sum()) * smoothed_woe(events, nonevents)))


@dataclass(frozen=True)
class SplitBins:
    """A characteristic cut in two (plus a bin for missing values), with smoothed WoE per bin.

    Numbers go to the low bin below ``threshold``; categories go to the bin whose levels name them
    (``low_levels`` or ``high_levels``). Bin 2 holds missing values; a category never seen in training gets WoE 0.
    """

    name: str
    threshold: float | None
    low_levels: tuple[str, ...] | None
    high_levels: tuple[str, ...] | None
    labels: tuple[str, str, str]
    counts: tuple[int, int, int]
    events: tuple[int, int, int]
    woe: tuple[float, float, float]
    iv: float

    def bin_of(self, values: pd.Series) -> np.ndarray:
        """Each value's bin: 0 low, 1 high, 2 missing, -1 a category not seen in training."""
        missing = values.isna().to_numpy()
        if self.threshold is not None:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            side = np.where(numbers < self.threshold, 0, 1)
        else:
            text = values.astype(object).where(values.notna(), None).map(lambda v: None if v is None else str(v))
            low = set(self.low_levels or ())
            high = set(self.high_levels or ())
            side = np.array([0 if v in low else (1 if v in high else -1) for v in text], dtype=int)
        return np.where(missing, 2, side)

    def transform(self, values: pd.Series) -> np.ndarray:
        """Each value's smoothed WoE (0 for a category not seen in training, as optbinning does)."""
        bins = self.bin_of(values)
        woe = np.append(np.asarray(self.woe, dtype=float), 0.0)  # index -1 reads the appended 0
        return woe[bins]

    def table_rows(self) -> list[dict[str, object]]:
        """The bins as scorecard table rows: label, count, event rate and WoE (the missing bin only if filled)."""
        rows: list[dict[str, object]] = []
        for index, label in enumerate(self.labels):
            count = self.counts[index]
            if index == 2 and count == 0:
                continue
            rows.append(
                {
                    "bin": label,
                    "count": count,
                    "event_rate": self.events[index] / count if count else math.nan,
                    "woe": self.woe[index],
                }
            )
        return rows


def split_bins(name: str, values: pd.Series, y: np.ndarray, min_bin_size: float) -> SplitBins | None:
    """The two-bin cut of one characteristic with the highest smoothed information value, if any is allowed."""
    y = np.asarray(y, dtype=int)
    missing = values.isna().to_numpy()
    present_y = y[~missing]
    floor = max(1, math.ceil(min_bin_size * len(y)))
    if len(present_y) < 2 * floor:
        return None
    categorical = isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object
    if categorical:
        text = values[~missing].astype(str).to_numpy()
        levels, codes = np.unique(text, return_inverse=True)
        level_events = np.bincount(codes, weights=present_y, minlength=len(levels))
        level_rows = np.bincount(codes, minlength=len(levels)).astype(float)
        # levels ordered by their smoothed event rate, so that a cut in this order separates risk
        order = np.argsort((level_events + SMOOTHING) / (level_rows + 2 * SMOOTHING), kind="mergesort")
        rows_sorted, events_sorted = level_rows[order], level_events[order]
    else:
        numbers = pd.to_numeric(values[~missing], errors="coerce").to_numpy(dtype=float)
        distinct, codes = np.unique(numbers, return_inverse=True)
        rows_sorted = np.bincount(codes, minlength=len(distinct)).astype(float)
        events_sorted = np.bincount(codes, weights=present_y, minlength=len(distinct))
    if len(rows_sorted) < 2:
        return None
    cum_rows, cum_events = np.cumsum(rows_sorted)[:-1], np.cumsum(events_sorted)[:-1]
    allowed = np.flatnonzero((cum_rows >= floor) & (cum_rows <= len(present_y) - floor))
    if len(allowed) > MAX_THRESHOLDS:
        allowed = allowed[np.linspace(0, len(allowed) - 1, MAX_THRESHOLDS).round().astype(int)]
    if not len(allowed):
        return None
    missing_events, missing_rows = float(y[missing].sum()), float(missing.sum())
    total_events = float(present_y.sum())
    best: tuple[float, int] | None = None
    for cut in allowed:
        events = np.array([cum_events[cut], total_events - cum_events[cut], missing_events])
        rows = np.array([cum_rows[cut], len(present_y) - cum_rows[cut], missing_rows])
        keep = rows > 0  # an empty missing bin is no bin
        iv = information_value(events[keep], (rows - events)[keep])
        if best is None or iv > best[0]:
            best = (iv, int(cut))
    assert best is not None
    iv, cut = best
    events = np.array([cum_events[cut], total_events - cum_events[cut], missing_events])
    rows = np.array([cum_rows[cut], len(present_y) - cum_rows[cut], missing_rows])
    keep = rows > 0
    woe = np.zeros(3)
    woe[keep] = smoothed_woe(events[keep], (rows - events)[keep])
    if categorical:
        low = tuple(str(v) for v in levels[order][: cut + 1])
        high = tuple(str(v) for v in levels[order][cut + 1 :])
        threshold, labels = None, (", ".join(low), ", ".join(high), "Missing")
        low_levels: tuple[str, ...] | None = low
        high_levels: tuple[str, ...] | None = high
    else:
        # halfway between the last value below the cut and the first above it
        threshold = float((distinct[cut] + distinct[cut + 1]) / 2)
        labels = (f"(-inf, {threshold:g})", f"[{threshold:g}, inf)", "Missing")
        low_levels = high_levels = None
    return SplitBins(
        name=name,
        threshold=threshold,
        low_levels=low_levels,
        high_levels=high_levels,
        labels=labels,
        counts=(int(rows[0]), int(rows[1]), int(rows[2])),
        events=(int(events[0]), int(events[1]), int(events[2])),
        woe=(float(woe[0]), float(woe[1]), float(woe[2])),
        iv=iv,
    )


def single_bin(binning: Any, name: str) -> bool:
    """Whether optbinning left a characteristic with one bin of values (missing and special aside)."""
    splits = binning.get_binned_variable(name).splits
    categorical = binning.get_binned_variable(name).dtype == "categorical"
    return len(splits) <= (1 if categorical else 0)


def fallback_bins(
    X: pd.DataFrame, y: np.ndarray, binning: Any, *, min_iv: float, min_bin_size: float
) -> dict[str, SplitBins]:
    """Smoothed two-bin cuts for the characteristics optbinning left as one bin, where the cut reaches the IV floor.

    One bin is what optbinning returns when merging pure pre-bins leaves nothing to split (a flag
    whose one side never has the event); a characteristic it did cut keeps its own bins.
    """
    out: dict[str, SplitBins] = {}
    for name in X.columns:
        if not single_bin(binning, str(name)):
            continue
        bins = split_bins(str(name), X[name], y, min_bin_size)
        if bins is not None and bins.iv >= min_iv:
            out[str(name)] = bins
    return out
