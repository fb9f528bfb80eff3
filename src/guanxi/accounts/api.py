"""HTTP: accounts and their transactions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from guanxi.accounts import service
from guanxi.accounts.schemas import AccountRead, TransactionPage
from guanxi.api.deps import PageDep, RowId, SessionDep, require
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/accounts/{account_id}", response_model=AccountRead)
def read_account(
    account_id: RowId, session: SessionDep, actor: Annotated[Any, Depends(require(Permission.ACCOUNT_READ))]
) -> AccountRead:
    """One account with its product, balance and holders."""
    return service.get_account_detail(session=session, actor=actor, account_id=account_id)


@router.get("/parties/{party_id}/accounts", response_model=list[AccountRead])
def list_party_accounts(
    party_id: RowId, session: SessionDep, actor: Annotated[Any, Depends(require(Permission.ACCOUNT_READ))]
) -> list[AccountRead]:
    """Every account a party holds, in any role."""
    return service.list_party_accounts(session=session, actor=actor, party_id=party_id)


@router.get("/accounts/{account_id}/transactions", response_model=TransactionPage)
def list_account_transactions(
    account_id: RowId,
    request: Request,
    session: SessionDep,
    page: PageDep,
    actor: Annotated[Any, Depends(require(Permission.TRANSACTION_READ))],
) -> TransactionPage:
    """An account's transactions, newest first (read from the lake)."""
    return service.list_account_transactions(
        session=session,
        actor=actor,
        lake_root=request.app.state.lake_root,
        account_id=account_id,
        limit=page.limit,
        offset=page.offset,
    )
