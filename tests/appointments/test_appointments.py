"""Appointments: free slots from working hours, booking rules with their codes, reminders, the
status workflow, rescheduling, listing and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from guanxi.appointments import service
from guanxi.appointments.models import Appointment
from guanxi.appointments.schemas import AppointmentCreate, AppointmentReschedule
from guanxi.appointments.service import (
    AppointmentFilters,
    book_appointment,
    cancel_appointment,
    complete_appointment,
    get_appointment_or_raise,
    list_appointments,
    mark_no_show,
    reschedule_appointment,
    transition_appointment,
)
from guanxi.appointments.slots import available_slots
from guanxi.audit.models import AuditEvent
from guanxi.clock import frozen_at
from guanxi.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from guanxi.outbox.models import OutboxMessage
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 1 December 2026, 10:00 in Shanghai
TUESDAY, WEDNESDAY, THURSDAY, SATURDAY = (dt.date(2026, 12, d) for d in (1, 2, 3, 5))
CHRISTMAS = dt.date(2026, 12, 25)
ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")


def at(day: dt.date, hhmm: str) -> dt.datetime:
    """``hhmm`` on ``day`` in Shanghai (UTC+8), as a UTC instant."""
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hours, minutes, tzinfo=dt.UTC) - dt.timedelta(hours=8)


def rm_of(bank: dict[str, int]) -> Actor:
    return Actor(username="rm", role=Role.RELATIONSHIP_MANAGER, staff_id=bank["rm"], source="test")


def book(session: Session, bank: dict[str, int], starts_at: dt.datetime, actor: Actor = ADMIN, **fields) -> Appointment:
    values = {"party_id": bank["wang"], "staff_id": bank["rm"], "purpose": "investment_review"} | fields
    with frozen_at(T0):
        return book_appointment(session=session, actor=actor, data=AppointmentCreate(starts_at=starts_at, **values))


def reminders(session: Session, appointment_id: int) -> list[tuple]:
    with session.begin():
        return [
            tuple(r)
            for r in session.execute(
                select(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.deliver_after, OutboxMessage.party_id)
                .where(OutboxMessage.source == "appointment", OutboxMessage.source_id == str(appointment_id))
                .order_by(OutboxMessage.id)
            )
        ]


def audited(session: Session, appointment_id: int) -> list[tuple]:
    with session.begin():
        return [
            tuple(r)
            for r in session.execute(
                select(AuditEvent.action, AuditEvent.actor, AuditEvent.data)
                .where(AuditEvent.entity == "appointment", AuditEvent.entity_id == str(appointment_id))
                .order_by(AuditEvent.seq)
            )
        ]


def count_appointments(session: Session) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(Appointment))


def free(session: Session, day: dt.date, actor: Actor = ADMIN, **resource) -> list[str]:
    """The free slot starts of ``day`` as local HH:MM."""
    with frozen_at(T0), session.begin():
        availability = available_slots(session=session, actor=actor, day=day, **resource)
    return [(s.starts_at + dt.timedelta(hours=8)).strftime("%H:%M") for s in availability.slots]


WHOLE_DAY = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]


def test_free_slots_are_working_hours_cut_into_half_hours_less_bookings(session, bank):
    # given an appointment with the RM on Wednesday at 10:00
    book(session, bank, at(WEDNESDAY, "10:00"))
    # then the RM's Wednesday has every half hour from 09:00 to 16:30 but that one
    assert free(session, WEDNESDAY, staff_id=bank["rm"]) == [s for s in WHOLE_DAY if s != "10:00"]
    # and the other RM's Wednesday is untouched
    assert free(session, WEDNESDAY, staff_id=bank["second_rm"]) == WHOLE_DAY


def test_free_slots_are_never_in_the_past_nor_on_closed_days(session, bank):
    rm = {"staff_id": bank["rm"]}
    # today at 10:00: the 10:00 slot is starting, so the first free one is 10:30
    assert free(session, TUESDAY, **rm) == [s for s in WHOLE_DAY if s >= "10:30"]
    assert free(session, dt.date(2026, 11, 30), **rm) == []  # yesterday
    assert free(session, SATURDAY, **rm) == []  # the weekend
    assert free(session, CHRISTMAS, **rm) == []  # a holiday
    assert free(session, dt.date(2027, 6, 2), **rm) == []  # beyond the booking horizon


def test_a_branch_with_its_own_calendar_has_its_own_slots(session, bank):
    # the Harbour branch opens on Saturday mornings only
    assert free(session, SATURDAY, branch_id=bank["harbour"]) == ["10:00", "10:30", "11:00", "11:30"]
    assert free(session, WEDNESDAY, branch_id=bank["harbour"]) == []
    with frozen_at(T0), session.begin():
        availability = available_slots(session=session, actor=ADMIN, day=SATURDAY, branch_id=bank["harbour"])
    assert (availability.resource, availability.timezone, availability.slot_minutes) == (
        f"branch:{bank['harbour']}",
        "Asia/Shanghai",
        30,
    )


def test_booking_with_an_rm_queues_a_reminder_a_day_ahead_and_is_audited(session, bank):
    # when the RM books Wang on Thursday at 11:00, reminded by email
    appointment = book(
        session, bank, at(THURSDAY, "11:00"), actor=rm_of(bank), reminder_channel="email", booked_via="phone"
    )
    # then the appointment holds the RM's slot for half an hour
    assert (
        appointment.resource,
        appointment.staff_id,
        appointment.branch_id,
        appointment.starts_at,
        appointment.ends_at,
        appointment.status,
        appointment.booked_by,
        appointment.booked_via,
    ) == (
        f"staff:{bank['rm']}",
        bank["rm"],
        bank["central"],
        at(THURSDAY, "11:00"),
        at(THURSDAY, "11:30"),
        "booked",
        "rm",
        "phone",
    )
    # and an email reminder waits until 24 hours before
    assert reminders(session, appointment.id) == [("email", "pending", at(WEDNESDAY, "11:00"), bank["wang"])]
    [(action, actor, data)] = audited(session, appointment.id)
    assert (action, actor, data["resource"], data["starts_at"], data["purpose"]) == (
        "appointment.book",
        "rm",
        f"staff:{bank['rm']}",
        at(THURSDAY, "11:00").isoformat(),
        "investment_review",
    )


def test_a_booking_less_than_a_day_ahead_is_reminded_at_once(session, bank):
    appointment = book(session, bank, at(TUESDAY, "16:00"))
    assert reminders(session, appointment.id) == [("sms", "pending", T0, bank["wang"])]


def test_booking_at_a_branch_uses_the_branch_calendar(session, bank):
    appointment = book(session, bank, at(SATURDAY, "11:30"), staff_id=None, branch_id=bank["harbour"])
    assert (appointment.resource, appointment.staff_id, appointment.branch_id) == (
        f"branch:{bank['harbour']}",
        None,
        bank["harbour"],
    )


@pytest.mark.parametrize(
    ("starts_at", "code"),
    [
        (at(TUESDAY, "09:30"), "in_the_past"),
        (T0, "in_the_past"),  # the slot starting right now
        (at(WEDNESDAY, "10:15"), "not_a_slot"),
        (at(WEDNESDAY, "10:00") + dt.timedelta(seconds=1), "not_a_slot"),
        (at(WEDNESDAY, "17:00"), "outside_working_hours"),
        (at(WEDNESDAY, "08:30"), "outside_working_hours"),
        (at(SATURDAY, "10:00"), "outside_working_hours"),
        (at(CHRISTMAS, "10:00"), "outside_working_hours"),
        (at(dt.date(2027, 3, 3), "10:00"), "too_far_ahead"),
    ],
)
def test_a_start_off_the_book_is_refused_with_its_code(session, bank, starts_at, code):
    with pytest.raises(ValidationFailed) as raised:
        book(session, bank, starts_at)
    assert raised.value.code == code
    assert raised.value.details["starts_at"] == starts_at.isoformat()
    # and nothing was booked
    assert count_appointments(session) == 0


@pytest.mark.parametrize(
    ("fields", "error", "code"),
    [
        ({"staff_id": None}, ValidationFailed, "resource_required"),
        ({"branch_id": "central"}, ValidationFailed, "resource_required"),  # both an RM and a branch
        ({"staff_id": 999_999}, NotFound, "staff_not_found"),
        ({"staff_id": "gone"}, NotFound, "staff_not_found"),  # no longer active
        ({"staff_id": None, "branch_id": 999_999}, NotFound, "branch_not_found"),
        ({"party_id": 999_999}, NotFound, "not_found"),
    ],
)
def test_unknown_ids_are_refused_with_their_code(session, bank, fields, error, code):
    fields = {k: bank[v] if isinstance(v, str) else v for k, v in fields.items()}
    with pytest.raises(error) as raised:
        book(session, bank, at(WEDNESDAY, "10:00"), **fields)
    assert raised.value.code == code
    assert count_appointments(session) == 0


def test_an_rm_cannot_book_for_a_customer_outside_their_portfolio(session, bank):
    with pytest.raises(NotFound) as raised:
        book(session, bank, at(WEDNESDAY, "10:00"), actor=rm_of(bank), party_id=bank["stranger"])
    assert raised.value.details == {"party_id": bank["stranger"]}


@pytest.mark.parametrize("role", [Role.MARKETING_ANALYST, Role.AUDITOR, Role.COMPLIANCE_OFFICER, Role.OPERATOR])
def test_roles_without_case_write_cannot_book(session, bank, role):
    with pytest.raises(PermissionDenied):
        book(session, bank, at(WEDNESDAY, "10:00"), actor=Actor(username="x", role=role))


def test_a_taken_slot_is_a_conflict_and_a_cancelled_one_is_free_again(session, bank):
    # given Wang's appointment with the RM on Wednesday at 10:00
    first = book(session, bank, at(WEDNESDAY, "10:00")).id
    # when Li asks for the same slot
    with pytest.raises(Conflict) as raised:
        book(session, bank, at(WEDNESDAY, "10:00"), party_id=bank["li"])
    # then it is taken
    assert (raised.value.code, raised.value.details) == (
        "slot_taken",
        {"resource": f"staff:{bank['rm']}", "starts_at": at(WEDNESDAY, "10:00").isoformat()},
    )
    # and the other RM is free at that time
    assert book(session, bank, at(WEDNESDAY, "10:00"), party_id=bank["li"], staff_id=bank["second_rm"]).id
    # and once Wang cancels, Li can have the slot
    with frozen_at(T0):
        cancel_appointment(session=session, actor=ADMIN, appointment_id=first)
    assert book(session, bank, at(WEDNESDAY, "10:00"), party_id=bank["li"]).party_id == bank["li"]


def test_a_clash_the_check_cannot_see_is_refused_by_the_unique_index(session, bank, monkeypatch):
    # given a booking, and a check that (like one racing a concurrent booking) sees no booked slot
    book(session, bank, at(WEDNESDAY, "10:00"))
    monkeypatch.setattr(service, "booked_on", lambda resource: false())
    # when the same slot is booked again, the database refuses it and the refusal is a clear conflict
    with pytest.raises(Conflict) as raised:
        book(session, bank, at(WEDNESDAY, "10:00"), party_id=bank["li"])
    assert raised.value.code == "slot_taken"
    assert count_appointments(session) == 1


def test_cancelling_cancels_the_reminder_and_is_audited(session, bank):
    appointment = book(session, bank, at(THURSDAY, "11:00"))
    with frozen_at(T0 + dt.timedelta(hours=1)):
        cancelled = cancel_appointment(session=session, actor=ADMIN, appointment_id=appointment.id, reason="ill")
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", T0 + dt.timedelta(hours=1))
    assert reminders(session, appointment.id) == [("sms", "cancelled", at(WEDNESDAY, "11:00"), bank["wang"])]
    assert [(a, d) for a, _, d in audited(session, appointment.id)][1:] == [
        ("appointment.cancel", {"from": "booked", "to": "cancelled", "reason": "ill", "reminders_cancelled": 1})
    ]
    # and cancelling again is an illegal move naming none allowed
    with frozen_at(T0), pytest.raises(Conflict) as raised:
        cancel_appointment(session=session, actor=ADMIN, appointment_id=appointment.id)
    assert (raised.value.code, raised.value.details) == (
        "illegal_transition",
        {"from": "cancelled", "to": "cancelled", "allowed": []},
    )


def test_an_appointment_is_completed_or_missed_only_once_it_has_started(session, bank):
    held, missed = book(session, bank, at(WEDNESDAY, "10:00")).id, book(session, bank, at(WEDNESDAY, "11:00")).id
    # before it starts, neither outcome can be recorded
    with frozen_at(T0), pytest.raises(Conflict) as raised:
        complete_appointment(session=session, actor=ADMIN, appointment_id=held)
    assert raised.value.code == "not_started"
    # after it starts, it can no longer be cancelled, but its outcome is recorded
    with frozen_at(at(WEDNESDAY, "11:15")):
        with pytest.raises(Conflict) as raised:
            cancel_appointment(session=session, actor=ADMIN, appointment_id=held)
        assert raised.value.code == "already_started"
        assert complete_appointment(session=session, actor=ADMIN, appointment_id=held).status == "completed"
        assert mark_no_show(session=session, actor=ADMIN, appointment_id=missed).status == "no_show"
        # and an outcome is final
        with pytest.raises(Conflict) as raised:
            transition_appointment(session=session, actor=ADMIN, appointment_id=held, to="no_show")
    assert (raised.value.code, raised.value.details["from"]) == ("illegal_transition", "completed")
    assert [a for a, _, _ in audited(session, held)] == ["appointment.book", "appointment.complete"]
    assert [a for a, _, _ in audited(session, missed)] == ["appointment.book", "appointment.no_show"]


def test_rescheduling_books_a_new_slot_and_cancels_the_old_one_with_its_reminder(session, bank):
    # given Wang's Thursday 11:00 appointment, reminded by email
    old = book(session, bank, at(THURSDAY, "11:00"), reminder_channel="email", notes="bring ID")
    # when it moves to Thursday 14:00
    with frozen_at(T0):
        new = reschedule_appointment(
            session=session,
            actor=rm_of(bank),
            appointment_id=old.id,
            data=AppointmentReschedule(starts_at=at(THURSDAY, "14:00")),
        )
    # then a new appointment points back to the old one, which is cancelled
    assert (new.starts_at, new.status, new.rescheduled_from_id, new.resource, new.notes, new.purpose) == (
        at(THURSDAY, "14:00"),
        "booked",
        old.id,
        f"staff:{bank['rm']}",
        "bring ID",
        "investment_review",
    )
    with session.begin():
        assert session.get(Appointment, old.id).status == "cancelled"
    # and the old reminder is cancelled, a new one queued on the same channel
    assert reminders(session, old.id) == [("email", "cancelled", at(WEDNESDAY, "11:00"), bank["wang"])]
    assert reminders(session, new.id) == [("email", "pending", at(WEDNESDAY, "14:00"), bank["wang"])]
    assert [a for a, _, _ in audited(session, old.id)] == ["appointment.book", "appointment.cancel"]
    [(action, actor, data)] = audited(session, new.id)
    assert (action, actor, data["rescheduled_from_id"], data["to"]) == (
        "appointment.reschedule",
        "rm",
        old.id,
        at(THURSDAY, "14:00").isoformat(),
    )
    # and the freed slot can be booked again
    assert free(session, THURSDAY, staff_id=bank["rm"]) == [s for s in WHOLE_DAY if s != "14:00"]


def test_rescheduling_onto_a_taken_slot_changes_nothing(session, bank):
    old = book(session, bank, at(THURSDAY, "11:00")).id
    book(session, bank, at(THURSDAY, "14:00"), party_id=bank["li"])
    with frozen_at(T0), pytest.raises(Conflict) as raised:
        reschedule_appointment(
            session=session,
            actor=ADMIN,
            appointment_id=old,
            data=AppointmentReschedule(starts_at=at(THURSDAY, "14:00")),
        )
    assert raised.value.code == "slot_taken"
    with session.begin():
        assert session.get(Appointment, old).status == "booked"
    assert reminders(session, old)[0][1] == "pending"
    assert count_appointments(session) == 2


@pytest.mark.parametrize(
    ("starts_at", "error", "code"),
    [
        (at(THURSDAY, "11:00"), ValidationFailed, "same_slot"),
        (at(TUESDAY, "09:00"), ValidationFailed, "in_the_past"),
        (at(THURSDAY, "11:10"), ValidationFailed, "not_a_slot"),
        (at(SATURDAY, "11:00"), ValidationFailed, "outside_working_hours"),
    ],
)
def test_rescheduling_to_a_bad_start_is_refused(session, bank, starts_at, error, code):
    old = book(session, bank, at(THURSDAY, "11:00"))
    with frozen_at(T0), pytest.raises(error) as raised:
        reschedule_appointment(
            session=session, actor=ADMIN, appointment_id=old.id, data=AppointmentReschedule(starts_at=starts_at)
        )
    assert raised.value.code == code


def test_a_cancelled_appointment_cannot_be_rescheduled(session, bank):
    old = book(session, bank, at(THURSDAY, "11:00"))
    with frozen_at(T0):
        cancel_appointment(session=session, actor=ADMIN, appointment_id=old.id)
        with pytest.raises(Conflict) as raised:
            reschedule_appointment(
                session=session,
                actor=ADMIN,
                appointment_id=old.id,
                data=AppointmentReschedule(starts_at=at(THURSDAY, "14:00")),
            )
    assert raised.value.code == "illegal_transition"


def test_lists_by_party_staff_and_day_within_scope(session, bank):
    # given two of the RM's customers on Wednesday and a stranger with the other RM on Thursday
    wang = book(session, bank, at(WEDNESDAY, "10:00"))
    li = book(session, bank, at(WEDNESDAY, "09:00"), party_id=bank["li"])
    stranger = book(session, bank, at(THURSDAY, "10:00"), party_id=bank["stranger"], staff_id=bank["second_rm"])

    def ids(actor: Actor = ADMIN, **filters) -> tuple[list[int], int]:
        with session.begin():
            items, total = list_appointments(session=session, actor=actor, filters=AppointmentFilters(**filters))
        return [a.id for a in items], total

    # then each filter finds its appointments, soonest first
    assert ids() == ([li.id, wang.id, stranger.id], 3)
    assert ids(party_id=bank["li"]) == ([li.id], 1)
    assert ids(staff_id=bank["second_rm"]) == ([stranger.id], 1)
    assert ids(day=WEDNESDAY) == ([li.id, wang.id], 2)
    assert ids(status=("cancelled",)) == ([], 0)
    # and the RM sees only their portfolio's, and cannot open the stranger's
    assert ids(rm_of(bank)) == ([li.id, wang.id], 2)
    with session.begin(), pytest.raises(NotFound):
        get_appointment_or_raise(session=session, actor=rm_of(bank), appointment_id=stranger.id)
    # and nobody can move what they cannot see
    with frozen_at(T0), pytest.raises(NotFound):
        cancel_appointment(session=session, actor=rm_of(bank), appointment_id=stranger.id)


def test_an_unknown_appointment_is_not_found(session, bank):
    with frozen_at(T0), pytest.raises(NotFound) as raised:
        cancel_appointment(session=session, actor=ADMIN, appointment_id=999_999)
    assert raised.value.details == {"appointment_id": 999_999}
