"""Business calendars: the bank's default and per-branch opening hours, holidays; audited writes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import Auditable, record
from guanxi.calendars.business_time import DEFAULT_WEEK, WorkingCalendar
from guanxi.calendars.models import BusinessCalendar, Holiday
from guanxi.config import get_settings
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound

DEFAULT_CALENDAR = "default"


def working_calendar(session: Session, branch_id: int | None = None) -> WorkingCalendar:
    """The calendar that governs ``branch_id`` (its own, else the bank's default, else built in)."""
    stored = None
    if branch_id is not None:
        stored = session.scalar(select(BusinessCalendar).where(BusinessCalendar.branch_id == branch_id))
    if stored is None:
        stored = session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == DEFAULT_CALENDAR))
    if stored is None:
        return WorkingCalendar.from_config(timezone=get_settings().timezone, week=DEFAULT_WEEK)
    holidays = frozenset(session.scalars(select(Holiday.day).where(Holiday.calendar_id == stored.id)))
    return WorkingCalendar.from_config(timezone=stored.timezone, week=stored.week, holidays=holidays)


def list_calendars(*, session: Session) -> list[BusinessCalendar]:
    """Every stored calendar, the default first."""
    return list(
        session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.branch_id.is_not(None), BusinessCalendar.id))
    )


def list_holidays(*, session: Session, calendar_id: int) -> list[Holiday]:
    """A calendar's holidays by date."""
    return list(session.scalars(select(Holiday).where(Holiday.calendar_id == calendar_id).order_by(Holiday.day)))


def get_calendar_or_raise(*, session: Session, calendar_id: int) -> BusinessCalendar:
    """The calendar with ``calendar_id``; ``NotFound`` otherwise."""
    calendar = session.get(BusinessCalendar, calendar_id)
    if calendar is None:
        raise NotFound(f"no calendar with id {calendar_id}", details={"calendar_id": calendar_id})
    return calendar


@use_case
def save_calendar(
    *,
    session: Session,
    actor: Auditable,
    name: str,
    timezone: str,
    week: dict[str, list[str]],
    branch_id: int | None = None,
) -> BusinessCalendar:
    """Create or replace the opening hours of calendar ``name``; the hours are checked first."""
    WorkingCalendar.from_config(timezone=timezone, week=week)
    calendar = session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == name))
    if calendar is None:
        if branch_id is not None and session.scalar(
            select(BusinessCalendar.id).where(BusinessCalendar.branch_id == branch_id)
        ):
            raise Conflict(f"branch {branch_id} already has a calendar", code="calendar_exists")
        calendar = BusinessCalendar(name=name, branch_id=branch_id, timezone=timezone, week=week)
        session.add(calendar)
    else:
        calendar.timezone, calendar.week = timezone, week
    session.flush()
    record(
        session=session,
        actor=actor,
        action="calendar.save",
        entity="business_calendar",
        entity_id=calendar.id,
        data={"name": name, "timezone": timezone, "week": week, "branch_id": branch_id},
    )
    return calendar


@use_case
def add_holiday(*, session: Session, actor: Auditable, calendar_id: int, day: dt.date, name: str) -> Holiday:
    """Close a calendar on ``day``; a second holiday on the same day is a conflict."""
    get_calendar_or_raise(session=session, calendar_id=calendar_id)
    if session.scalar(select(Holiday.id).where(Holiday.calendar_id == calendar_id, Holiday.day == day)):
        raise Conflict(f"{day.isoformat()} is already a holiday in calendar {calendar_id}", code="holiday_exists")
    holiday = Holiday(calendar_id=calendar_id, day=day, name=name)
    session.add(holiday)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="calendar.holiday.add",
        entity="business_calendar",
        entity_id=calendar_id,
        data={"day": day.isoformat(), "name": name},
    )
    return holiday
