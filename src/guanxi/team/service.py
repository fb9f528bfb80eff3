"""Reading branches and staff."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guanxi.parties.models import Party
from guanxi.team.models import Branch, Staff
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
