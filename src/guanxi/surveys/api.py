"""HTTP: surveys of a customer, the customer's answer (by link token), satisfaction dashboards."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from guanxi.api.deps import RowId, SessionDep, require
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.security.permissions import Permission
from guanxi.surveys import reports, service
from guanxi.surveys.models import Survey
from guanxi.surveys.schemas import SatisfactionReport, SurveyAnswer, SurveyAnswered, SurveyRead, SurveyTriggerWrite

router = APIRouter(prefix="/api/v1", tags=["surveys"])
Reader = Annotated[Any, Depends(require(Permission.CASE_READ))]


@router.get("/parties/{party_id}/surveys", response_model=list[SurveyRead])
def party_surveys(party_id: RowId, session: SessionDep, actor: Reader) -> list[SurveyRead]:
    """The surveys sent to a customer and their answers, newest first."""
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    rows = session.scalars(
        select(Survey).where(Survey.party_id == party_id).order_by(Survey.sent_at.desc(), Survey.id.desc())
    )
    return [SurveyRead.model_validate(s) for s in rows]


@router.post("/surveys/answers", response_model=SurveyAnswered)
def answer(body: SurveyAnswer, session: SessionDep) -> SurveyAnswered:
    """A customer answers the survey of their link (the token is the credential; no sign-in)."""
    survey = service.answer_survey(session=session, token=body.token, score=body.score, comment=body.comment)
    return SurveyAnswered(kind=survey.kind, score=body.score, thanks="Thank you. 謝謝。")


@router.get("/surveys/satisfaction", response_model=SatisfactionReport)
def satisfaction(
    session: SessionDep,
    actor: Reader,
    by: Annotated[str, Query(max_length=16, description="team, channel, category or month")],
    start: Annotated[dt.date, Query(alias="from")],
    end: Annotated[dt.date, Query(alias="to")],
) -> SatisfactionReport:
    """CSAT and NPS over a period, by team, channel, category or month."""
    return reports.satisfaction_report(session=session, actor=actor, by=by, start=start, end=end)


@router.get("/surveys/triggers", response_model=list[SurveyTriggerWrite])
def triggers(session: SessionDep, actor: Reader) -> list[SurveyTriggerWrite]:
    """When surveys are sent: after a closed case, after inbound contacts on some channels."""
    return [SurveyTriggerWrite.model_validate(t) for t in service.list_triggers(session=session, actor=actor)]


@router.put("/surveys/triggers", response_model=SurveyTriggerWrite)
def set_trigger(
    body: SurveyTriggerWrite,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.SERVICE_CONFIGURE))],
) -> SurveyTriggerWrite:
    """Switch a trigger on or off, or change the survey it sends."""
    row = service.set_trigger(session=session, actor=actor, trigger=body.trigger, kind=body.kind, enabled=body.enabled)
    return SurveyTriggerWrite(trigger=row.trigger, kind=row.kind, enabled=row.enabled)  # type: ignore[arg-type]
