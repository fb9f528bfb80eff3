"""A small serviced bank: a desk with a lead, a customer who may be contacted by email and SMS."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from factories import make_branch, make_case, make_contact, make_party, make_staff, make_team
from guanxi.security.actor import Actor
from guanxi.security.models import ConsentRecord
from guanxi.security.permissions import Role

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Shanghai


def give_consent(session: Session, party_id: int, purpose: str = "service_messages", channel: str = "any") -> None:
    """Record the customer's consent (call inside a transaction)."""
    session.add(
        ConsentRecord(
            party_id=party_id,
            purpose=purpose,
            channel=channel,
            status="given",
            recorded_at=T0 - dt.timedelta(days=400),
            captured_via="branch",
            source_system="test",
            source_key=f"consent-{party_id}-{purpose}-{channel}",
        )
    )


@pytest.fixture
def serviced(session: Session) -> dict[str, int]:
    """Ids of the desk, its lead and agent, and two customers (one contactable, one without consent)."""
    with session.begin():
        branch = make_branch(session)
        desk = make_team(session, name="Service desk", kind="service")
        lead = make_staff(session, role="service_agent", team=desk)
        lead.email = "lead@bank.example"
        desk.lead_staff_id = lead.id
        agent = make_staff(session, role="service_agent", team=desk)
        customer = make_party(session, home_branch_id=branch.id)
        make_contact(session, customer, kind="email", value="wang@example.com")
        make_contact(session, customer, kind="phone", value="13812345678", is_primary=False)
        give_consent(session, customer.id)
        silent = make_party(session, home_branch_id=branch.id)
        make_contact(session, silent, kind="email", value="li@example.com")
        # Each customer has an open case with the desk, so the desk's agents may serve them.
        make_case(session, customer, team=desk)
        make_case(session, silent, team=desk)
    return {"desk": desk.id, "lead": lead.id, "agent": agent.id, "customer": customer.id, "silent": silent.id}


def agent_of(ids: dict[str, int]) -> Actor:
    """The desk's agent as an actor."""
    return Actor(username="agent.wong", role=Role.SERVICE_AGENT, staff_id=ids["agent"], team_id=ids["desk"])


ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")
