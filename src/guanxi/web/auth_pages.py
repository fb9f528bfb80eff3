"""Signing in and out of the workspace.

The session token travels in an HTTP-only, Secure, SameSite=Strict cookie. The sign-in form is
protected by a pre-session cookie (double submit); sign-out, like every state-changing form,
needs the session's CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from guanxi.api.csrf import check_csrf_form
from guanxi.api.deps import SESSION_COOKIE, SessionDep, client_address
from guanxi.errors import GuanxiError
from guanxi.security import auth
from guanxi.web.render import render, translator
from guanxi.web.session import PageActor, safe_next

PRE_SESSION_COOKIE = "guanxi_pre"


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.cookie_secure)


def _form(request: Request, *, next_path: str, error: str | None, username: str = "", status: int = 200) -> Response:
    pre = secrets.token_urlsafe(24)
    response = render(
        request, "sign_in.html", None, status_code=status, next=next_path, pre_token=pre, error=error, username=username
    )
    response.set_cookie(PRE_SESSION_COOKIE, pre, httponly=True, samesite="strict", secure=_secure(request), path="/")
    return response


def sign_in_page(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    return _form(request, next_path=safe_next(next), error=None)


def sign_in_submit(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    pre_token: Annotated[str, Form(max_length=64)],
    totp_code: Annotated[str | None, Form(max_length=10)] = None,
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the credentials; on success open a session and go on to the page asked for."""
    tr = translator(request)
    cookie = request.cookies.get(PRE_SESSION_COOKIE)
    if not cookie or not secrets.compare_digest(cookie, pre_token):
        return _form(request, next_path=safe_next(next), error=tr.t("sign_in.expired"), username=username, status=401)
    try:
        request.app.state.sign_in_limiter.hit(f"ip:{client_address(request)}")
        issued = auth.sign_in(
            session=session,
            settings=request.app.state.settings,
            vault=request.app.state.vault,
            username=username,
            password=password,
            totp_code=totp_code or None,
            kind="session",
            source=client_address(request),
        )
    except GuanxiError as exc:
        return _form(request, next_path=safe_next(next), error=tr.t(f"error.{exc.code}"), username=username, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        max_age=request.app.state.settings.session_max_hours * 3600,
        path="/",
    )
    response.delete_cookie(PRE_SESSION_COOKIE)
    return response


def sign_out(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """End the session (the token is revoked, not just forgotten by the browser)."""
    check_csrf_form(request, csrf_token)
    if actor.token_id is not None:
        auth.revoke_token(session=session, actor=actor, token_id=actor.token_id)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
