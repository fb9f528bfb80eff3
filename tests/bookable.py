"""A day the API test bank can take bookings on: its calendar opens on Mondays only, and bookings
open a limited number of days ahead, so the day is worked out from today."""

from __future__ import annotations

import datetime as dt

from guanxi.clock import today


def bookable_monday(start: dt.date | None = None) -> dt.date:
    """The first Monday at least two weeks after ``start`` (default: today, UTC)."""
    earliest = (start or today()) + dt.timedelta(days=14)
    return earliest + dt.timedelta(days=(7 - earliest.weekday()) % 7)
