"""Free slots: working hours cut into slots, the booking rules a start must pass, and what is free.

A slot is ``SLOT_MINUTES`` long and starts on the grid of the governing calendar's opening hours
(the relationship manager's branch calendar, or the branch's own): opening time, then every
``SLOT_MINUTES`` while a whole slot fits before closing. What is booked is a *resource*:
``staff:<id>`` or ``branch:<id>``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from guanxi.appointments.models import Appointment
from guanxi.appointments.schemas import AppointmentStatus, Availability, Slot
from guanxi.calendars.business_time import WorkingCalendar
from guanxi.calendars.service import working_calendar
from guanxi.clock import now
from guanxi.errors import NotFound, ValidationFailed
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.team.models import Branch, Staff

# Every slot is half an hour: long enough for a review with an RM, short enough to fill a day.
SLOT_MINUTES = 30
SLOT = dt.timedelta(minutes=SLOT_MINUTES)
# Bookings open this far ahead; further out, staff rotas are not known yet.
BOOKING_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Bookable:
    """What is booked (a member of staff or a branch) and the calendar that governs its slots."""

    resource: str
    staff_id: int | None
    branch_id: int | None
    calendar: WorkingCalendar


def resolve_bookable(session: Session, *, staff_id: int | None, branch_id: int | None) -> Bookable:
    """The relationship manager or branch a booking names; exactly one of the two must be given."""
    if (staff_id is None) == (branch_id is None):
        raise ValidationFailed(
            "name either a member of staff (staff_id) or a branch (branch_id)",
            code="resource_required",
            details={"staff_id": staff_id, "branch_id": branch_id},
        )
    if staff_id is not None:
        staff = session.get(Staff, staff_id)
        if staff is None or not staff.active:
            raise NotFound(
                f"no active member of staff with id {staff_id}", code="staff_not_found", details={"staff_id": staff_id}
            )
        return Bookable(f"staff:{staff.id}", staff.id, staff.branch_id, working_calendar(session, staff.branch_id))
    if session.get(Branch, branch_id) is None:
        raise NotFound(f"no branch with id {branch_id}", code="branch_not_found", details={"branch_id": branch_id})
    return Bookable(f"branch:{branch_id}", None, branch_id, working_calendar(session, branch_id))


def day_spans(calendar: WorkingCalendar, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The calendar's working periods (UTC) on ``day`` in its own time zone; none on a closed day."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=calendar.zone).astimezone(dt.UTC)
    spans = []
    for opens, closes in calendar.working_spans(start):
        if opens.astimezone(calendar.zone).date() != day:
            break
        spans.append((opens, closes))
    return spans


def slot_grid(calendar: WorkingCalendar, day: dt.date) -> list[dt.datetime]:
    """Every slot start of ``day``: from each opening, every ``SLOT_MINUTES`` while a slot still fits."""
    starts = []
    for opens, closes in day_spans(calendar, day):
        at = opens
        while at + SLOT <= closes:
            starts.append(at)
            at += SLOT
    return starts


def check_slot(calendar: WorkingCalendar, starts_at: dt.datetime, *, at: dt.datetime) -> None:
    """Refuse a start in the past, beyond the horizon, outside opening hours, or off the slot grid."""
    when = {"starts_at": starts_at.isoformat()}
    if starts_at <= at:
        raise ValidationFailed(f"{starts_at.isoformat()} is in the past", code="in_the_past", details=when)
    if starts_at > at + dt.timedelta(days=BOOKING_HORIZON_DAYS):
        raise ValidationFailed(
            f"bookings open {BOOKING_HORIZON_DAYS} days ahead; {starts_at.date().isoformat()} is further out",
            code="too_far_ahead",
            details=when | {"horizon_days": BOOKING_HORIZON_DAYS},
        )
    local = starts_at.astimezone(calendar.zone)
    span = next((s for s in day_spans(calendar, local.date()) if s[0] <= starts_at < s[1]), None)
    if span is None:
        raise ValidationFailed(
            f"{local:%Y-%m-%d %H:%M} ({calendar.timezone}) is outside working hours",
            code="outside_working_hours",
            details=when,
        )
    if (starts_at - span[0]) % SLOT or starts_at + SLOT > span[1]:
        raise ValidationFailed(
            f"{local:%H:%M} is not the start of a {SLOT_MINUTES}-minute slot (slots start at "
            f"{span[0].astimezone(calendar.zone):%H:%M} and every {SLOT_MINUTES} minutes after)",
            code="not_a_slot",
            details=when | {"slot_minutes": SLOT_MINUTES},
        )


def booked_on(resource: str) -> ColumnElement[bool]:
    """A condition on ``Appointment`` for the booked appointments of ``resource``."""
    return (Appointment.resource == resource) & (Appointment.status == AppointmentStatus.BOOKED.value)


def available_slots(
    *, session: Session, actor: Actor, day: dt.date, staff_id: int | None = None, branch_id: int | None = None
) -> Availability:
    """The free slots of a relationship manager or a branch on ``day``: working hours cut into slots,
    less booked ones, never in the past nor beyond the booking horizon."""
    actor.require(Permission.CUSTOMER_READ)
    bookable = resolve_bookable(session, staff_id=staff_id, branch_id=branch_id)
    at = now()
    horizon = at + dt.timedelta(days=BOOKING_HORIZON_DAYS)
    slots: list[Slot] = []
    # Only days that can hold a bookable slot are worked out (a year-9999 day would overflow).
    if (at - dt.timedelta(days=1)).date() <= day <= (horizon + dt.timedelta(days=1)).date():
        grid = [start for start in slot_grid(bookable.calendar, day) if at < start <= horizon]
        taken = (
            set(
                session.scalars(
                    select(Appointment.starts_at).where(
                        booked_on(bookable.resource), Appointment.starts_at.between(grid[0], grid[-1])
                    )
                )
            )
            if grid
            else set()
        )
        slots = [Slot(starts_at=start, ends_at=start + SLOT) for start in grid if start not in taken]
    return Availability(
        resource=bookable.resource,
        day=day,
        timezone=bookable.calendar.timezone,
        slot_minutes=SLOT_MINUTES,
        slots=slots,
    )
