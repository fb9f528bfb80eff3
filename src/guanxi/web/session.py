"""Who is signed in to a page: the browser session, or a redirect to the sign-in page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from guanxi.api.deps import SESSION_COOKIE, SessionDep, client_address
from guanxi.security import auth
from guanxi.security.actor import Actor


class SignInRequired(Exception):
    """A page was asked for without a valid session: send the browser to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def page_actor(request: Request, session: SessionDep) -> Actor:
    """The signed-in user of a page, or a redirect to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired(request.url.path)
    try:
        actor = request.app.state.authenticate_token(
            session=session, token=token, kinds=("session",), source=client_address(request)
        )
    except auth.AuthenticationFailed:
        raise SignInRequired(request.url.path) from None
    session.rollback()
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]


def safe_next(value: str | None) -> str:
    """A local path to go on to; anything else (another site) becomes the start page."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"
