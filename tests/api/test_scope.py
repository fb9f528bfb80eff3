"""Row scope beyond the status codes: lists hold only rows in scope, names of customers out of
scope never appear, households and closed cases behave as the roles say."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from factories import make_account, make_party, make_product
from guanxi.accounts.models import AccountRole
from guanxi.cases.models import Case
from guanxi.parties.models import HouseholdMember, Party, PartyRelationship
from guanxi.security.permissions import Role


@pytest.fixture
def extra(session: Session, world) -> dict[str, int]:
    """A relative in the own customer's household, a guarantee and a joint account with the other."""
    with session.begin():
        own, other = world.ids["own_party"], world.ids["other_party"]
        branch_b = session.get(Party, other).home_branch_id
        relative = make_party(session, full_name="王太太", latin_name="Mrs Wang", home_branch_id=branch_b)
        household = session.scalar(select(HouseholdMember.household_id).where(HouseholdMember.party_id == own))
        session.add(
            HouseholdMember(
                source_system="test", source_key="HM-rel", household_id=household, party_id=relative.id, role="spouse"
            )
        )
        session.add(
            PartyRelationship(
                source_system="test", source_key="PR-1", from_party_id=own, to_party_id=other, kind="guarantor"
            )
        )
        joint = make_account(session, session.get(Party, own), make_product(session))
        session.add(
            AccountRole(source_system="test", source_key="R-joint", account_id=joint.id, party_id=other, role="joint")
        )
        session.flush()
        return {"relative": relative.id, "joint": joint.id}


def _names(client, world, role: Role) -> list[str]:
    body = client.get("/api/v1/parties", headers=world.headers(role)).json()
    return sorted(p["full_name"] for p in body["items"])


def test_each_role_lists_exactly_the_customers_in_its_scope(client, world, extra):
    # the RM: their customer and the household relative (of another branch and RM)
    assert _names(client, world, Role.RELATIONSHIP_MANAGER) == ["王太太", "王小明"]
    # the branch manager: customers of their branch only
    assert _names(client, world, Role.BRANCH_MANAGER) == ["王小明"]
    # the agent: the customer with an open case for their team
    assert _names(client, world, Role.SERVICE_AGENT) == ["王小明"]
    # the auditor and compliance: everyone
    assert _names(client, world, Role.AUDITOR) == ["李四", "王太太", "王小明"]


def test_the_rm_opens_a_household_relative_from_another_branch(client, world, extra):
    response = client.get(f"/api/v1/parties/{extra['relative']}", headers=world.headers(Role.RELATIONSHIP_MANAGER))
    assert response.status_code == 200
    response = client.get(f"/api/v1/parties/{extra['relative']}", headers=world.headers(Role.BRANCH_MANAGER))
    assert response.status_code == 404


def test_a_relationship_to_a_customer_out_of_scope_hides_the_name(client, world, extra):
    own = world.ids["own_party"]
    body = client.get(f"/api/v1/parties/{own}", headers=world.headers(Role.RELATIONSHIP_MANAGER)).json()
    assert body["relationships"] == [
        {"kind": "guarantor", "direction": "from", "other_party_id": world.ids["other_party"], "other_party_name": None}
    ]
    body = client.get(f"/api/v1/parties/{own}", headers=world.headers(Role.AUDITOR)).json()
    assert body["relationships"][0]["other_party_name"] == "李四"


def test_a_joint_holder_out_of_scope_is_shown_without_a_name(client, world, extra):
    response = client.get(f"/api/v1/accounts/{extra['joint']}", headers=world.headers(Role.SERVICE_AGENT))
    holders = sorted((h["party_id"], h["full_name"], h["role"]) for h in response.json()["holders"])
    assert holders == sorted([(world.ids["own_party"], "王小明", "owner"), (world.ids["other_party"], None, "joint")])


def test_the_agent_loses_the_customer_when_the_case_closes(client, world, session):
    own = world.ids["own_party"]
    assert client.get(f"/api/v1/parties/{own}", headers=world.headers(Role.SERVICE_AGENT)).status_code == 200
    with session.begin():
        session.execute(update(Case).where(Case.party_id == own).values(status="closed"))
    assert client.get(f"/api/v1/parties/{own}", headers=world.headers(Role.SERVICE_AGENT)).status_code == 404
    assert _names(client, world, Role.SERVICE_AGENT) == []
