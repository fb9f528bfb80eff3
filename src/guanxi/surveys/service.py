"""Sending surveys after cases and contacts (at most one per customer in 30 days), taking the
customer's answer through the token of their link, and raising a follow-up on a low score."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.outbox.service import enqueue, reachable_channel
from guanxi.parties.models import Party
from guanxi.security.actor import SYSTEM, Actor
from guanxi.security.permissions import Permission
from guanxi.surveys.models import Survey, SurveyTrigger
from guanxi.tasks.service import raise_task
from guanxi.team.models import Team

QUIET_DAYS = 30
DEFAULT_TRIGGERS = {
    "case_closed": "csat",
    "interaction:branch": "csat",
    "interaction:phone": "csat",
    "interaction:rm_visit": "nps",
}
SCALES = {"csat": (1, 5), "nps": (0, 10)}
# Scores that raise a follow-up: a dissatisfied CSAT (1-2), a strong NPS detractor (0-4).
LOW_SCORE = {"csat": 2, "nps": 4}


def token_digest(token: str) -> str:
    """What is stored of a survey link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _kind_for(session: Session, trigger: str) -> str | None:
    configured = session.scalar(select(SurveyTrigger).where(SurveyTrigger.trigger == trigger))
    if configured is not None:
        return configured.kind if configured.enabled else None
    return DEFAULT_TRIGGERS.get(trigger)


def survey_after(
    session: Session,
    *,
    actor: Actor,
    trigger: str,
    party_id: int,
    case_id: int | None = None,
    interaction_id: int | None = None,
    staff_id: int | None = None,
    team_id: int | None = None,
    channel: str | None = None,
    category: str | None = None,
) -> Survey | None:
    """Send the survey ``trigger`` calls for, inside the caller's transaction, unless the customer
    was surveyed in the last 30 days, cannot be reached, or the trigger sends none."""
    kind = _kind_for(session, trigger)
    if kind is None:
        return None
    at = now()
    # Lock the customer so two closures at the same moment cannot both survey them.
    session.scalar(select(Party.id).where(Party.id == party_id).with_for_update())
    recent = session.scalar(
        select(Survey.id)
        .where(Survey.party_id == party_id, Survey.sent_at > at - dt.timedelta(days=QUIET_DAYS))
        .limit(1)
    )
    if recent is not None:
        return None
    via = reachable_channel(session, party_id)
    if via is None:
        return None
    token = secrets.token_urlsafe(24)
    survey = Survey(
        party_id=party_id,
        kind=kind,
        trigger=trigger,
        case_id=case_id,
        interaction_id=interaction_id,
        staff_id=staff_id,
        team_id=team_id,
        channel=channel,
        category=category,
        sent_at=at,
        status="sent",
        token_digest=token_digest(token),
    )
    session.add(survey)
    session.flush()
    question = "How satisfied were you (1-5)?" if kind == "csat" else "How likely are you to recommend us (0-10)?"
    enqueue(
        session,
        channel=via,
        party_id=party_id,
        subject="How did we do? 我們做得如何？",
        body=f"{question} /s/{token}",
        source="survey",
        source_id=survey.id,
    )
    record(
        session=session,
        actor=actor,
        action="survey.send",
        entity="party",
        entity_id=party_id,
        data={"survey_id": survey.id, "kind": kind, "trigger": trigger, "channel": via},
    )
    return survey


def get_survey_by_token(*, session: Session, token: str) -> Survey:
    """The survey a link's token opens; ``NotFound`` for an unknown token."""
    survey = session.scalar(select(Survey).where(Survey.token_digest == token_digest(token)))
    if survey is None:
        raise NotFound("this survey link is not valid", code="survey_not_found")
    return survey


@use_case
def answer_survey(*, session: Session, token: str, score: int, comment: str | None) -> Survey:
    """Record the customer's answer; a low score raises a follow-up task for the team that served them."""
    survey = session.scalar(select(Survey).where(Survey.token_digest == token_digest(token)).with_for_update())
    if survey is None:
        raise NotFound("this survey link is not valid", code="survey_not_found")
    if survey.status != "sent":
        raise Conflict("this survey has already been answered", code="survey_answered")
    low, high = SCALES[survey.kind]
    if not low <= score <= high:
        raise ValidationFailed(f"a {survey.kind} score is from {low} to {high}", code="score_out_of_range")
    survey.score, survey.comment, survey.answered_at, survey.status = score, comment, now(), "answered"
    if score <= LOW_SCORE[survey.kind]:
        lead = session.scalar(select(Team.lead_staff_id).where(Team.id == survey.team_id)) if survey.team_id else None
        task = raise_task(
            session,
            actor=SYSTEM,
            kind="survey_follow_up",
            title=f"Call back: {survey.kind.upper()} {score} after {survey.trigger}",
            detail=comment,
            source="survey",
            source_id=survey.id,
            party_id=survey.party_id,
            assignee_staff_id=lead or survey.staff_id,
            team_id=survey.team_id,
            priority="high",
            due_on=now().date() + dt.timedelta(days=2),
        )
        survey.follow_up_task_id = task.id
    record(
        session=session,
        actor="customer",
        action="survey.answer",
        entity="party",
        entity_id=survey.party_id,
        data={"survey_id": survey.id, "score": score, "follow_up": survey.follow_up_task_id},
    )
    return survey


def list_triggers(*, session: Session, actor: Actor) -> list[dict[str, object]]:
    """Every trigger in force: the bank's settings over the built-in defaults."""
    actor.require(Permission.CASE_READ)
    merged: dict[str, dict[str, object]] = {
        trigger: {"trigger": trigger, "kind": kind, "enabled": True} for trigger, kind in DEFAULT_TRIGGERS.items()
    }
    for row in session.scalars(select(SurveyTrigger)):
        merged[row.trigger] = {"trigger": row.trigger, "kind": row.kind, "enabled": row.enabled}
    return [merged[key] for key in sorted(merged)]


@use_case
def set_trigger(*, session: Session, actor: Actor, trigger: str, kind: str, enabled: bool) -> SurveyTrigger:
    """Choose whether (and which) survey a trigger sends; audited."""
    actor.require(Permission.SERVICE_CONFIGURE)
    row = session.scalar(select(SurveyTrigger).where(SurveyTrigger.trigger == trigger))
    if row is None:
        row = SurveyTrigger(trigger=trigger)
        session.add(row)
    row.kind, row.enabled = kind, enabled
    session.flush()
    record(
        session=session,
        actor=actor,
        action="survey.trigger.set",
        entity="survey_trigger",
        entity_id=row.id,
        data={"trigger": trigger, "kind": kind, "enabled": enabled},
    )
    return row
