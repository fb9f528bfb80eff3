"""Capacity under concurrency: twenty customers accepting a three-seat event at once on
PostgreSQL leave exactly three accepted; the others are told the event is full."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from backends import PG_URL
from factories import make_party
from guanxi.clock import frozen_at
from guanxi.db import session_factory, unit_of_work
from guanxi.errors import Conflict
from guanxi.events.invitations import answer_invitation
from guanxi.events.models import BankEvent, EventInvitation
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from private_schema import private_schema

GUESTS, SEATS = 20, 3
T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")


@pytest.mark.skipif(
    PG_URL is None,
    reason="needs PostgreSQL (GUANXI_TEST_DATABASE_URL): SQLite serialises writers, so nothing races there",
)
def test_concurrent_acceptances_never_exceed_the_capacity():
    with private_schema("guanxi_rsvp_race", pool_size=GUESTS, max_overflow=0) as engine:
        # given a three-seat event and twenty invited customers, committed
        with unit_of_work(engine) as session:
            event = BankEvent(
                title="Product launch",
                kind="product_launch",
                starts_at=T0 + dt.timedelta(days=7),
                ends_at=T0 + dt.timedelta(days=7, hours=2),
                capacity=SEATS,
                status="open",
                created_by="admin",
            )
            session.add(event)
            guests = [make_party(session) for _ in range(GUESTS)]
            session.flush()
            for guest in guests:
                session.add(EventInvitation(event_id=event.id, party_id=guest.id, status="invited"))
            event_id, guest_ids = event.id, [g.id for g in guests]
        start = threading.Barrier(GUESTS, timeout=120)

        def accept(party_id: int) -> str:
            with engine.connect() as connection:
                session = session_factory(connection)()
                try:
                    start.wait()
                    answer_invitation(
                        session=session, actor=ADMIN, event_id=event_id, party_id=party_id, answer="accepted"
                    )
                    return "accepted"
                except Conflict as error:
                    return error.code
                finally:
                    session.close()

        # when all twenty accept at once
        with frozen_at(T0), ThreadPoolExecutor(max_workers=GUESTS) as pool:
            outcomes = Counter(pool.map(accept, guest_ids))
        # then exactly the capacity is accepted
        assert outcomes == Counter({"accepted": SEATS, "event_full": GUESTS - SEATS})
        with unit_of_work(engine) as session:
            accepted = session.scalar(
                select(func.count())
                .select_from(EventInvitation)
                .where(EventInvitation.event_id == event_id, EventInvitation.status == "accepted")
            )
        assert accepted == SEATS
