"""Arithmetic in business time: working hours in a calendar's time zone, minus holidays.

Pure functions over a :class:`WorkingCalendar`; the SLA clock and the appointment book both use
them. Every datetime in and out is timezone-aware; local wall-clock hours are turned into
instants with ``zoneinfo`` so a daylight-saving change moves the opening hour correctly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from guanxi.errors import ValidationFailed

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WEEK: dict[str, tuple[str, str]] = {day: ("09:00", "17:00") for day in WEEKDAYS[:5]}
# Searching further than ten years for working time means the calendar has none.
_MAX_DAYS = 3660


def _parse_time(text: str, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(f"{where}: '{text}' is not a time of day (HH:MM)", code="bad_calendar") from exc


@dataclass(frozen=True)
class WorkingCalendar:
    """Opening hours per weekday in a time zone, and the days the bank is closed."""

    timezone: str
    week: dict[int, tuple[dt.time, dt.time]]
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def from_config(
        cls, *, timezone: str, week: dict[str, list[str] | tuple[str, str]], holidays: frozenset[dt.date] = frozenset()
    ) -> WorkingCalendar:
        """Build a calendar from ``{"mon": ["09:00", "17:00"], ...}``; errors name the bad entry."""
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationFailed(f"timezone: '{timezone}' is not a known time zone", code="bad_calendar") from exc
        hours: dict[int, tuple[dt.time, dt.time]] = {}
        for day, span in week.items():
            if day not in WEEKDAYS:
                raise ValidationFailed(f"week: '{day}' is not a weekday ({', '.join(WEEKDAYS)})", code="bad_calendar")
            if len(span) != 2:
                raise ValidationFailed(f"week.{day}: give [opening, closing]", code="bad_calendar")
            opens, closes = _parse_time(span[0], f"week.{day}"), _parse_time(span[1], f"week.{day}")
            if closes <= opens:
                raise ValidationFailed(
                    f"week.{day}: closes ({span[1]}) before it opens ({span[0]})", code="bad_calendar"
                )
            hours[WEEKDAYS.index(day)] = (opens, closes)
        if not hours:
            raise ValidationFailed("week: a calendar needs at least one working day", code="bad_calendar")
        return cls(timezone=timezone, week=hours, holidays=holidays)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    def working_spans(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working periods (UTC) from ``start`` on, in order; the first is clipped to ``start``."""
        _require_aware(start)
        zone = self.zone
        day = start.astimezone(zone).date()
        for _ in range(_MAX_DAYS):
            hours = self.week.get(day.weekday())
            if hours is not None and day not in self.holidays:
                opens = dt.datetime.combine(day, hours[0], tzinfo=zone).astimezone(dt.UTC)
                closes = dt.datetime.combine(day, hours[1], tzinfo=zone).astimezone(dt.UTC)
                if closes > start:
                    yield max(opens, start), closes
            day += dt.timedelta(days=1)


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("business time needs timezone-aware datetimes")


def business_seconds_between(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Working seconds from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
    _require_aware(end)
    if end <= start:
        return 0
    total = 0.0
    for opens, closes in calendar.working_spans(start):
        if opens >= end:
            break
        total += (min(closes, end) - opens).total_seconds()
    return int(total)


def add_business_seconds(calendar: WorkingCalendar, start: dt.datetime, seconds: int) -> dt.datetime:
    """The instant ``seconds`` of working time after ``start`` (UTC)."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    remaining = dt.timedelta(seconds=seconds)
    for opens, closes in calendar.working_spans(start):
        span = closes - opens
        if remaining <= span:
            # Time that runs out exactly at closing is due at closing, not at the next opening.
            return opens + remaining
        remaining -= span
    raise ValidationFailed("the calendar has no working time in the next ten years", code="bad_calendar")


def is_working_time(calendar: WorkingCalendar, moment: dt.datetime) -> bool:
    """Whether ``moment`` falls inside opening hours on a working day."""
    first = next(calendar.working_spans(moment), None)
    return first is not None and first[0] == moment and moment < first[1]
