"""Row-level scoping: which customers an actor may see, enforced here for every caller.

The API, the web pages, CLI exports and the assistant all read customers through services that
apply :func:`visible_parties`, so no channel can see more than the role allows. A customer out
of scope is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, column, false, or_, select, table, true
from sqlalchemy.orm import Session, aliased

from guanxi.codes import OPEN_CASE_STATUSES
from guanxi.errors import NotFound
from guanxi.parties.models import HouseholdMember, Party
from guanxi.security.actor import Actor
from guanxi.security.permissions import Scope

# The cases table by name: customers sit below the servicing domain that builds on them, so
# scoping reads the few columns it needs without importing the cases package.
_CASES = table("cases", column("party_id"), column("team_id"), column("status"))


def _portfolio(staff_id: int) -> ColumnElement[bool]:
    # The RM's own customers, and everyone in a household one of them belongs to.
    managed = select(Party.id).where(Party.relationship_manager_id == staff_id)
    member = aliased(HouseholdMember)
    households = select(member.household_id).where(member.party_id.in_(managed))
    relatives = select(HouseholdMember.party_id).where(HouseholdMember.household_id.in_(households))
    return or_(Party.relationship_manager_id == staff_id, Party.id.in_(relatives))


def visible_parties(actor: Actor) -> ColumnElement[bool]:
    """A condition on ``Party`` that holds for exactly the parties ``actor`` may see."""
    scope = actor.scope
    if scope is Scope.ALL:
        return true()
    if scope is Scope.BRANCH and actor.branch_id is not None:
        return Party.home_branch_id == actor.branch_id
    if scope is Scope.PORTFOLIO and actor.staff_id is not None:
        return _portfolio(actor.staff_id)
    if scope is Scope.CASE_TEAM and actor.team_id is not None:
        open_cases = select(_CASES.c.party_id).where(
            _CASES.c.team_id == actor.team_id, _CASES.c.status.in_([str(s) for s in OPEN_CASE_STATUSES])
        )
        return Party.id.in_(open_cases)
    if scope is Scope.SELF and actor.party_id is not None:
        return Party.id == actor.party_id
    return false()


def get_visible_party_or_raise(*, session: Session, actor: Actor, party_id: int) -> Party:
    """The party with ``party_id`` if ``actor`` may see it; raises ``NotFound`` otherwise."""
    party = session.scalar(select(Party).where(Party.id == party_id, visible_parties(actor)))
    if party is None:
        raise NotFound(f"no party with id {party_id}", details={"party_id": party_id})
    return party


def visible_party_ids(session: Session, actor: Actor, party_ids: list[int]) -> set[int]:
    """Which of ``party_ids`` the actor may see."""
    if not party_ids:
        return set()
    return set(session.scalars(select(Party.id).where(Party.id.in_(party_ids), visible_parties(actor))))


def scoped_to_customers(
    actor: Actor, party_id: ColumnElement[int], team_id: ColumnElement[int | None] | None = None
) -> ColumnElement[bool]:
    """A condition on a table about customers (``party_id``): rows of customers the actor may see,
    and for a service agent also the rows of their team (``team_id``), whatever the customer."""
    if actor.scope is Scope.ALL:
        return true()
    of_visible_customers = party_id.in_(select(Party.id).where(visible_parties(actor)))
    if team_id is not None and actor.scope is Scope.CASE_TEAM and actor.team_id is not None:
        return or_(team_id == actor.team_id, of_visible_customers)
    return of_visible_customers
