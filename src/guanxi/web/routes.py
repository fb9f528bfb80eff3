"""The web workspace's pages: sign-in and sign-out, the start page and the audit log search.

Pages are thin over the same services the API uses. Browser sessions travel in an HTTP-only,
SameSite=Strict cookie; every form that changes state carries the session's CSRF token.
"""

from __future__ import annotations

import secrets
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import AwareDatetime
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guanxi.accounts.models import Account
from guanxi.api.csrf import CSRF_FIELD, check_csrf, csrf_token
from guanxi.api.deps import SESSION_COOKIE, SessionDep, client_address
from guanxi.audit.search import search_events
from guanxi.audit.verify import verify_chain
from guanxi.errors import GuanxiError
from guanxi.parties.models import Party
from guanxi.parties.scope import visible_parties
from guanxi.security import auth
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission

PRE_SESSION_COOKIE = "guanxi_pre"
templates = Jinja2Templates(directory=str(resources.files("guanxi.web").joinpath("templates")))


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


def _render(request: Request, template: str, actor: Actor | None, status_code: int = 200, **context: Any) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    csrf = csrf_token(request.app.state.settings.secret_key, token) if token and actor else None
    nav = []
    if actor is not None:
        nav.append(("/", "Home"))
        if actor.can(Permission.AUDIT_READ):
            nav.append(("/audit", "Audit log"))
        nav.append(("/docs", "API"))
    return templates.TemplateResponse(
        request,
        template,
        {"actor": actor, "csrf_token": csrf, "csrf_field": CSRF_FIELD, "nav": nav, **context},
        status_code=status_code,
    )


def _safe_next(value: str | None) -> str:
    # Only local paths: never redirect a signed-in user to another site.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def sign_in_page(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    pre = secrets.token_urlsafe(24)
    response = _render(request, "sign_in.html", None, next=_safe_next(next), pre_token=pre, error=None)
    response.set_cookie(PRE_SESSION_COOKIE, pre, httponly=True, samesite="strict", secure=_secure(request), path="/")
    return response


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.cookie_secure)


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
    cookie = request.cookies.get(PRE_SESSION_COOKIE)
    error: str | None = None
    if not cookie or not secrets.compare_digest(cookie, pre_token):
        error = "This form has expired. Please try again."
    else:
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
            error = exc.message
    if error is not None:
        pre = secrets.token_urlsafe(24)
        response = _render(
            request,
            "sign_in.html",
            None,
            status_code=401,
            next=_safe_next(next),
            pre_token=pre,
            error=error,
            username=username,
        )
        response.set_cookie(PRE_SESSION_COOKIE, pre, httponly=True, samesite="strict", secure=_secure(request))
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
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
    check_csrf(request.app.state.settings.secret_key, request.cookies.get(SESSION_COOKIE, ""), csrf_token)
    if actor.token_id is not None:
        auth.revoke_token(session=session, actor=actor, token_id=actor.token_id)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _counts(session: Session, actor: Actor) -> dict[str, int]:
    customers = select(func.count()).select_from(Party).where(visible_parties(actor))
    return {
        "customers you can see": session.scalar(customers) or 0,
        "accounts in the bank": session.scalar(select(func.count()).select_from(Account)) or 0,
    }


def home(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The start page: who you are and what you can see."""
    counts = _counts(session, actor) if actor.can(Permission.CUSTOMER_READ) else {}
    return _render(request, "home.html", actor, counts=counts)


def audit_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    user: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: AwareDatetime | None = None,
    page: int = 1,
    verify: bool = False,
) -> Response:
    """Search the audit log; optionally verify the hash chain."""
    actor.require(Permission.AUDIT_READ)
    size = 50
    page = max(1, min(page, 10_000))
    items, total = search_events(
        session=session,
        actor_name=user or None,
        action=action or None,
        entity=entity or None,
        entity_id=entity_id or None,
        since=since,
        limit=size,
        offset=(page - 1) * size,
    )
    check = verify_chain(session).describe() if verify else None
    filters = {"user": user or "", "action": action or "", "entity": entity or "", "entity_id": entity_id or ""}
    return _render(
        request,
        "audit.html",
        actor,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        filters=filters,
        check=check,
    )


def install_web(app: FastAPI) -> None:
    """Mount the pages and the handlers that turn errors into pages."""
    app.add_api_route("/sign-in", sign_in_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/sign-in", sign_in_submit, methods=["POST"], include_in_schema=False)
    app.add_api_route("/sign-out", sign_out, methods=["POST"], include_in_schema=False)
    app.add_api_route("/", home, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)
    app.add_api_route("/audit", audit_page, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)

    @app.exception_handler(SignInRequired)
    async def _to_sign_in(_request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/sign-in?next={quote(exc.next_path)}", status_code=303)
