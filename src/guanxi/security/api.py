"""HTTP: API tokens (sign in, list, revoke) and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from guanxi.api.deps import ActorDep, RowId, SessionDep, SettingsDep, VaultDep, client_address
from guanxi.security import auth
from guanxi.security.permissions import ROLE_PERMISSIONS, Role
from guanxi.security.schemas import Me, TokenIssued, TokenRead, TokenRequest

router = APIRouter(prefix="/api/v1/auth", tags=["sign-in"])


def _sign_in_limit(request: Request) -> None:
    request.app.state.sign_in_limiter.hit(f"ip:{client_address(request)}")


@router.post("/tokens", response_model=TokenIssued, status_code=201, dependencies=[Depends(_sign_in_limit)])
def create_token(
    body: TokenRequest, request: Request, session: SessionDep, settings: SettingsDep, vault: VaultDep
) -> TokenIssued:
    """Exchange a user name, password (and one-time code) for an API token."""
    issued = auth.sign_in(
        session=session,
        settings=settings,
        vault=vault,
        username=body.username,
        password=body.password,
        totp_code=body.totp_code,
        kind="api",
        name=body.name,
        days=body.days,
        source=client_address(request),
    )
    return TokenIssued(token=issued.token, token_id=issued.token_id, expires_at=issued.expires_at)


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(session: SessionDep, actor: ActorDep) -> list[TokenRead]:
    """The signed-in user's sessions and tokens."""
    return [TokenRead.model_validate(t) for t in auth.list_tokens(session=session, actor=actor)]


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: RowId, session: SessionDep, actor: ActorDep) -> Response:
    """Revoke a session or token (one's own; any with user.manage)."""
    auth.revoke_token(session=session, actor=actor, token_id=token_id)
    return Response(status_code=204)


@router.get("/me", response_model=Me)
def me(actor: ActorDep) -> Me:
    """The signed-in user, their scope and permissions."""
    try:
        permissions = sorted(ROLE_PERMISSIONS[Role(actor.role)])
    except ValueError:
        permissions = []
    return Me(
        username=actor.username,
        role=actor.role,
        scope=actor.scope,
        permissions=permissions,
        staff_id=actor.staff_id,
        branch_id=actor.branch_id,
        team_id=actor.team_id,
    )
