"""Branches, staff and teams."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from guanxi.audit.service import Auditable, record
from guanxi.errors import Conflict
from guanxi.parties.models import Party
from guanxi.team.models import Branch, Staff, Team
from guanxi.team.schemas import BranchRead


def list_branches(*, session: Session) -> list[BranchRead]:
    """Branches by name, each with its number of staff and of customers."""
    staff = select(Staff.branch_id, func.count().label("n")).group_by(Staff.branch_id).subquery()
    customers = select(Party.home_branch_id, func.count().label("n")).group_by(Party.home_branch_id).subquery()
    rows = session.execute(
        select(Branch, func.coalesce(staff.c.n, 0), func.coalesce(customers.c.n, 0))
        .outerjoin(staff, staff.c.branch_id == Branch.id)
        .outerjoin(customers, customers.c.home_branch_id == Branch.id)
        .order_by(Branch.name, Branch.id)
    ).all()
    result = []
    for branch, n_staff, n_customers in rows:
        read = BranchRead.model_validate(branch)
        read.staff, read.customers = int(n_staff), int(n_customers)
        result.append(read)
    return result


def create_team(
    *, session: Session, actor: Auditable, name: str, kind: str, branch_id: int | None, member_ids: list[int]
) -> Team:
    """Form a team and put staff in it (a member of staff belongs to one team); audited."""
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise Conflict(f"team '{name}' already exists")
    team = Team(name=name, kind=kind, branch_id=branch_id)
    session.add(team)
    session.flush()
    if member_ids:
        session.execute(
            update(Staff)
            .where(Staff.id.in_(member_ids))
            .values(team_id=team.id)
            .execution_options(synchronize_session=False)
        )
    record(
        session=session,
        actor=actor,
        action="team.create",
        entity="team",
        entity_id=team.id,
        data={"name": name, "kind": kind, "members": len(member_ids)},
    )
    return team
