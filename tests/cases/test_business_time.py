"""Business-time arithmetic: opening hours, holidays, daylight saving, and bad calendars."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from guanxi.calendars.business_time import (
    WorkingCalendar,
    add_business_seconds,
    business_seconds_between,
    is_working_time,
)
from guanxi.errors import ValidationFailed

WEEK = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
LONDON = ZoneInfo("Europe/London")


def london(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_config(timezone="Europe/London", week=WEEK, holidays=frozenset({dt.date(2026, 4, 3)}))


def test_time_added_at_closing_starts_at_the_next_opening(calendar):
    # given Monday 30 March 2026 at 17:00 (the clocks went forward on Sunday)
    # when one business hour is added
    due = add_business_seconds(calendar, london(3, 30, 17), 3600)
    # then it is due at 10:00 on Tuesday, local time
    assert due == london(3, 31, 10).astimezone(dt.UTC)


def test_time_that_runs_out_at_closing_is_due_at_closing(calendar):
    assert add_business_seconds(calendar, london(3, 30, 9), 8 * 3600) == london(3, 30, 17).astimezone(dt.UTC)


def test_a_holiday_and_a_weekend_are_skipped(calendar):
    # given Thursday 2 April 16:00, with Good Friday (3 April) a holiday
    # when two business hours are added
    due = add_business_seconds(calendar, london(4, 2, 16), 2 * 3600)
    # then the second hour is worked on Monday 6 April
    assert due == london(4, 6, 10).astimezone(dt.UTC)


def test_business_seconds_between_counts_only_working_time(calendar):
    assert business_seconds_between(calendar, london(4, 2, 16), london(4, 6, 10)) == 2 * 3600
    assert business_seconds_between(calendar, london(4, 6, 10), london(4, 2, 16)) == 0
    assert business_seconds_between(calendar, london(4, 4, 10), london(4, 5, 18)) == 0


def test_daylight_saving_keeps_local_opening_hours():
    # given a calendar open on Sunday 29 March 2026, the day the UK clocks go forward at 01:00
    calendar = WorkingCalendar.from_config(timezone="Europe/London", week={"sun": ["00:00", "04:00"]})
    # then that Sunday has three working hours, not four
    assert business_seconds_between(calendar, london(3, 29, 0), london(3, 29, 4)) == 3 * 3600


def test_is_working_time(calendar):
    assert is_working_time(calendar, london(3, 30, 9)) is True
    assert is_working_time(calendar, london(3, 30, 17)) is False
    assert is_working_time(calendar, london(4, 3, 11)) is False


def test_naive_datetimes_are_refused(calendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_seconds(calendar, dt.datetime(2026, 3, 30, 9), 60)


@pytest.mark.parametrize(
    ("timezone", "week", "message"),
    [
        ("Mars/Olympus", WEEK, "timezone: 'Mars/Olympus' is not a known time zone"),
        ("UTC", {"funday": ["09:00", "17:00"]}, "week: 'funday' is not a weekday (mon, tue, wed, thu, fri, sat, sun)"),
        ("UTC", {"mon": ["17:00", "09:00"]}, "week.mon: closes (09:00) before it opens (17:00)"),
        ("UTC", {"mon": ["9 am", "17:00"]}, "week.mon: '9 am' is not a time of day (HH:MM)"),
        ("UTC", {"mon": ["09:00"]}, "week.mon: give [opening, closing]"),
        ("UTC", {}, "week: a calendar needs at least one working day"),
    ],
)
def test_bad_calendars_are_refused_with_the_entry_named(timezone, week, message):
    with pytest.raises(ValidationFailed) as raised:
        WorkingCalendar.from_config(timezone=timezone, week=week)
    assert (raised.value.code, raised.value.message) == ("bad_calendar", message)
