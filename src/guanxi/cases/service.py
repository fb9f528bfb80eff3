"""Reading a customer's cases (the servicing workflow builds on this)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.cases.models import Case
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission


def list_party_cases(*, session: Session, actor: Actor, party_id: int, limit: int = 20) -> list[Case]:
    """A customer's cases, newest first; the caller has checked the customer is in scope."""
    actor.require(Permission.CASE_READ)
    return list(
        session.scalars(
            select(Case).where(Case.party_id == party_id).order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)
        )
    )
