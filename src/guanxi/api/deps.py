"""HTTP plumbing every router uses: a database session per request, the signed-in actor,
permission checks and paging. Imports no domain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel
from sqlalchemy.orm import Session

from guanxi.errors import GuanxiError, PermissionDenied

_basic = HTTPBasic(auto_error=False)


class NotAuthenticated(GuanxiError):
    """No credentials were given."""

    code = "not_authenticated"
    http_status = 401


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; use cases open their own transaction on it."""
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_actor(request: Request, session: SessionDep, credentials: HTTPBasicCredentials | None = Depends(_basic)) -> Any:
    """The signed-in actor, from the app's authenticator (HTTP Basic for API clients)."""
    if credentials is None:
        raise NotAuthenticated("sign in first: this endpoint needs a user name and password")
    actor = request.app.state.authenticate(
        session=session, username=credentials.username, password=credentials.password
    )
    session.rollback()  # authentication only reads; leave the session clean for the use case
    return actor


def require(permission: Any) -> Callable[..., Any]:
    """Dependency that returns the actor if it holds ``permission``, else refuses with 403."""

    def _check(actor: Any = Depends(get_actor)) -> Any:
        if not actor.can(permission):
            raise PermissionDenied(f"your role ({actor.role}) may not {permission}")
        return actor

    return _check


class PageParams(BaseModel):
    """Paging of a list endpoint."""

    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="rows per page")] = 50,
    offset: Annotated[int, Query(ge=0, description="rows to skip")] = 0,
) -> PageParams:
    """Read ``limit`` and ``offset`` from the query string."""
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
