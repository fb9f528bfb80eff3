"""Where a new case goes: a high-value customer's to their own RM's team, others to the
category's queue, and within a team to the member with the fewest open cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from guanxi.cases.models import OPEN_STATUSES, Case, CaseRoute
from guanxi.config import get_settings
from guanxi.parties.models import Party
from guanxi.team.models import Staff, Team

# Segments are computed above the servicing domain; routing reads the latest value tier by name.
_SEGMENTS = table("customer_segments", column("party_id"), column("segmentation"), column("segment"))


@dataclass(frozen=True)
class Route:
    """The team and owner chosen for a case, and why."""

    team_id: int | None
    owner_staff_id: int | None
    reason: str


def value_tier(session: Session, party_id: int) -> str | None:
    """The customer's latest value tier, if the bank has segmented them."""
    return session.scalar(
        select(_SEGMENTS.c.segment).where(_SEGMENTS.c.party_id == party_id, _SEGMENTS.c.segmentation == "value_tier")
    )


def least_loaded_member(session: Session, team_id: int) -> int | None:
    """The active member of the team with the fewest open cases (the longest-serving id on a tie)."""
    load = (
        select(Case.owner_staff_id, func.count().label("open_cases"))
        .where(Case.status.in_(OPEN_STATUSES), Case.owner_staff_id.is_not(None))
        .group_by(Case.owner_staff_id)
        .subquery()
    )
    return session.scalar(
        select(Staff.id)
        .outerjoin(load, load.c.owner_staff_id == Staff.id)
        .where(Staff.team_id == team_id, Staff.active.is_(True))
        .order_by(func.coalesce(load.c.open_cases, 0), Staff.id)
        .limit(1)
    )


def route_case(session: Session, *, party: Party, category: str) -> Route:
    """Choose the team and owner of a new case for ``party`` in ``category``."""
    if party.relationship_manager_id is not None and value_tier(session, party.id) in get_settings().high_value_tiers:
        manager = session.get(Staff, party.relationship_manager_id)
        if manager is not None and manager.active and manager.team_id is not None:
            return Route(manager.team_id, manager.id, "relationship_manager")
    team_id = session.scalar(select(CaseRoute.team_id).where(CaseRoute.category == category))
    reason = "category_queue"
    if team_id is None:
        team_id = session.scalar(select(Team.id).where(Team.kind == "service").order_by(Team.id).limit(1))
        reason = "service_desk"
    if team_id is None:
        return Route(None, None, "unrouted")
    return Route(team_id, least_loaded_member(session, team_id), reason)
