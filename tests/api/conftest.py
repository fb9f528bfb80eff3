"""Fixtures for API tests: the app on the test transaction, a small bank with one user per role,
each user placed so that one customer ("own") is in their scope and another ("other") is not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bookable import bookable_monday
from factories import (
    make_account,
    make_branch,
    make_case,
    make_contact,
    make_document,
    make_household,
    make_party,
    make_product,
    make_staff,
    make_team,
)
from guanxi.app import create_app
from guanxi.appointments.models import Appointment
from guanxi.calendars.models import BusinessCalendar
from guanxi.config import Settings, get_settings
from guanxi.events.models import BankEvent, EventInvitation
from guanxi.security import auth
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM, create_user
from guanxi.segments.service import run_analysis

PASSWORD = "Correct-Horse-Battery-9"


@dataclass
class World:
    """Ids of the test bank, and a bearer token per role."""

    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[Role, str] = field(default_factory=dict)
    usernames: dict[Role, str] = field(default_factory=dict)

    def headers(self, role: Role) -> dict[str, str]:
        """The Authorization header of ``role``'s user."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def world(session: Session) -> World:
    """Two branches, an RM with a customer and their household, a service desk with an open case."""
    world = World()
    with session.begin():
        branch_a, branch_b = make_branch(session, name="Central"), make_branch(session, name="Harbour")
        desk = make_team(session, name="Service desk")
        rm = make_staff(session, role="relationship_manager", branch=branch_a)
        other_rm = make_staff(session, role="relationship_manager", branch=branch_b)
        manager = make_staff(session, role="branch_manager", branch=branch_a)
        agent = make_staff(session, role="service_agent", team=desk)
        own = make_party(session, home_branch_id=branch_a.id, relationship_manager_id=rm.id)
        other = make_party(
            session,
            full_name="李四",
            latin_name="Li Si",
            home_branch_id=branch_b.id,
            relationship_manager_id=other_rm.id,
        )
        make_contact(session, own, kind="phone", value="13812345678")
        make_document(session, own)
        make_contact(session, other, kind="email", value="lisi@example.com")
        make_household(session, own)
        own_case = make_case(session, own, team=desk)
        other_case = make_case(session, other, team=make_team(session, name="Harbour desk"))
        calendar = BusinessCalendar(name="default", timezone="Asia/Shanghai", week={"mon": ["09:00", "17:00"]})
        session.add(calendar)
        product = make_product(session)
        own_account = make_account(session, own, product)
        other_account = make_account(session, other, product)
        staff_of = {Role.RELATIONSHIP_MANAGER: rm, Role.BRANCH_MANAGER: manager, Role.SERVICE_AGENT: agent}
        settings = get_settings()
        for role in Role:
            username = f"user-{role.value}"
            user = create_user(
                session=session,
                actor=SYSTEM,
                username=username,
                display_name=username,
                role=role,
                password=PASSWORD,
            )
            if role in staff_of:
                user.staff_id = staff_of[role].id
            session.flush()
            issued = auth.issue_api_token(
                session=session, settings=settings, actor=SYSTEM, username=username, name="tests"
            )
            world.tokens[role] = issued.token
            world.usernames[role] = username
            # A second token of each user, for the revocation rows of the matrix.
            spare = auth.issue_api_token(
                session=session, settings=settings, actor=SYSTEM, username=username, name="spare"
            )
            world.ids[f"token_{role.value}"] = spare.token_id
        world.ids |= {
            "own_party": own.id,
            "other_party": other.id,
            "own_account": own_account.id,
            "other_account": other_account.id,
            "own_case": own_case.id,
            "other_case": other_case.id,
            "desk": desk.id,
            "calendar": calendar.id,
        }
    with session.begin():
        # Servicing rows: each customer's appointment with their RM on a bookable Monday at 09:00 in
        # Shanghai, and an event that day both customers are invited to.
        nine = dt.datetime.combine(bookable_monday(), dt.time(1, 0), tzinfo=dt.UTC)
        appointments = [
            Appointment(
                party_id=party.id,
                staff_id=manager_of.id,
                branch_id=manager_of.branch_id,
                resource=f"staff:{manager_of.id}",
                starts_at=nine,
                ends_at=nine + dt.timedelta(minutes=30),
                purpose="investment_review",
                status="booked",
                booked_by="system",
                booked_via="branch",
            )
            for party, manager_of in ((own, rm), (other, other_rm))
        ]
        event = BankEvent(
            title="Investment salon",
            kind="investment_salon",
            starts_at=nine,
            ends_at=nine + dt.timedelta(hours=2),
            capacity=10,
            status="open",
            created_by="system",
        )
        session.add_all([*appointments, event])
        session.flush()
        session.add_all([EventInvitation(event_id=event.id, party_id=p.id, status="invited") for p in (own, other)])
        world.ids |= {
            "own_rm": rm.id,
            "own_appointment": appointments[0].id,
            "other_appointment": appointments[1].id,
            "event": event.id,
        }
    return world


@pytest.fixture
def headers(session: Session) -> dict[Role, dict[str, str]]:
    """One user per role (not tied to any staff) and the Authorization header of each."""
    out = {}
    with session.begin():
        for role in Role:
            username = f"api-{role.value}"
            create_user(
                session=session, actor=SYSTEM, username=username, display_name=username, role=role, password=PASSWORD
            )
            issued = auth.issue_api_token(
                session=session, settings=get_settings(), actor=SYSTEM, username=username, name="tests"
            )
            out[role] = {"Authorization": f"Bearer {issued.token}"}
    return out


@pytest.fixture
def browser_sign_in(client, world, session):
    """Sign the test client in as ``role``'s user with a browser session cookie; returns the token."""

    def _sign_in(role: Role) -> str:
        issued = auth.sign_in(
            session=session,
            settings=get_settings(),
            vault=client.app.state.vault,
            username=world.usernames[role],
            password=PASSWORD,
        )
        client.cookies.set("guanxi_session", issued.token)
        return issued.token

    return _sign_in


@pytest.fixture
def analyse(client, bind):
    """Run the analytics on the test bank as of the given dates."""

    def _analyse(*days: dt.date) -> None:
        for day in days:
            run_analysis(
                bind=bind,
                actor=SYSTEM,
                lake_root=client.app.state.lake_root,
                as_of=day,
                fx_rates=get_settings().fx_rates,
            )

    return _analyse


@pytest.fixture
def client(bind: Connection, lake_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    """An API client whose requests run inside the test's transaction."""
    app = create_app(Settings(var_dir=tmp_path / "var", environment="test"), bind=bind, lake_root=lake_root)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
