"""HTTP: parties."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import PageDep, SessionDep, require
from guanxi.parties import service
from guanxi.parties.schemas import PartyPage, PartyRead
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/parties", tags=["parties"])


@router.get("", response_model=PartyPage)
def list_parties(
    session: SessionDep,
    page: PageDep,
    _actor: Annotated[Any, Depends(require(Permission.PARTIES_READ))],
    q: Annotated[str | None, Query(max_length=100, description="name fragment or source key")] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> PartyPage:
    """Search customers and other parties by name."""
    items, total = service.list_parties(session=session, query=q, status=status, limit=page.limit, offset=page.offset)
    return PartyPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{party_id}", response_model=PartyRead)
def read_party(
    party_id: int, session: SessionDep, _actor: Annotated[Any, Depends(require(Permission.PARTIES_READ))]
) -> PartyRead:
    """One party with contact points, documents, households and relationships."""
    return service.get_party_detail(session=session, party_id=party_id)
