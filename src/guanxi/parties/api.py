"""HTTP: parties (customers), scoped to what the signed-in user may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import PageDep, RowId, SessionDep, VaultDep, require
from guanxi.parties import service
from guanxi.parties.schemas import PartyPage, PartyRead, PiiReveal, RevealRequest
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/parties", tags=["parties"])


@router.get("", response_model=PartyPage)
def list_parties(
    session: SessionDep,
    page: PageDep,
    vault: VaultDep,
    actor: Annotated[Any, Depends(require(Permission.CUSTOMER_READ))],
    q: Annotated[str | None, Query(max_length=100, description="name fragment, key, phone, email or id number")] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> PartyPage:
    """Search customers by name, key, or (through blind indexes) phone, email or document number."""
    items, total = service.list_parties(
        session=session, actor=actor, vault=vault, query=q, status=status, limit=page.limit, offset=page.offset
    )
    return PartyPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{party_id}", response_model=PartyRead)
def read_party(
    party_id: RowId, session: SessionDep, actor: Annotated[Any, Depends(require(Permission.CUSTOMER_READ))]
) -> PartyRead:
    """One party with masked contact points and documents, households and relationships."""
    return service.get_party_detail(session=session, actor=actor, party_id=party_id)


@router.post("/{party_id}/reveal", response_model=PiiReveal)
def reveal_pii(
    party_id: RowId,
    body: RevealRequest,
    session: SessionDep,
    vault: VaultDep,
    actor: Annotated[Any, Depends(require(Permission.CUSTOMER_PII_READ))],
) -> PiiReveal:
    """Show chosen personal data in clear; the reveal and its reason are audited."""
    return service.reveal_pii(
        session=session, actor=actor, vault=vault, party_id=party_id, fields=body.fields, reason=body.reason
    )
