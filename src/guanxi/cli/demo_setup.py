"""Teams and staff links for the demo bank, so each demo user sees what their role would."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guanxi.audit.service import Auditable
from guanxi.codes import StaffRole
from guanxi.parties.models import Party
from guanxi.security.permissions import Role
from guanxi.team.models import Branch, Staff, Team
from guanxi.team.service import create_team

SERVICE_DESK = "Service desk"


def ensure_demo_teams(*, session: Session, actor: Auditable) -> int:
    """One relationship team per branch and one service desk; returns how many were formed."""
    formed = 0
    for branch in session.scalars(select(Branch).order_by(Branch.id)):
        name = f"{branch.name} relationship team"
        if session.scalar(select(Team.id).where(Team.name == name)) is None:
            members = list(
                session.scalars(
                    select(Staff.id).where(
                        Staff.branch_id == branch.id, Staff.role == StaffRole.RELATIONSHIP_MANAGER.value
                    )
                )
            )
            create_team(
                session=session, actor=actor, name=name, kind="relationship", branch_id=branch.id, member_ids=members
            )
            formed += 1
    if session.scalar(select(Team.id).where(Team.name == SERVICE_DESK)) is None:
        agents = list(session.scalars(select(Staff.id).where(Staff.role == StaffRole.SERVICE_AGENT.value)))
        create_team(session=session, actor=actor, name=SERVICE_DESK, kind="service", branch_id=None, member_ids=agents)
        formed += 1
    return formed


def demo_staff_keys(*, session: Session) -> dict[Role, str]:
    """The member of staff each staff-bound demo user stands for: the busiest RM, the manager of
    the biggest branch, a service-desk agent."""
    keys: dict[Role, str] = {}
    busiest_rm = session.execute(
        select(Staff.source_key)
        .join(Party, Party.relationship_manager_id == Staff.id)
        .group_by(Staff.id, Staff.source_key)
        .order_by(func.count().desc(), Staff.id)
        .limit(1)
    ).scalar_one_or_none()
    if busiest_rm:
        keys[Role.RELATIONSHIP_MANAGER] = busiest_rm
    biggest_branch = session.execute(
        select(Party.home_branch_id)
        .where(Party.home_branch_id.is_not(None))
        .group_by(Party.home_branch_id)
        .order_by(func.count().desc(), Party.home_branch_id)
        .limit(1)
    ).scalar_one_or_none()
    manager = session.scalar(
        select(Staff.source_key)
        .where(Staff.branch_id == biggest_branch, Staff.role == StaffRole.BRANCH_MANAGER.value)
        .order_by(Staff.id)
        .limit(1)
    )
    if manager:
        keys[Role.BRANCH_MANAGER] = manager
    agent = session.scalar(
        select(Staff.source_key).where(Staff.role == StaffRole.SERVICE_AGENT.value).order_by(Staff.id).limit(1)
    )
    if agent:
        keys[Role.SERVICE_AGENT] = agent
    return keys
