"""The history window: its days and months, seasonality, and times of day.

Days are counted from the start of the history (offset 0) and converted to epoch days or
seconds only when written. Each activity follows a day-weight *profile*: shopping peaks before
Chinese New Year, in Golden Week, on 11.11 and in December; business payments stop on holidays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

EPOCH = dt.date(1970, 1, 1)
DAY = 86_400

# Spring Festival (春节) dates; the lunar calendar cannot be derived cheaply, so they are listed.
CHINESE_NEW_YEAR = {
    2015: (2, 19),
    2016: (2, 8),
    2017: (1, 28),
    2018: (2, 16),
    2019: (2, 5),
    2020: (1, 25),
    2021: (2, 12),
    2022: (2, 1),
    2023: (1, 22),
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
    2031: (1, 23),
    2032: (2, 11),
    2033: (1, 31),
    2034: (2, 19),
    2035: (2, 8),
}

PROFILES = ("spend", "online", "cash", "business", "digital", "flat")

# Relative weight of each hour of the day, per kind of activity.
HOURS = {
    "retail": [1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 3, 5, 6, 7, 9, 12, 10, 8, 8, 9, 10, 13, 14, 12, 9, 5, 2],
    "online": [5, 3, 2, 1, 1, 1, 2, 3, 5, 6, 6, 7, 9, 8, 7, 7, 7, 8, 9, 11, 13, 14, 12, 8],
    "office": [0, 0, 0, 0, 0, 0, 0, 1, 4, 9, 10, 10, 6, 8, 10, 10, 9, 6, 2, 1, 0, 0, 0, 0],
    "branch": [0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 10, 7, 7, 9, 9, 8, 0, 0, 0, 0, 0, 0, 0],
    "evening": [3, 1, 0.5, 0.3, 0.3, 0.5, 2, 6, 8, 6, 5, 5, 8, 7, 5, 5, 5, 6, 7, 10, 12, 13, 11, 7],
    "batch": [0, 6, 10, 10, 8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "morning": [0, 0, 0, 0, 0, 0, 1, 4, 10, 8, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
}
# Hour lookup tables: 4,096 equal slices of probability each mapped to an hour, so drawing an
# hour is one gather instead of a binary search.
_HOUR_TABLE = {
    k: np.searchsorted(np.cumsum(v) / np.sum(v), (np.arange(4096) + 0.5) / 4096, side="right").clip(max=23)
    for k, v in HOURS.items()
}


def epoch_day(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def to_date(day: int) -> dt.date:
    """The date ``day`` days after 1970-01-01."""
    return EPOCH + dt.timedelta(days=int(day))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))


def first_of_current_month() -> dt.date:
    """The first day of the current UTC month."""
    today = dt.datetime.now(dt.UTC).date()
    return today.replace(day=1)


def _civil(epoch_days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = epoch_days.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month0 = d.astype("datetime64[M]")
    month = month0.astype(np.int64) % 12 + 1
    dom = (d - month0.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, dom


@dataclass(frozen=True)
class History:
    """The months covered by a generated extract, with seasonal day weights."""

    start: dt.date
    end: dt.date
    months: int
    start_day: int  # epoch day of ``start``
    days: int
    month_start: np.ndarray  # offset of each month's first day, plus ``days`` at the end
    calendar_month: np.ndarray  # 1..12 for each history month
    weekday: np.ndarray  # 0 = Monday, per day
    weights: dict[str, np.ndarray]
    cdf: dict[str, np.ndarray]
    season: dict[str, np.ndarray]  # mean day weight per month, per profile

    @classmethod
    def build(cls, end: dt.date, months: int) -> History:
        """Describe the ``months`` months before ``end`` (exclusive)."""
        start = add_months(end, -months)
        start_day = epoch_day(start)
        days = epoch_day(end) - start_day
        month_start = np.array([epoch_day(add_months(start, k)) - start_day for k in range(months + 1)])
        absolute = np.arange(days, dtype=np.int64) + start_day
        year, month, dom = _civil(absolute)
        weekday = (absolute + 3) % 7  # 1970-01-01 was a Thursday
        weights = _profiles(absolute, year, month, dom, weekday)
        cdf = {k: np.concatenate([[0.0], np.cumsum(w)]) for k, w in weights.items()}
        season = {
            k: np.array([w[month_start[m] : month_start[m + 1]].mean() for m in range(months)])
            for k, w in weights.items()
        }
        cal_month = np.array([add_months(start, k).month for k in range(months)])
        return cls(start, end, months, start_day, days, month_start, cal_month, weekday, weights, cdf, season)

    @property
    def end_day(self) -> int:
        """Epoch day of the exclusive end."""
        return self.start_day + self.days

    def month_of(self, offsets: np.ndarray) -> np.ndarray:
        """History month of each day offset (clipped to the window)."""
        return (np.searchsorted(self.month_start, offsets, side="right") - 1).clip(0, self.months - 1)

    def sample_days(self, rng: np.random.Generator, month: np.ndarray, profile: str) -> np.ndarray:
        """A day offset inside each given month, drawn by the profile's day weights."""
        cdf = self.cdf[profile]
        lo = cdf[self.month_start[month]]
        hi = cdf[self.month_start[month + 1]]
        target = lo + rng.random(len(month)) * (hi - lo)
        day = np.searchsorted(cdf, target, side="right") - 1
        return day.clip(self.month_start[month], self.month_start[month + 1] - 1)

    def day_of_month(self, month: np.ndarray, dom: np.ndarray, business: bool = False) -> np.ndarray:
        """Offset of day ``dom`` (1-based, clamped) of each month; weekends moved to Friday if ``business``."""
        lo = self.month_start[month]
        hi = self.month_start[month + 1] - 1
        day = np.minimum(lo + np.asarray(dom) - 1, hi)
        if business:
            wd = self.weekday[day]
            back = np.where(wd == 5, 1, np.where(wd == 6, 2, 0))
            moved = day - back
            day = np.where(moved >= lo, moved, day + (7 - wd) % 7)
            day = np.minimum(day, hi)
        return day

    def seconds(self, rng: np.random.Generator, day: np.ndarray, hours: str) -> np.ndarray:
        """Epoch seconds at a random time of ``day`` (offsets), hours drawn by an hour profile."""
        draw = rng.integers(0, 4096 * 3600, len(day))
        hour = _HOUR_TABLE[hours][draw // 3600]
        return (day + self.start_day) * DAY + hour * 3600 + draw % 3600


def _window(weights: np.ndarray, absolute: np.ndarray, center: int, lo: int, hi: int, factor: float) -> None:
    mask = (absolute >= center + lo) & (absolute <= center + hi)
    weights[mask] *= factor


def _profiles(
    absolute: np.ndarray, year: np.ndarray, month: np.ndarray, dom: np.ndarray, weekday: np.ndarray
) -> dict[str, np.ndarray]:
    weekend = weekday >= 5
    w = {k: np.ones(len(absolute)) for k in PROFILES}
    w["spend"][weekend] *= 1.2
    w["online"][weekend] *= 1.1
    w["cash"][weekend] *= 1.1
    w["digital"][weekend] *= 1.1
    w["business"][weekend] *= 0.15
    for y in np.unique(year):
        mm, dd = CHINESE_NEW_YEAR.get(int(y), (2, 1))
        cny = epoch_day(dt.date(int(y), mm, dd))
        # The fortnight before the festival is the biggest shopping and cash (红包) peak.
        _window(w["spend"], absolute, cny, -14, -1, 1.6)
        _window(w["online"], absolute, cny, -21, -1, 1.3)
        _window(w["cash"], absolute, cny, -10, -1, 2.2)
        _window(w["digital"], absolute, cny, -3, 3, 1.3)
        _window(w["business"], absolute, cny, 0, 6, 0.1)
        _window(w["spend"], absolute, cny, 0, 6, 0.9)
    golden = (month == 10) & (dom <= 7)
    labour = (month == 5) & (dom <= 5)
    for k, f in (("spend", 1.5), ("online", 1.1), ("cash", 1.2), ("business", 0.2)):
        w[k][golden] *= f
        w[k][labour] *= 1 + (f - 1) * 0.6
    singles = (month == 11) & (dom >= 10) & (dom <= 12)
    w["online"][singles] *= np.where(dom[singles] == 11, 3.0, 1.6)
    w["spend"][singles] *= 1.2
    w["online"][(month == 6) & (dom == 18)] *= 2.0
    december = (month == 12) & (dom >= 15)
    w["spend"][december] *= 1.3
    w["online"][december] *= 1.3
    return w
