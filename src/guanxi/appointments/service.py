"""Appointment use cases: booking without double booking, reminders, the workflow, rescheduling.

Which starts are slots, and which are free, is ``slots.py``. What cannot be double-booked is the
appointment's *resource* (``staff:<id>`` or ``branch:<id>``): the partial unique index on booked
appointments makes the second of two concurrent bookings of one slot fail inside the database,
and that failure is reported as the conflict ``slot_taken``. Each write is one transaction with
its audit entry; the reminder is queued in the outbox in the same transaction, so it exists
exactly when the booking committed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guanxi.appointments.models import Appointment
from guanxi.appointments.schemas import AppointmentCreate, AppointmentRead, AppointmentReschedule, AppointmentStatus
from guanxi.appointments.slots import SLOT, Bookable, booked_on, check_slot, resolve_bookable
from guanxi.audit.service import record
from guanxi.calendars.business_time import WorkingCalendar
from guanxi.calendars.service import working_calendar
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.outbox import service as outbox
from guanxi.outbox.models import OutboxMessage
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise, scoped_to_customers
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission

REMINDER_LEAD = dt.timedelta(hours=24)
REMINDER_SOURCE = "appointment"

S = AppointmentStatus
ALLOWED: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.BOOKED: frozenset({S.COMPLETED, S.NO_SHOW, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
}


def _bookable_of(session: Session, appointment: Appointment) -> Bookable:
    kind, _, number = appointment.resource.partition(":")
    return resolve_bookable(
        session,
        staff_id=int(number) if kind == "staff" else None,
        branch_id=int(number) if kind == "branch" else None,
    )


def visible_appointments(actor: Actor) -> ColumnElement[bool]:
    """Appointments of customers the actor may see."""
    return scoped_to_customers(actor, Appointment.party_id)


def get_appointment_or_raise(
    *, session: Session, actor: Actor, appointment_id: int, for_update: bool = False
) -> Appointment:
    """The appointment if the actor may see its customer; ``NotFound`` otherwise."""
    actor.require(Permission.CUSTOMER_READ)
    query = select(Appointment).where(Appointment.id == appointment_id, visible_appointments(actor))
    if for_update:
        query = query.with_for_update()
    appointment = session.scalar(query)
    if appointment is None:
        raise NotFound(f"no appointment with id {appointment_id}", details={"appointment_id": appointment_id})
    return appointment


def _slot_taken(resource: str, starts_at: dt.datetime) -> Conflict:
    return Conflict(
        f"the slot at {starts_at.isoformat()} of {resource} is already booked",
        code="slot_taken",
        details={"resource": resource, "starts_at": starts_at.isoformat()},
    )


def _is_slot_clash(error: IntegrityError) -> bool:
    text = str(error.orig)
    # PostgreSQL names the index; SQLite names its columns.
    return "uq_appointments_booked_slot" in text or "appointments.resource, appointments.starts_at" in text


def _insert(
    session: Session,
    *,
    actor: Actor,
    bookable: Bookable,
    party_id: int,
    starts_at: dt.datetime,
    purpose: str,
    notes: str | None,
    booked_via: str,
    at: dt.datetime,
    rescheduled_from_id: int | None = None,
) -> Appointment:
    if session.scalar(select(Appointment.id).where(booked_on(bookable.resource), Appointment.starts_at == starts_at)):
        raise _slot_taken(bookable.resource, starts_at)
    appointment = Appointment(
        party_id=party_id,
        staff_id=bookable.staff_id,
        branch_id=bookable.branch_id,
        resource=bookable.resource,
        starts_at=starts_at,
        ends_at=starts_at + SLOT,
        purpose=purpose,
        status=S.BOOKED.value,
        notes=notes,
        booked_by=actor.username,
        booked_via=booked_via,
        rescheduled_from_id=rescheduled_from_id,
        created_at=at,
    )
    session.add(appointment)
    try:
        # A concurrent booking of the same slot that committed first makes this insert fail on the
        # partial unique index; the check above cannot see a booking that is not committed yet.
        session.flush()
    except IntegrityError as exc:
        if not _is_slot_clash(exc):
            raise
        raise _slot_taken(bookable.resource, starts_at) from exc
    return appointment


def _remind(
    session: Session, appointment: Appointment, *, channel: str, calendar: WorkingCalendar, at: dt.datetime
) -> OutboxMessage:
    local = appointment.starts_at.astimezone(calendar.zone)
    where = "with your relationship manager" if appointment.staff_id is not None else "at the branch"
    return outbox.enqueue(
        session,
        channel=channel,
        subject="Appointment reminder",
        body=f"Reminder: your appointment {where} is on {local:%Y-%m-%d} at {local:%H:%M}.",
        source=REMINDER_SOURCE,
        source_id=appointment.id,
        party_id=appointment.party_id,
        deliver_after=max(at, appointment.starts_at - REMINDER_LEAD),
    )


@use_case
def book_appointment(*, session: Session, actor: Actor, data: AppointmentCreate) -> Appointment:
    """Book a free slot for a customer with a relationship manager or at a branch; queue the reminder."""
    actor.require(Permission.CASE_WRITE)
    party = get_visible_party_or_raise(session=session, actor=actor, party_id=data.party_id)
    bookable = resolve_bookable(session, staff_id=data.staff_id, branch_id=data.branch_id)
    at = now()
    check_slot(bookable.calendar, data.starts_at, at=at)
    appointment = _insert(
        session,
        actor=actor,
        bookable=bookable,
        party_id=party.id,
        starts_at=data.starts_at,
        purpose=data.purpose.value,
        notes=data.notes,
        booked_via=data.booked_via.value,
        at=at,
    )
    reminder = _remind(session, appointment, channel=data.reminder_channel, calendar=bookable.calendar, at=at)
    record(
        session=session,
        actor=actor,
        action="appointment.book",
        entity="appointment",
        entity_id=appointment.id,
        data={
            "party_id": party.id,
            "resource": bookable.resource,
            "starts_at": appointment.starts_at.isoformat(),
            "purpose": appointment.purpose,
            "booked_via": appointment.booked_via,
            "reminder_id": reminder.id,
        },
    )
    return appointment


def allowed_transitions(appointment: Appointment) -> list[str]:
    """The states the appointment may move to next."""
    targets = ALLOWED[AppointmentStatus(appointment.status)]
    return [status.value for status in AppointmentStatus if status in targets]


def _check_move(appointment: Appointment, target: AppointmentStatus, at: dt.datetime) -> AppointmentStatus:
    current = AppointmentStatus(appointment.status)
    if target not in ALLOWED[current]:
        raise Conflict(
            f"an appointment that is {current.value} cannot become {target.value}",
            code="illegal_transition",
            details={"from": current.value, "to": target.value, "allowed": allowed_transitions(appointment)},
        )
    started = appointment.starts_at <= at
    if target is S.CANCELLED and started:
        raise Conflict(
            f"appointment {appointment.id} has already started: record it as completed or no_show",
            code="already_started",
        )
    if target in (S.COMPLETED, S.NO_SHOW) and not started:
        raise Conflict(
            f"appointment {appointment.id} starts at {appointment.starts_at.isoformat()}: it has not happened yet",
            code="not_started",
        )
    return current


def _transition(
    session: Session, *, actor: Actor, appointment_id: int, target: AppointmentStatus, reason: str | None
) -> Appointment:
    actor.require(Permission.CASE_WRITE)
    appointment = get_appointment_or_raise(session=session, actor=actor, appointment_id=appointment_id, for_update=True)
    at = now()
    current = _check_move(appointment, target, at)
    appointment.status = target.value
    data: dict[str, object] = {"from": current.value, "to": target.value, "reason": reason}
    if target is S.CANCELLED:
        appointment.cancelled_at = at
        data["reminders_cancelled"] = outbox.cancel(session, source=REMINDER_SOURCE, source_id=appointment.id)
    action = {S.CANCELLED: "cancel", S.COMPLETED: "complete", S.NO_SHOW: "no_show"}[target]
    record(
        session=session,
        actor=actor,
        action=f"appointment.{action}",
        entity="appointment",
        entity_id=appointment.id,
        data=data,
    )
    return appointment


@use_case
def transition_appointment(
    *, session: Session, actor: Actor, appointment_id: int, to: str, reason: str | None = None
) -> Appointment:
    """Record what became of a booked appointment (completed, no_show) or call it off (cancelled)."""
    return _transition(session, actor=actor, appointment_id=appointment_id, target=S(to), reason=reason)


@use_case
def cancel_appointment(
    *, session: Session, actor: Actor, appointment_id: int, reason: str | None = None
) -> Appointment:
    """Call off a booked appointment before it starts; its pending reminder is cancelled."""
    return _transition(session, actor=actor, appointment_id=appointment_id, target=S.CANCELLED, reason=reason)


@use_case
def complete_appointment(*, session: Session, actor: Actor, appointment_id: int) -> Appointment:
    """Record that a booked appointment took place."""
    return _transition(session, actor=actor, appointment_id=appointment_id, target=S.COMPLETED, reason=None)


@use_case
def mark_no_show(*, session: Session, actor: Actor, appointment_id: int) -> Appointment:
    """Record that the customer did not come."""
    return _transition(session, actor=actor, appointment_id=appointment_id, target=S.NO_SHOW, reason=None)


def _reminder_channel(session: Session, appointment_id: int) -> str | None:
    return session.scalar(
        select(OutboxMessage.channel)
        .where(OutboxMessage.source == REMINDER_SOURCE, OutboxMessage.source_id == str(appointment_id))
        .order_by(OutboxMessage.id)
        .limit(1)
    )


@use_case
def reschedule_appointment(
    *, session: Session, actor: Actor, appointment_id: int, data: AppointmentReschedule
) -> Appointment:
    """Move a booked appointment to another free slot of the same RM or branch: the old one is
    cancelled and a new one (pointing back to it) booked, with its reminder, in one transaction."""
    actor.require(Permission.CASE_WRITE)
    old = get_appointment_or_raise(session=session, actor=actor, appointment_id=appointment_id, for_update=True)
    at = now()
    _check_move(old, S.CANCELLED, at)
    if data.starts_at == old.starts_at:
        raise ValidationFailed(
            f"appointment {old.id} already starts at {old.starts_at.isoformat()}: pick another slot",
            code="same_slot",
        )
    bookable = _bookable_of(session, old)
    check_slot(bookable.calendar, data.starts_at, at=at)
    channel = data.reminder_channel or _reminder_channel(session, old.id) or "sms"
    old.status, old.cancelled_at = S.CANCELLED.value, at
    # Written now, so the old slot leaves the partial unique index before the new row is checked.
    session.flush()
    dropped = outbox.cancel(session, source=REMINDER_SOURCE, source_id=old.id)
    new = _insert(
        session,
        actor=actor,
        bookable=bookable,
        party_id=old.party_id,
        starts_at=data.starts_at,
        purpose=old.purpose,
        notes=old.notes,
        booked_via=old.booked_via,
        at=at,
        rescheduled_from_id=old.id,
    )
    reminder = _remind(session, new, channel=channel, calendar=bookable.calendar, at=at)
    record(
        session=session,
        actor=actor,
        action="appointment.cancel",
        entity="appointment",
        entity_id=old.id,
        data={"from": S.BOOKED.value, "to": S.CANCELLED.value, "reason": "rescheduled", "reminders_cancelled": dropped},
    )
    record(
        session=session,
        actor=actor,
        action="appointment.reschedule",
        entity="appointment",
        entity_id=new.id,
        data={
            "rescheduled_from_id": old.id,
            "from": old.starts_at.isoformat(),
            "to": new.starts_at.isoformat(),
            "reminder_id": reminder.id,
        },
    )
    return new


@dataclass(frozen=True)
class AppointmentFilters:
    """Which appointments a list shows: every filter is optional."""

    party_id: int | None = None
    staff_id: int | None = None
    branch_id: int | None = None
    status: tuple[str, ...] = ()
    day: dt.date | None = None  # a day in the bank's default calendar's time zone


def _day_bounds(session: Session, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = working_calendar(session).zone
    try:
        start = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
        return start, (dt.datetime.combine(day, dt.time(0), tzinfo=zone) + dt.timedelta(days=1)).astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValidationFailed(f"day {day.isoformat()} is out of range", code="bad_day") from exc


def list_appointments(
    *, session: Session, actor: Actor, filters: AppointmentFilters, limit: int = 50, offset: int = 0
) -> tuple[list[Appointment], int]:
    """Appointments of customers the actor sees, soonest first, and how many match."""
    actor.require(Permission.CUSTOMER_READ)
    query = select(Appointment).where(visible_appointments(actor))
    for column, value in (
        (Appointment.party_id, filters.party_id),
        (Appointment.staff_id, filters.staff_id),
        (Appointment.branch_id, filters.branch_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.status:
        query = query.where(Appointment.status.in_(filters.status))
    if filters.day is not None:
        start, end = _day_bounds(session, filters.day)
        query = query.where(Appointment.starts_at >= start, Appointment.starts_at < end)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Appointment.starts_at, Appointment.id).limit(limit).offset(offset)
    return list(session.scalars(ordered)), int(total)


def appointment_read(session: Session, appointment: Appointment) -> AppointmentRead:
    """The API view of an appointment, with the customer's name."""
    read = AppointmentRead.model_validate(appointment)
    read.party_name = session.scalar(select(Party.full_name).where(Party.id == appointment.party_id))
    return read
