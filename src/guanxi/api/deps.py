"""HTTP plumbing every router uses: a database session per request, the signed-in actor,
permission checks and paging. Imports no domain: the app puts the authenticator on its state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session

from guanxi.api.csrf import SESSION_COOKIE, check_csrf_header
from guanxi.errors import GuanxiError, PermissionDenied

_bearer = HTTPBearer(auto_error=False, description="an API token from POST /api/v1/auth/tokens")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="a browser session")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotAuthenticated(GuanxiError):
    """No credentials were given."""

    code = "not_authenticated"
    http_status = 401


def client_address(request: Request) -> str | None:
    """Where a request came from (the peer address)."""
    return request.client.host if request.client else None


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; use cases open their own transaction on it."""
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_actor(
    request: Request,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Any:
    """The signed-in actor: an API token in ``Authorization: Bearer``, or a browser session cookie.

    A state-changing request made with the cookie must carry the session's CSRF token in the
    ``X-CSRF-Token`` header, so another site cannot borrow the browser's session.
    """
    authenticate = request.app.state.authenticate_token
    source = client_address(request)
    if bearer is not None:
        actor = authenticate(session=session, token=bearer.credentials, kinds=("api",), source=source)
    elif cookie:
        actor = authenticate(session=session, token=cookie, kinds=("session",), source=source)
        if request.method in UNSAFE_METHODS:
            check_csrf_header(request, cookie)
    else:
        raise NotAuthenticated("sign in first: send an API token as 'Authorization: Bearer <token>'")
    session.rollback()  # authentication only reads; leave the session clean for the use case
    return actor


ActorDep = Annotated[Any, Depends(get_actor)]


def require(permission: Any) -> Callable[..., Any]:
    """Dependency that returns the actor if it holds ``permission``, else refuses with 403."""

    def _check(actor: Any = Depends(get_actor)) -> Any:
        if not actor.can(permission):
            raise PermissionDenied(f"your role ({actor.role}) may not use {permission}")
        return actor

    return _check


def get_vault(request: Request) -> Any:
    """The PII keyring the app was configured with."""
    return request.app.state.vault


VaultDep = Annotated[Any, Depends(get_vault)]


def get_settings_dep(request: Request) -> Any:
    """The app's settings."""
    return request.app.state.settings


SettingsDep = Annotated[Any, Depends(get_settings_dep)]


# Ids are 64-bit: a larger number in a path is a 422, never a database overflow.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="Guanxi id")]


class PageParams(BaseModel):
    """Paging of a list endpoint."""

    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="rows per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")] = 0,
) -> PageParams:
    """Read ``limit`` and ``offset`` from the query string."""
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
