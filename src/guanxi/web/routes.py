"""The web workspace: mounts the pages, the language and theme switches, and error pages."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from guanxi.accounts.overview import book_overview
from guanxi.api.deps import SessionDep
from guanxi.errors import GuanxiError
from guanxi.scoring.score_service import churn_band_counts
from guanxi.security.permissions import Permission
from guanxi.web import (
    appointment_pages,
    assistant_pages,
    audit_pages,
    auth_pages,
    case_pages,
    customer_pages,
    event_pages,
    insight_pages,
    model_pages,
    segment_pages,
    survey_pages,
)
from guanxi.web.charts import pie, series
from guanxi.web.dashboard import segment_panels, service_panels
from guanxi.web.i18n import LOCALES
from guanxi.web.render import LOCALE_COOKIE, THEME_COOKIE, THEMES, render, translator
from guanxi.web.session import PageActor, SignInRequired, page_actor, safe_next

YEAR = 365 * 24 * 3600


def home(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The start page: the book of customers the user sees, in figures and charts."""
    overview = book_overview(session=session, actor=actor) if actor.can(Permission.CUSTOMER_READ) else None
    charts = {}
    if overview is not None:
        tr = translator(request)
        charts = {
            "status": pie(tr.t("home.by_status"), [(tr.code("status", s), n) for s, n in overview.by_status]),
            "family": series(
                "bar",
                tr.t("home.by_family"),
                [tr.code("family", f) for f, _ in overview.holders_by_family],
                [(tr.t("home.customers"), [n for _, n in overview.holders_by_family])],
            ),
        }
    if actor.can(Permission.SEGMENT_READ):
        charts |= segment_panels(session, actor, translator(request), request.app.state.lake_root)
    if overview is not None and actor.can(Permission.MODEL_READ):
        bands = churn_band_counts(session=session, actor=actor)
        if bands:
            tr = translator(request)
            charts["churn"] = pie(tr.t("home.churn_risk"), [(tr.code("band", band), n) for band, n in bands])
    work = service_panels(session, actor, translator(request)) if actor.can(Permission.CASE_READ) else None
    if work is not None:
        charts |= work.pop("charts")
    return render(request, "home.html", actor, overview=overview, charts=charts, work=work)


def _preference(request: Request, cookie: str, value: str, allowed: tuple[str, ...], next_path: str) -> Response:
    response = RedirectResponse(safe_next(next_path), status_code=303)
    if value in allowed:
        secure = bool(request.app.state.settings.cookie_secure)
        response.set_cookie(cookie, value, max_age=YEAR, samesite="strict", secure=secure, httponly=True, path="/")
    return response


def set_language(
    request: Request,
    lang: Annotated[str, Query(max_length=10)],
    next: Annotated[str, Query(max_length=500)] = "/",
) -> Response:
    """Switch the workspace's language (a preference cookie), then go back."""
    return _preference(request, LOCALE_COOKIE, lang, LOCALES, next)


def set_theme(
    request: Request,
    theme: Annotated[str, Query(max_length=10)],
    next: Annotated[str, Query(max_length=500)] = "/",
) -> Response:
    """Switch between the light and the dark theme, then go back."""
    return _preference(request, THEME_COOKIE, theme, THEMES, next)


def install_web(app: FastAPI) -> None:
    """Mount the pages and the handlers that turn errors into pages."""
    pages = (
        ("/sign-in", auth_pages.sign_in_page, "GET"),
        ("/sign-in", auth_pages.sign_in_submit, "POST"),
        ("/sign-out", auth_pages.sign_out, "POST"),
        ("/", home, "GET"),
        ("/customers", customer_pages.search_page, "GET"),
        ("/customers/{party_id}", customer_pages.customer_page, "GET"),
        ("/customers/{party_id}/reveal", customer_pages.reveal_submit, "POST"),
        ("/customers/{party_id}/contacts", customer_pages.contact_submit, "POST"),
        ("/customers/{party_id}/appointments/new", appointment_pages.book_page, "GET"),
        ("/customers/{party_id}/appointments", appointment_pages.book_submit, "POST"),
        ("/appointments/{appointment_id}/cancel", appointment_pages.cancel_submit, "POST"),
        ("/customers/{party_id}/cases/new", case_pages.new_case_page, "GET"),
        ("/cases", case_pages.cases_page, "GET"),
        ("/cases/insights", insight_pages.insights_page, "GET"),
        ("/cases", case_pages.new_case_submit, "POST"),
        ("/cases/{case_id}", case_pages.case_page, "GET"),
        ("/cases/{case_id}/transition", case_pages.transition_submit, "POST"),
        ("/cases/{case_id}/take", case_pages.take_submit, "POST"),
        ("/cases/{case_id}/assign", case_pages.assign_submit, "POST"),
        ("/cases/{case_id}/escalate", case_pages.escalate_submit, "POST"),
        ("/cases/{case_id}/notes", case_pages.note_submit, "POST"),
        ("/events", event_pages.events_page, "GET"),
        ("/events", event_pages.create_submit, "POST"),
        ("/events/{event_id}", event_pages.event_page, "GET"),
        ("/events/{event_id}/invitations", event_pages.invite_submit, "POST"),
        ("/events/{event_id}/answers", event_pages.answer_submit, "POST"),
        ("/events/{event_id}/follow-up", event_pages.follow_up_submit, "POST"),
        ("/assistant", assistant_pages.assistant_page, "GET"),
        ("/chat", assistant_pages.chat_page, "GET"),
        ("/audit", audit_pages.audit_page, "GET"),
        ("/segments", segment_pages.segments_page, "GET"),
        ("/segments/rules", segment_pages.save_rule_submit, "POST"),
        ("/models", model_pages.models_page, "GET"),
        ("/models/alerts/{alert_id}/acknowledge", model_pages.acknowledge_submit, "POST"),
        ("/s/{token}", survey_pages.survey_page, "GET"),
        ("/s/{token}", survey_pages.survey_submit, "POST"),
        ("/language", set_language, "GET"),
        ("/theme", set_theme, "GET"),
    )
    for path, endpoint, method in pages:
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=False, response_class=HTMLResponse)

    @app.exception_handler(SignInRequired)
    async def _to_sign_in(_request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/sign-in?next={quote(exc.next_path)}", status_code=303)


def error_page(request: Request, exc: GuanxiError) -> Response | None:
    """An error on a page (not the API) as a page in the user's language; None for API paths."""
    if request.url.path.startswith("/api/") or request.url.path in ("/health", "/openapi.json"):
        return None
    with request.app.state.session_factory() as session:
        try:
            actor = page_actor(request, session)
        except SignInRequired:
            actor = None
    return render(request, "error.html", actor, status_code=exc.http_status, code=exc.code)
