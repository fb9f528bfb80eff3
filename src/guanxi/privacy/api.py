"""HTTP: consent, and the data-subject rights (export, erasure)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from guanxi.api.deps import RowId, SessionDep, VaultDep, require
from guanxi.privacy import consent, service
from guanxi.privacy.schemas import ConsentChange, ConsentRead, ConsentState, ErasureReport, ErasureRequest
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/parties", tags=["privacy"])


@router.get("/{party_id}/consents", response_model=ConsentState)
def read_consents(
    party_id: RowId, session: SessionDep, actor: Annotated[Any, Depends(require(Permission.CONSENT_READ))]
) -> ConsentState:
    """The consents in force per purpose and channel, and their history."""
    return consent.consent_state(session=session, actor=actor, party_id=party_id)


@router.post("/{party_id}/consents", response_model=ConsentRead, status_code=201)
def record_consent(
    party_id: RowId,
    body: ConsentChange,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.CONSENT_WRITE))],
) -> ConsentRead:
    """Record a consent given or withdrawn; it takes effect at once."""
    return consent.record_consent(session=session, actor=actor, party_id=party_id, change=body)


@router.get("/{party_id}/export", response_model=dict[str, Any])
def export_party(
    party_id: RowId,
    request: Request,
    session: SessionDep,
    vault: VaultDep,
    actor: Annotated[Any, Depends(require(Permission.CUSTOMER_EXPORT))],
) -> dict[str, Any]:
    """Everything held about a customer, as JSON (a data-subject access request); audited."""
    return service.export_party(
        session=session, actor=actor, vault=vault, lake_root=request.app.state.lake_root, party_id=party_id
    )


@router.post("/{party_id}/erase", response_model=ErasureReport)
def erase_party(
    party_id: RowId,
    body: ErasureRequest,
    request: Request,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.CUSTOMER_ERASE))],
) -> ErasureReport:
    """Erase a customer's personal data for good (crypto-shredding); audited."""
    return service.erase_party(
        session=session, actor=actor, lake_root=request.app.state.lake_root, party_id=party_id, reason=body.reason
    )
