"""Surveys: sent after a closed case or a contact, never twice in 30 days, answered by link token,
a low score raises a follow-up task, and the satisfaction report adds up."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from guanxi.cases.schemas import CaseCreate, CaseTransition
from guanxi.cases.service import open_case
from guanxi.cases.workflow import transition_case
from guanxi.clock import frozen_at
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.outbox.models import OutboxMessage
from guanxi.surveys.models import Survey
from guanxi.surveys.reports import satisfaction_report
from guanxi.surveys.service import answer_survey
from guanxi.tasks.models import Task
from servicing.conftest import ADMIN, T0, agent_of

CLOSE = (
    CaseTransition(to="resolved", resolution_code="explained", root_cause="communication"),
    CaseTransition(to="closed"),
)


def close_a_case(session, ids, party: str = "customer", at: dt.datetime = T0) -> int:
    with frozen_at(at):
        case = open_case(
            session=session,
            actor=agent_of(ids),
            data=CaseCreate(
                party_id=ids[party], case_type="complaint", category="fees_charges", channel="phone", subject="Fee"
            ),
        )
        for step in CLOSE:
            transition_case(session=session, actor=agent_of(ids), case_id=case.id, data=step)
    return case.id


def token_of(session, survey_id: int) -> str:
    with session.begin():
        body = session.scalar(select(OutboxMessage.body).where(OutboxMessage.source_id == str(survey_id)))
    return body.rsplit("/s/", 1)[1]


def surveys_of(session, party_id: int) -> list[Survey]:
    with session.begin():
        return list(session.scalars(select(Survey).where(Survey.party_id == party_id).order_by(Survey.id)))


def test_closing_a_case_sends_a_csat_survey_by_email(session, serviced):
    case_id = close_a_case(session, serviced)
    [survey] = surveys_of(session, serviced["customer"])
    assert (survey.kind, survey.trigger, survey.case_id, survey.team_id, survey.category) == (
        "csat",
        "case_closed",
        case_id,
        serviced["desk"],
        "fees_charges",
    )
    with session.begin():
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.source == "survey"))
        assert (message.channel, message.party_id, message.status) == ("email", serviced["customer"], "pending")
        assert "/s/" in message.body


def test_nobody_is_surveyed_twice_within_30_days(session, serviced):
    # given a survey sent when a case closed
    close_a_case(session, serviced)
    # when another case closes 29 days later, and a third 31 days after the first
    close_a_case(session, serviced, at=T0 + dt.timedelta(days=29))
    assert len(surveys_of(session, serviced["customer"])) == 1
    close_a_case(session, serviced, at=T0 + dt.timedelta(days=31))
    # then only the first and the third sent a survey
    sent = [s.sent_at for s in surveys_of(session, serviced["customer"])]
    assert sent == [T0, T0 + dt.timedelta(days=31)]


def test_a_customer_without_consent_for_service_messages_is_not_surveyed(session, serviced):
    close_a_case(session, serviced, party="silent")
    assert surveys_of(session, serviced["silent"]) == []


@pytest.mark.parametrize(("score", "task_expected"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_csat_of_1_or_2_opens_a_follow_up_task_for_the_team_lead(session, serviced, score, task_expected):
    close_a_case(session, serviced)
    [survey] = surveys_of(session, serviced["customer"])
    with frozen_at(T0 + dt.timedelta(hours=2)):
        answered = answer_survey(session=session, token=token_of(session, survey.id), score=score, comment="slow")
    assert (answered.status, answered.score) == ("answered", score)
    with session.begin():
        tasks = session.scalars(select(Task).where(Task.party_id == serviced["customer"])).all()
    if task_expected:
        [task] = tasks
        assert (task.kind, task.assignee_staff_id, task.team_id, task.priority, task.due_on) == (
            "survey_follow_up",
            serviced["lead"],
            serviced["desk"],
            "high",
            dt.date(2026, 12, 3),
        )
        assert answered.follow_up_task_id == task.id
    else:
        assert tasks == []


def test_a_survey_is_answered_once_and_only_on_its_scale(session, serviced):
    close_a_case(session, serviced)
    [survey] = surveys_of(session, serviced["customer"])
    token = token_of(session, survey.id)
    with pytest.raises(ValidationFailed) as raised:
        answer_survey(session=session, token=token, score=9, comment=None)
    assert raised.value.code == "score_out_of_range"
    answer_survey(session=session, token=token, score=4, comment=None)
    with pytest.raises(Conflict) as again:
        answer_survey(session=session, token=token, score=5, comment=None)
    assert again.value.code == "survey_answered"
    with pytest.raises(NotFound) as unknown:
        answer_survey(session=session, token="x" * 32, score=5, comment=None)
    assert unknown.value.code == "survey_not_found"


def test_the_satisfaction_report_by_team_and_month(session, serviced):
    close_a_case(session, serviced)
    [survey] = surveys_of(session, serviced["customer"])
    with frozen_at(T0 + dt.timedelta(hours=1)):
        answer_survey(session=session, token=token_of(session, survey.id), score=4, comment=None)
    with session.begin():
        by_team = satisfaction_report(
            session=session, actor=ADMIN, by="team", start=dt.date(2026, 12, 1), end=dt.date(2027, 1, 1)
        )
        by_month = satisfaction_report(
            session=session, actor=ADMIN, by="month", start=dt.date(2026, 12, 1), end=dt.date(2027, 1, 1)
        )
        assert session.scalar(select(func.count()).select_from(Survey)) == 1
    [row] = by_team.rows
    assert (row.group, row.csat_responses, row.csat_average, row.csat_satisfied_share, row.nps) == (
        "Service desk",
        1,
        4.0,
        1.0,
        None,
    )
    assert [r.group for r in by_month.rows] == ["2026-12"]
    with pytest.raises(ValidationFailed) as raised:
        satisfaction_report(
            session=session, actor=ADMIN, by="colour", start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1)
        )
    assert raised.value.code == "bad_grouping"


def test_a_trigger_switched_off_sends_no_survey_and_the_list_shows_it(session, serviced):
    from guanxi.surveys.service import list_triggers, set_trigger

    set_trigger(session=session, actor=ADMIN, trigger="case_closed", kind="csat", enabled=False)
    close_a_case(session, serviced)
    assert surveys_of(session, serviced["customer"]) == []
    with session.begin():
        listed = {t["trigger"]: t for t in list_triggers(session=session, actor=ADMIN)}
    assert listed["case_closed"] == {"trigger": "case_closed", "kind": "csat", "enabled": False}
    assert listed["interaction:rm_visit"] == {"trigger": "interaction:rm_visit", "kind": "nps", "enabled": True}


def test_a_reply_to_the_customer_is_queued_on_their_channel(session, serviced):
    from guanxi.cases.schemas import CaseNote
    from guanxi.cases.workflow import add_note

    with frozen_at(T0):
        case = open_case(
            session=session,
            actor=agent_of(serviced),
            data=CaseCreate(
                party_id=serviced["customer"], case_type="enquiry", category="other", channel="email", subject="Hours"
            ),
        )
        add_note(session=session, actor=agent_of(serviced), case_id=case.id, data=CaseNote(body="internal only"))
        add_note(
            session=session,
            actor=agent_of(serviced),
            case_id=case.id,
            data=CaseNote(body="We open at 9.", visibility="customer"),
        )
    with session.begin():
        messages = session.execute(
            select(OutboxMessage.channel, OutboxMessage.body).where(OutboxMessage.source == "case_reply")
        ).all()
    assert [tuple(m) for m in messages] == [("email", "We open at 9.")]


def test_the_satisfaction_report_counts_only_customers_in_scope(session, serviced):
    from guanxi.security.actor import Actor
    from guanxi.security.permissions import Role

    close_a_case(session, serviced)
    [survey] = surveys_of(session, serviced["customer"])
    with frozen_at(T0 + dt.timedelta(hours=1)):
        answer_survey(session=session, token=token_of(session, survey.id), score=5, comment=None)
    outsider = Actor(username="rm.far", role=Role.RELATIONSHIP_MANAGER, staff_id=999_999)
    with session.begin():
        theirs = satisfaction_report(
            session=session, actor=outsider, by="team", start=dt.date(2026, 12, 1), end=dt.date(2027, 1, 1)
        )
        ours = satisfaction_report(
            session=session, actor=agent_of(serviced), by="team", start=dt.date(2026, 12, 1), end=dt.date(2027, 1, 1)
        )
    assert theirs.rows == []
    assert [r.csat_responses for r in ours.rows] == [1]
