"""Customers sign in to customer channels with a passcode of their own, apart from staff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from factories import make_party
from guanxi.audit.models import AuditEvent
from guanxi.errors import ValidationFailed
from guanxi.security.auth import AccountLocked, AuthenticationFailed
from guanxi.security.customers import CustomerPrincipal, authenticate_customer, enrol_customer
from guanxi.security.models import CustomerCredential
from guanxi.security.service import SYSTEM

PASSCODE = "482913"


@pytest.fixture
def party_id(session) -> int:
    with session.begin():
        party = make_party(session)
        enrol_customer(session=session, actor=SYSTEM, party_id=party.id, passcode=PASSCODE)
        return party.id


def test_the_right_passcode_gives_a_customer_principal_not_a_staff_actor(session, party_id):
    principal = authenticate_customer(session=session, party_id=party_id, passcode=PASSCODE, channel="assistant")
    assert isinstance(principal, CustomerPrincipal)
    assert (principal.party_id, principal.username, principal.source) == (party_id, f"customer:{party_id}", "assistant")
    assert not hasattr(principal, "can")  # no staff permission can accept it
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(party_id))).all()
    assert actions[-1] == "customer.sign_in"


def test_a_wrong_passcode_is_refused_counted_and_audited(session, party_id):
    with pytest.raises(AuthenticationFailed, match="we could not verify you"):
        authenticate_customer(session=session, party_id=party_id, passcode="000111", channel="assistant")
    credential = session.scalar(select(CustomerCredential).where(CustomerCredential.party_id == party_id))
    assert credential.failed_sign_ins == 1
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (event.action, event.actor, event.data) == (
        "customer.sign_in_failed",
        f"customer:{party_id}",
        {"reason": "authentication_failed"},
    )


def test_five_failures_lock_the_customer_even_with_the_right_passcode(session, party_id):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            authenticate_customer(session=session, party_id=party_id, passcode="000111", channel="assistant")
    with pytest.raises(AccountLocked) as locked:
        authenticate_customer(session=session, party_id=party_id, passcode=PASSCODE, channel="assistant")
    assert 0 < locked.value.details["retry_after_seconds"] <= 61


def test_a_customer_without_a_passcode_cannot_sign_in(session):
    with session.begin():
        party = make_party(session)
    with pytest.raises(AuthenticationFailed):
        authenticate_customer(session=session, party_id=party.id, passcode=PASSCODE, channel="assistant")


@pytest.mark.parametrize(
    ("passcode", "problem"),
    [
        ("12345", "shorter than 6 characters"),
        ("111111", "too few different characters"),
        ("345678", "a run of consecutive digits"),
    ],
)
def test_a_weak_passcode_is_refused(session, passcode, problem):
    with session.begin():
        party = make_party(session)
    with pytest.raises(ValidationFailed) as refused:
        enrol_customer(session=session, actor=SYSTEM, party_id=party.id, passcode=passcode)
    assert problem in refused.value.details["problems"]
    assert passcode not in refused.value.message
