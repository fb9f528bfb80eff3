"""No double booking: 50 concurrent bookings of one slot on PostgreSQL leave exactly one booked,
and the 49 others get the conflict ``slot_taken``; the same rule holds booking after booking."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backends import PG_URL
from factories import make_branch, make_party, make_staff
from guanxi.appointments.models import Appointment
from guanxi.appointments.schemas import AppointmentCreate
from guanxi.appointments.service import book_appointment
from guanxi.audit.models import AuditEvent
from guanxi.calendars.models import BusinessCalendar
from guanxi.clock import frozen_at
from guanxi.db import session_factory, unit_of_work
from guanxi.errors import Conflict
from guanxi.outbox.models import OutboxMessage
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from private_schema import private_schema

ATTEMPTS = 50
T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai
SLOT = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 in Shanghai
ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")


def _bank(session: Session) -> tuple[int, list[int]]:
    """A weekday calendar, an RM, and as many customers as there are attempts."""
    session.add(
        BusinessCalendar(
            name="default",
            timezone="Asia/Shanghai",
            week={day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        )
    )
    branch = make_branch(session)
    rm = make_staff(session, role="relationship_manager", branch=branch)
    customers = [make_party(session, home_branch_id=branch.id, relationship_manager_id=rm.id) for _ in range(ATTEMPTS)]
    return rm.id, [c.id for c in customers]


def _request(rm: int, party_id: int) -> AppointmentCreate:
    return AppointmentCreate(party_id=party_id, staff_id=rm, starts_at=SLOT, purpose="wealth_planning")


@pytest.fixture(scope="module")
def race_engine() -> Iterator[Engine]:
    """A private, freshly migrated schema with a connection for every contender; real commits."""
    with private_schema("guanxi_booking_race", pool_size=ATTEMPTS, max_overflow=0) as engine:
        yield engine


@pytest.mark.skipif(
    PG_URL is None,
    reason="needs PostgreSQL (GUANXI_TEST_DATABASE_URL): SQLite serialises writers, so nothing races there",
)
def test_fifty_concurrent_bookings_of_one_slot_exactly_one_wins(race_engine):
    # given an RM and fifty customers, committed
    with unit_of_work(race_engine) as session:
        rm, customers = _bank(session)
    start = threading.Barrier(ATTEMPTS, timeout=120)

    def attempt(party_id: int) -> tuple[str, int]:
        # each contender has its own connection, opened before the start so all begin together
        with race_engine.connect() as connection:
            session = session_factory(connection)()
            try:
                start.wait()
                book_appointment(session=session, actor=ADMIN, data=_request(rm, party_id))
                return "booked", 201
            except Conflict as error:
                return error.code, error.http_status
            finally:
                session.close()

    # when all fifty book the RM's Wednesday 10:00 slot at once
    with frozen_at(T0), ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        outcomes = Counter(pool.map(attempt, customers))
    # then exactly one succeeds and 49 are told the slot is taken
    assert outcomes == Counter({("booked", 201): 1, ("slot_taken", 409): ATTEMPTS - 1})
    # and the database holds one booking, one reminder and one audit entry for it
    with unit_of_work(race_engine) as session:
        booked = session.scalars(select(Appointment).where(Appointment.starts_at == SLOT)).all()
        assert [(a.resource, a.status) for a in booked] == [(f"staff:{rm}", "booked")]
        reminders = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.source == "appointment")
        )
        entries = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "appointment.book")
        )
    assert (reminders, entries) == (1, 1)


def test_booking_after_booking_of_one_slot_only_the_first_holds(session):
    # given an RM and fifty customers
    with session.begin():
        rm, customers = _bank(session)
    # when each in turn asks for the same slot
    outcomes: Counter[str] = Counter()
    with frozen_at(T0):
        for party_id in customers:
            try:
                book_appointment(session=session, actor=ADMIN, data=_request(rm, party_id))
                outcomes["booked"] += 1
            except Conflict as error:
                outcomes[error.code] += 1
    # then the first holds it and every other is told it is taken
    assert outcomes == Counter({"booked": 1, "slot_taken": ATTEMPTS - 1})
    with session.begin():
        holder = session.scalars(select(Appointment.party_id).where(Appointment.starts_at == SLOT)).all()
    assert holder == [customers[0]]
