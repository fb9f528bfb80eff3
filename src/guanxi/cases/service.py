"""Case use cases: open, read, list the queue; each write is one transaction with its audit entry.

Moves through the workflow (transitions, assignment, escalation, notes) are in ``workflow.py``;
this module holds opening and reading, and the scoping every case read goes through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.calendars.service import working_calendar
from guanxi.cases.models import OPEN_STATUSES, Case, CaseAttachment, CaseEvent
from guanxi.cases.routing import route_case
from guanxi.cases.schemas import CaseCreate, CaseRead
from guanxi.cases.sla import SlaState, sla_state, start_clock, target_hours
from guanxi.cases.suggestions import suggest_category
from guanxi.clock import now
from guanxi.codes import CaseStatus
from guanxi.config import get_settings
from guanxi.db import use_case
from guanxi.errors import NotFound
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise, scoped_to_customers
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """Cases of customers the actor may see, and (for service agents) every case of their team."""
    return scoped_to_customers(actor, Case.party_id, Case.team_id)


def get_case_or_raise(*, session: Session, actor: Actor, case_id: int, for_update: bool = False) -> Case:
    """The case if the actor may see it; ``NotFound`` otherwise (so its existence does not leak)."""
    actor.require(Permission.CASE_READ)
    query = select(Case).where(Case.id == case_id, visible_cases(actor))
    if for_update:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise NotFound(f"no case with id {case_id}", details={"case_id": case_id})
    return case


def add_event(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    kind: str,
    at: dt.datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    body: str | None = None,
    visibility: str = "internal",
    data: dict[str, object] | None = None,
) -> CaseEvent:
    """Append a step to the case's history (helpers never commit; the use case does)."""
    event = CaseEvent(
        case_id=case.id,
        occurred_at=at,
        actor=actor.username,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        visibility=visibility,
        body=body,
        data=data,
    )
    session.add(event)
    return event


@use_case
def open_case(*, session: Session, actor: Actor, data: CaseCreate) -> Case:
    """Open a case: route it, start its SLA clock, note the categoriser's suggestion; audited."""
    return start_case(session, actor=actor, data=data)


def start_case(session: Session, *, actor: Actor, data: CaseCreate) -> Case:
    """What ``open_case`` does, inside a transaction the caller owns (so another use case can open
    a case together with its own change, all or nothing)."""
    actor.require(Permission.CASE_WRITE)
    party = get_visible_party_or_raise(session=session, actor=actor, party_id=data.party_id)
    at = now()
    route = route_case(session, party=party, category=data.category)
    suggestion = suggest_category(data.description) if data.description else None
    case = Case(
        party_id=party.id,
        team_id=route.team_id,
        owner_staff_id=route.owner_staff_id,
        case_type=data.case_type.value,
        category=data.category,
        sub_category=data.sub_category,
        priority=data.priority.value,
        channel=data.channel.value,
        status=(CaseStatus.ASSIGNED if route.owner_staff_id else CaseStatus.NEW).value,
        subject=data.subject,
        description=data.description,
        opened_at=at,
        routed_by=route.reason,
        suggested_category=suggestion.category if suggestion else None,
        suggested_confidence=suggestion.confidence if suggestion else None,
    )
    hours = target_hours(session, case_type=case.case_type, category=case.category, priority=case.priority)
    start_clock(
        case, at=at, calendar=working_calendar(session, party.home_branch_id), target_seconds=round(hours * 3600)
    )
    session.add(case)
    session.flush()
    add_event(session, case, actor=actor, kind="opened", at=at, to_status=CaseStatus.NEW.value)
    if route.owner_staff_id or route.team_id:
        add_event(
            session,
            case,
            actor=actor,
            kind="assigned",
            at=at,
            from_status=CaseStatus.NEW.value,
            to_status=case.status,
            data={"team_id": route.team_id, "staff_id": route.owner_staff_id, "reason": route.reason},
        )
    record(
        session=session,
        actor=actor,
        action="case.open",
        entity="case",
        entity_id=case.id,
        data={
            "party_id": party.id,
            "case_type": case.case_type,
            "category": case.category,
            "priority": case.priority,
            "team_id": route.team_id,
            "routed_by": route.reason,
        },
    )
    return case


@dataclass(frozen=True)
class CaseFilters:
    """What the queue shows: every filter is optional."""

    status: tuple[str, ...] = ()
    open_only: bool = False
    team_id: int | None = None
    owner_staff_id: int | None = None
    category: str | None = None
    priority: str | None = None
    sla: str | None = None  # "breached" or "at_risk"
    party_id: int | None = None


def _filtered(actor: Actor, filters: CaseFilters) -> Select[tuple[Case]]:
    query = select(Case).where(visible_cases(actor))
    if filters.status:
        query = query.where(Case.status.in_(filters.status))
    if filters.open_only:
        query = query.where(Case.status.in_(OPEN_STATUSES))
    for column, value in (
        (Case.team_id, filters.team_id),
        (Case.owner_staff_id, filters.owner_staff_id),
        (Case.category, filters.category),
        (Case.priority, filters.priority),
        (Case.party_id, filters.party_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.sla == "breached":
        query = query.where(or_(Case.breached.is_(True), Case.due_at < now()))
    elif filters.sla == "at_risk":
        query = query.where(Case.at_risk.is_(True), Case.breached.is_(False))
    return query


def list_cases(
    *, session: Session, actor: Actor, filters: CaseFilters, limit: int = 50, offset: int = 0
) -> tuple[list[Case], int]:
    """The queue: cases due soonest first (paused and closed ones after), and how many match."""
    actor.require(Permission.CASE_READ)
    query = _filtered(actor, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Case.due_at.is_(None), Case.due_at, Case.opened_at.desc(), Case.id.desc())
    return list(session.scalars(ordered.limit(limit).offset(offset))), int(total)


def case_clock(session: Session, case: Case, at: dt.datetime | None = None) -> SlaState:
    """The case's SLA clock as it stands (now, unless ``at`` is given)."""
    party = session.get(Party, case.party_id)
    calendar = working_calendar(session, party.home_branch_id if party else None)
    return sla_state(case, at=at or now(), calendar=calendar, at_risk_share=get_settings().sla_at_risk_share)


def case_read(session: Session, case: Case) -> CaseRead:
    """The API view of a case, with its clock and the customer's name."""
    read = CaseRead.model_validate(case)
    state = case_clock(session, case)
    read.party_name = session.scalar(select(Party.full_name).where(Party.id == case.party_id))
    read.at_risk, read.breached = state.at_risk, state.breached
    read.sla_paused = state.paused
    read.sla_remaining_seconds = state.remaining_seconds if case.sla_target_seconds else None
    return read


def case_events(*, session: Session, case: Case) -> list[CaseEvent]:
    """The case's history, oldest first."""
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.occurred_at, CaseEvent.id)
        )
    )


def case_attachments(*, session: Session, case: Case) -> list[CaseAttachment]:
    """What is attached to the case."""
    return list(
        session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.id))
    )


def list_party_cases(*, session: Session, actor: Actor, party_id: int, limit: int = 20) -> list[Case]:
    """A customer's cases, newest first; the caller has checked the customer is in scope."""
    actor.require(Permission.CASE_READ)
    return list(
        session.scalars(
            select(Case).where(Case.party_id == party_id).order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)
        )
    )
