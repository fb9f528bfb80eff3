"""Consent per purpose and channel: opt-in, withdrawal at once, blanket withdrawals, history, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import make_party, make_staff
from guanxi.audit.models import AuditEvent
from guanxi.clock import frozen_at
from guanxi.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.privacy import consent
from guanxi.privacy.consent import consent_state, record_consent
from guanxi.privacy.schemas import ConsentChange
from guanxi.security.actor import Actor
from guanxi.security.consent import has_consent
from guanxi.security.models import ConsentRecord
from guanxi.security.permissions import Role

COMPLIANCE = Actor(username="compliance.chan", role=Role.COMPLIANCE_OFFICER, source="test")
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def change(status: str, channel: str = "sms", purpose: str = "marketing", **fields: str) -> ConsentChange:
    return ConsentChange(purpose=purpose, channel=channel, status=status, captured_via="branch", **fields)


def consented(session: Session, party_id: int, channel: str = "sms", purpose: str = "marketing", **kw) -> bool:
    """Ask has_consent inside a short transaction of its own, as a caller would."""
    with session.begin():
        return has_consent(session=session, party_id=party_id, purpose=purpose, channel=channel, **kw)


def record(session: Session, party_id: int, when: dt.datetime, *args: str, actor: Actor = COMPLIANCE, **kw: str):
    with frozen_at(when):
        return record_consent(session=session, actor=actor, party_id=party_id, change=change(*args, **kw))


@pytest.fixture
def party_id(session: Session) -> int:
    with session.begin():
        return make_party(session).id


def stored(session: Session, party_id: int) -> int:
    """How many consent records the customer has (read in a transaction of its own)."""
    with session.begin():
        return len(session.scalars(select(ConsentRecord.id).where(ConsentRecord.party_id == party_id)).all())


def audit_actions(session: Session, party_id: int) -> list[tuple[str, str, dict]]:
    with session.begin():
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "party", AuditEvent.entity_id == str(party_id))
            .order_by(AuditEvent.seq)
        ).all()
        return [(e.action, e.actor, e.data) for e in rows]


def test_without_any_record_there_is_no_consent(session, party_id):
    # given a customer who never said anything / when asked / then consent is opt-in: no
    assert consented(session, party_id, "sms") is False
    assert consented(session, party_id, "any") is False
    assert consented(session, party_id, "email", purpose="service_messages") is False


def test_given_consent_counts_for_its_purpose_and_channel_only(session, party_id):
    # given marketing by sms was given
    record(session, party_id, at(0), "given", "sms")
    # when asked / then it holds for marketing by sms, not for another channel or purpose
    assert consented(session, party_id, "sms") is True
    assert consented(session, party_id, "email") is False
    assert consented(session, party_id, "any") is False
    assert consented(session, party_id, "sms", purpose="profiling") is False


def test_a_withdrawal_takes_effect_on_the_very_next_check(session, party_id):
    # given consent was given and checked in this session
    record_consent(session=session, actor=COMPLIANCE, party_id=party_id, change=change("given"))
    assert consented(session, party_id) is True
    # when it is withdrawn (same session, no waiting, no frozen clock)
    record_consent(session=session, actor=COMPLIANCE, party_id=party_id, change=change("withdrawn"))
    # then the next call already says no
    assert consented(session, party_id) is False


def test_a_blanket_withdrawal_overrides_a_channel_grant_and_a_later_grant_reenables_that_channel_only(
    session, party_id
):
    # given marketing by sms and by email were given
    record(session, party_id, at(0), "given", "sms")
    record(session, party_id, at(1), "given", "email")
    # when marketing is withdrawn on every channel
    record(session, party_id, at(2), "withdrawn", "any")
    # then no channel may be used
    assert [consented(session, party_id, c) for c in ("sms", "email", "any")] == [False, False, False]
    # when sms is granted again afterwards
    record(session, party_id, at(3), "given", "sms")
    # then sms is back, email stays withdrawn, and "any" does not claim consent for everything
    assert [consented(session, party_id, c) for c in ("sms", "email", "any")] == [True, False, False]


def test_a_blanket_grant_covers_every_channel_until_one_is_withdrawn(session, party_id):
    # given marketing was given on every channel, then withdrawn by sms
    record(session, party_id, at(0), "given", "any")
    assert [consented(session, party_id, c) for c in ("sms", "email", "wechat")] == [True, True, True]
    record(session, party_id, at(1), "withdrawn", "sms")
    # then only sms is refused
    assert [consented(session, party_id, c) for c in ("sms", "email", "wechat")] == [False, True, True]


def test_at_answers_for_a_past_moment(session, party_id):
    # given: given at +0, blanket withdrawal at +10, sms granted again at +20
    record(session, party_id, at(0), "given", "sms")
    record(session, party_id, at(10), "withdrawn", "any")
    record(session, party_id, at(20), "given", "sms")
    # when asked about moments in the past / then each answer is what was in force then
    assert consented(session, party_id, at=at(-1)) is False  # before any record
    assert consented(session, party_id, at=at(0)) is True  # the record's own moment counts
    assert consented(session, party_id, at=at(5)) is True
    assert consented(session, party_id, at=at(10)) is False
    assert consented(session, party_id, at=at(15)) is False
    assert consented(session, party_id, at=at(25)) is True
    assert consented(session, party_id, "email", at=at(5)) is False
    # and "now" (no at) is the latest state
    assert consented(session, party_id) is True


def test_records_at_the_same_moment_are_ordered_by_when_they_were_recorded(session, party_id):
    # given two records with the same timestamp (frozen clock): given, then withdrawn
    record(session, party_id, at(0), "given", "sms")
    record(session, party_id, at(0), "withdrawn", "sms")
    # then the later one (higher id) decides
    assert consented(session, party_id, at=at(0)) is False


@pytest.mark.parametrize(
    ("purpose", "channel", "field", "message"),
    [
        (
            "spam",
            "sms",
            "purpose",
            "unknown purpose 'spam' (one of: marketing, profiling, data_sharing, service_messages)",
        ),
        (
            "marketing",
            "fax",
            "channel",
            "unknown channel 'fax' (one of: any, email, sms, phone, post, app_push, wechat)",
        ),
    ],
)
def test_an_unknown_purpose_or_channel_is_refused_naming_the_field(session, party_id, purpose, channel, field, message):
    # when asked about an unknown purpose or channel
    with pytest.raises(ValidationFailed) as asked:
        has_consent(session=session, party_id=party_id, purpose=purpose, channel=channel)
    # then the error names the field
    assert (asked.value.message, asked.value.details) == (message, {"field": field})
    assert asked.value.code == "validation_failed"
    # and recording one is refused the same way, storing nothing
    with pytest.raises(ValidationFailed) as recorded:
        record_consent(
            session=session,
            actor=COMPLIANCE,
            party_id=party_id,
            change=change("given", channel=channel, purpose=purpose),
        )
    assert (recorded.value.message, recorded.value.details) == (message, {"field": field})
    assert stored(session, party_id) == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"status": "maybe"}, "status", "unknown status 'maybe' (one of: given, withdrawn)"),
        (
            {"captured_via": "telepathy"},
            "captured_via",
            "unknown captured_via 'telepathy' (one of: branch, online, mobile, phone, paper, import)",
        ),
    ],
)
def test_record_consent_refuses_an_unknown_status_or_capture_method(session, party_id, fields, field, message):
    body = {"purpose": "marketing", "channel": "sms", "status": "given", "captured_via": "branch"} | fields
    with pytest.raises(ValidationFailed) as raised:
        record_consent(session=session, actor=COMPLIANCE, party_id=party_id, change=ConsentChange(**body))
    assert (raised.value.message, raised.value.details) == (message, {"field": field})


def test_recording_consent_for_a_customer_out_of_scope_is_not_found(session):
    # given an RM and a customer managed by another RM
    with session.begin():
        rm = make_staff(session, role="relationship_manager")
        other_rm = make_staff(session, role="relationship_manager")
        own = make_party(session, relationship_manager_id=rm.id)
        other = make_party(session, relationship_manager_id=other_rm.id)
        own_id, other_id = own.id, other.id
    actor = Actor(username="rm.lee", role=Role.RELATIONSHIP_MANAGER, staff_id=rm.id)
    # when the RM records a consent for the other customer
    with pytest.raises(NotFound) as raised:
        record_consent(session=session, actor=actor, party_id=other_id, change=change("given"))
    # then it is reported as not found, and nothing is stored or audited
    assert raised.value.message == f"no party with id {other_id}"
    assert raised.value.details == {"party_id": other_id}
    assert stored(session, other_id) == 0
    assert audit_actions(session, other_id) == []
    # while their own customer works
    assert record_consent(session=session, actor=actor, party_id=own_id, change=change("given")).status == "given"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.MARKETING_ANALYST, Role.OPERATOR])
def test_recording_consent_needs_consent_write(session, party_id, role):
    actor = Actor(username=f"user-{role.value}", role=role)
    with pytest.raises(PermissionDenied) as raised:
        record_consent(session=session, actor=actor, party_id=party_id, change=change("given"))
    assert raised.value.message == f"your role ({role.value}) may not use consent.write"
    assert raised.value.code == "permission_denied"
    assert stored(session, party_id) == 0


def test_consent_state_gives_the_latest_per_purpose_and_channel_and_the_history(session, party_id):
    # given a history of four records
    first = record(session, party_id, at(0), "given", "sms")
    second = record(session, party_id, at(1), "given", "email", purpose="profiling")
    third = record(session, party_id, at(2), "withdrawn", "any")
    fourth = record(session, party_id, at(3), "given", "sms")
    # when the state is read
    with session.begin():
        state = consent_state(session=session, actor=COMPLIANCE, party_id=party_id)
    # then "current" is the latest per purpose:channel, sorted; "history" is everything, newest first
    assert state.party_id == party_id
    assert [(c.purpose, c.channel, c.status, c.id) for c in state.current] == [
        ("marketing", "any", "withdrawn", third.id),
        ("marketing", "sms", "given", fourth.id),
        ("profiling", "email", "given", second.id),
    ]
    assert [(h.id, h.status, h.recorded_at) for h in state.history] == [
        (fourth.id, "given", at(3)),
        (third.id, "withdrawn", at(2)),
        (second.id, "given", at(1)),
        (first.id, "given", at(0)),
    ]
    assert {h.captured_via for h in state.history} == {"branch"}


def test_consent_state_needs_consent_read_and_respects_scope(session, party_id):
    with pytest.raises(PermissionDenied) as denied:
        consent_state(session=session, actor=Actor(username="ops", role=Role.OPERATOR), party_id=party_id)
    assert denied.value.message == "your role (operator) may not use consent.read"
    rm = Actor(username="rm.nobody", role=Role.RELATIONSHIP_MANAGER, staff_id=None)
    with pytest.raises(NotFound):
        consent_state(session=session, actor=rm, party_id=party_id)


def test_an_empty_consent_state(session, party_id):
    with session.begin():
        state = consent_state(session=session, actor=COMPLIANCE, party_id=party_id)
    assert (state.party_id, state.current, state.history) == (party_id, [], [])


def test_each_record_is_audited_in_the_same_transaction(session, party_id):
    # when consent is given then withdrawn
    given = record(session, party_id, at(0), "given", "sms", evidence="form 2026/118")
    withdrawn = record(session, party_id, at(1), "withdrawn", "any")
    # then both are stored, and after each commit its audit entry is there
    assert (given.status, withdrawn.status) == ("given", "withdrawn")
    assert audit_actions(session, party_id) == [
        ("consent.given", "compliance.chan", {"purpose": "marketing", "channel": "sms", "captured_via": "branch"}),
        ("consent.withdrawn", "compliance.chan", {"purpose": "marketing", "channel": "any", "captured_via": "branch"}),
    ]
    with session.begin():
        entries = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == str(party_id)).order_by(AuditEvent.seq)
        ).all()
        assert [(e.entity, e.source, e.occurred_at) for e in entries] == [
            ("party", "test", at(0)),
            ("party", "test", at(1)),
        ]
        assert entries[1].seq == entries[0].seq + 1
        assert entries[1].prev_hash == entries[0].hash


def test_a_failing_use_case_leaves_neither_the_record_nor_its_audit_entry(session, party_id, monkeypatch):
    # given the use case fails after it stored the record and queued the audit entry
    real_record = consent.record

    def record_then_fail(**kwargs) -> None:
        real_record(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(consent, "record", record_then_fail)
    # when consent is recorded
    with pytest.raises(RuntimeError, match="disk full"):
        record_consent(session=session, actor=COMPLIANCE, party_id=party_id, change=change("given"))
    # then neither the consent nor an audit entry exists, and consent is still refused
    assert stored(session, party_id) == 0
    assert audit_actions(session, party_id) == []
    assert consented(session, party_id) is False
    # and once the fault is gone the next record works and is audited once
    monkeypatch.setattr(consent, "record", real_record)
    record_consent(session=session, actor=COMPLIANCE, party_id=party_id, change=change("given"))
    assert [a for a, _, _ in audit_actions(session, party_id)] == ["consent.given"]
    assert consented(session, party_id) is True
