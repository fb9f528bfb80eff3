"""Service configuration: SLA targets and category routes (``service.configure``), audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.cases.models import CaseRoute, SlaTarget
from guanxi.cases.schemas import SlaTargetWrite
from guanxi.db import use_case
from guanxi.errors import NotFound
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.team.models import Team


def list_sla_targets(*, session: Session, actor: Actor) -> list[SlaTarget]:
    """The bank's SLA targets (built-in defaults apply where none is set)."""
    actor.require(Permission.CASE_READ)
    return list(session.scalars(select(SlaTarget).order_by(SlaTarget.case_type, SlaTarget.priority, SlaTarget.id)))


@use_case
def set_sla_target(*, session: Session, actor: Actor, data: SlaTargetWrite) -> SlaTarget:
    """Set the business hours allowed for a type, priority and category; applies to cases opened after."""
    actor.require(Permission.SERVICE_CONFIGURE)
    category = SlaTarget.category.is_(None) if data.category is None else SlaTarget.category == data.category
    target = session.scalar(
        select(SlaTarget).where(SlaTarget.case_type == data.case_type, SlaTarget.priority == data.priority, category)
    )
    if target is None:
        target = SlaTarget(case_type=data.case_type.value, priority=data.priority.value, category=data.category)
        session.add(target)
    target.business_hours = data.business_hours
    session.flush()
    record(
        session=session,
        actor=actor,
        action="case.sla_target.set",
        entity="sla_target",
        entity_id=target.id,
        data=data.model_dump(mode="json"),
    )
    return target


@use_case
def set_case_route(*, session: Session, actor: Actor, category: str, team_id: int) -> CaseRoute:
    """Send new cases of ``category`` to ``team_id``'s queue."""
    actor.require(Permission.SERVICE_CONFIGURE)
    if session.get(Team, team_id) is None:
        raise NotFound(f"no team with id {team_id}", code="team_not_found")
    route = session.scalar(select(CaseRoute).where(CaseRoute.category == category))
    if route is None:
        route = CaseRoute(category=category, team_id=team_id)
        session.add(route)
    route.team_id = team_id
    session.flush()
    record(
        session=session,
        actor=actor,
        action="case.route.set",
        entity="case_route",
        entity_id=route.id,
        data={"category": category, "team_id": team_id},
    )
    return route
