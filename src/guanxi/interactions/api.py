"""HTTP: a customer's contacts and merged timeline; logging a contact."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from guanxi.api.deps import RowId, SessionDep, require
from guanxi.history.service import customer_timeline
from guanxi.interactions import service
from guanxi.interactions.schemas import InteractionCreate, InteractionRead, TimelineEntry
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/parties", tags=["interactions"])
Reader = Annotated[Any, Depends(require(Permission.CUSTOMER_READ))]


@router.get("/{party_id}/interactions", response_model=list[InteractionRead])
def list_interactions(party_id: RowId, session: SessionDep, actor: Reader) -> list[InteractionRead]:
    """The customer's contacts on every channel, newest first."""
    return [
        InteractionRead.model_validate(i)
        for i in service.list_interactions(session=session, actor=actor, party_id=party_id)
    ]


@router.post("/{party_id}/interactions", response_model=InteractionRead, status_code=201)
def log_interaction(
    party_id: RowId,
    body: InteractionCreate,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(service.LOG_PERMISSION))],
) -> InteractionRead:
    """Log a contact (scored for tone when it has text); an inbound contact may prompt a survey."""
    return InteractionRead.model_validate(
        service.log_interaction(session=session, actor=actor, party_id=party_id, data=body)
    )


@router.get("/{party_id}/timeline", response_model=list[TimelineEntry])
def timeline(party_id: RowId, request: Request, session: SessionDep, actor: Reader) -> list[TimelineEntry]:
    """The customer's contacts, cases, surveys, appointments and large transactions, newest first."""
    return customer_timeline(session=session, actor=actor, party_id=party_id, lake_root=request.app.state.lake_root)
