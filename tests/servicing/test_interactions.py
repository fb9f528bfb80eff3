"""Contacts: logged with their tone, linked to cases, merged into the customer's timeline; an
inbound contact on a surveyed channel sends a survey; bad input is refused with its code."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from guanxi.cases.schemas import CaseCreate
from guanxi.cases.service import open_case
from guanxi.clock import frozen_at
from guanxi.errors import NotFound, ValidationFailed
from guanxi.history.service import customer_timeline
from guanxi.interactions.schemas import InteractionCreate
from guanxi.interactions.sentiment import score_text
from guanxi.interactions.service import list_interactions, log_interaction
from guanxi.surveys.models import Survey
from servicing.conftest import ADMIN, T0, agent_of


def contact(**fields) -> InteractionCreate:
    values = {"channel": "phone", "direction": "inbound", "topic": "Annual fee"}
    return InteractionCreate(**(values | fields))


@pytest.mark.parametrize(
    ("text", "label", "score"),
    [
        ("Thank you, the agent was very helpful and quick.", "positive", 1.0),
        ("I was charged twice and the branch was rude. Unacceptable!", "negative", -1.0),
        ("I am not happy with the answer.", "negative", -1.0),
        ("Called about the opening hours.", "neutral", 0.0),
        ("我要投訴，重複扣錢，很失望", "negative", -1.0),
        ("谢谢，服务很专业", "positive", 1.0),
    ],
)
def test_the_tone_of_a_text(text, label, score):
    tone = score_text(text)
    assert (tone.label, tone.score) == (label, score)


def test_a_contact_is_logged_with_its_tone_and_its_handler(session, serviced):
    with frozen_at(T0):
        logged = log_interaction(
            session=session,
            actor=agent_of(serviced),
            party_id=serviced["customer"],
            data=contact(summary="Customer angry: charged twice for the annual fee", outcome="follow_up"),
        )
    assert (logged.handled_by, logged.handled_by_staff_id, logged.sentiment_label, logged.outcome) == (
        "agent.wong",
        serviced["agent"],
        "negative",
        "follow_up",
    )
    with session.begin():
        [listed] = list_interactions(session=session, actor=ADMIN, party_id=serviced["customer"])
    assert listed.id == logged.id


def test_an_inbound_phone_call_sends_a_csat_survey_and_an_outbound_one_does_not(session, serviced):
    with frozen_at(T0):
        log_interaction(
            session=session, actor=agent_of(serviced), party_id=serviced["customer"], data=contact(direction="outbound")
        )
    with session.begin():
        assert session.scalars(select(Survey)).all() == []
    with frozen_at(T0):
        call = log_interaction(session=session, actor=agent_of(serviced), party_id=serviced["customer"], data=contact())
    with session.begin():
        [survey] = session.scalars(select(Survey)).all()
        assert (survey.kind, survey.trigger, survey.interaction_id) == ("csat", "interaction:phone", call.id)


def test_bad_contacts_are_refused_with_their_codes(session, serviced):
    with frozen_at(T0):
        with pytest.raises(ValidationFailed) as future:
            log_interaction(
                session=session,
                actor=ADMIN,
                party_id=serviced["customer"],
                data=contact(occurred_at=T0 + dt.timedelta(hours=1)),
            )
        with pytest.raises(NotFound) as no_case:
            log_interaction(session=session, actor=ADMIN, party_id=serviced["customer"], data=contact(case_id=999_999))
        with pytest.raises(NotFound) as no_party:
            log_interaction(session=session, actor=ADMIN, party_id=999_999, data=contact())
    assert (future.value.code, no_case.value.code, no_party.value.code) == (
        "in_the_future",
        "case_not_found",
        "not_found",
    )


def test_a_case_of_another_customer_cannot_be_linked(session, serviced):
    with frozen_at(T0):
        case = open_case(
            session=session,
            actor=ADMIN,
            data=CaseCreate(
                party_id=serviced["silent"], case_type="enquiry", category="other", channel="web", subject="Hi"
            ),
        )
        with pytest.raises(ValidationFailed) as raised:
            log_interaction(session=session, actor=ADMIN, party_id=serviced["customer"], data=contact(case_id=case.id))
    assert raised.value.code == "case_of_another_customer"


def test_the_timeline_merges_contacts_cases_and_surveys_newest_first(session, serviced, lake_root):
    with frozen_at(T0):
        case = open_case(
            session=session,
            actor=ADMIN,
            data=CaseCreate(
                party_id=serviced["customer"],
                case_type="complaint",
                category="credit_card",
                channel="phone",
                subject="Card",
            ),
        )
    with frozen_at(T0 + dt.timedelta(minutes=5)):
        log_interaction(
            session=session, actor=agent_of(serviced), party_id=serviced["customer"], data=contact(case_id=case.id)
        )
    with frozen_at(T0 + dt.timedelta(minutes=10)), session.begin():
        merged = customer_timeline(session=session, actor=ADMIN, party_id=serviced["customer"], lake_root=lake_root)
    timeline = [e for e in merged if e.at >= T0]  # the fixture's own open case is older
    assert [(e.kind, e.at) for e in timeline] == [
        ("contact_inbound", T0 + dt.timedelta(minutes=5)),
        ("survey_sent", T0 + dt.timedelta(minutes=5)),
        ("case_opened", T0),
    ] or [(e.kind, e.at) for e in timeline] == [
        ("survey_sent", T0 + dt.timedelta(minutes=5)),
        ("contact_inbound", T0 + dt.timedelta(minutes=5)),
        ("case_opened", T0),
    ]


def test_an_agent_cannot_serve_a_customer_outside_their_scope(session, serviced):
    # given a customer with no open case of the agent's team
    from factories import make_party

    with session.begin():
        stranger = make_party(session).id
    # when the agent logs a contact or opens a case for them, the customer does not exist for them
    with pytest.raises(NotFound):
        log_interaction(session=session, actor=agent_of(serviced), party_id=stranger, data=contact())
    with pytest.raises(NotFound):
        open_case(
            session=session,
            actor=agent_of(serviced),
            data=CaseCreate(party_id=stranger, case_type="enquiry", category="other", channel="phone", subject="Hi"),
        )


def test_a_contact_links_only_an_appointment_of_the_same_customer(session, serviced):
    with frozen_at(T0), pytest.raises(NotFound) as missing:
        log_interaction(
            session=session, actor=ADMIN, party_id=serviced["customer"], data=contact(appointment_id=999_999)
        )
    assert missing.value.code == "appointment_not_found"
