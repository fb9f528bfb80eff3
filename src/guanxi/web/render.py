"""Rendering pages: the template environment and what every page knows (who, language, theme)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from guanxi.api.csrf import CSRF_FIELD, csrf_token
from guanxi.api.deps import SESSION_COOKIE
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.web.i18n import LANGUAGE_NAMES, LOCALES, Translator, best_locale

LOCALE_COOKIE = "guanxi_lang"
THEME_COOKIE = "guanxi_theme"
THEMES = ("light", "dark")
templates = Jinja2Templates(directory=str(resources.files("guanxi.web").joinpath("templates")))

# (path, message key, permission needed) of the main navigation, in order.
NAVIGATION: tuple[tuple[str, str, Permission | None], ...] = (
    ("/", "nav.home", None),
    ("/customers", "nav.customers", Permission.CUSTOMER_READ),
    ("/cases", "nav.cases", Permission.CASE_READ),
    ("/events", "nav.events", Permission.CASE_WRITE),
    ("/assistant", "nav.assistant", Permission.CASE_WRITE),
    ("/segments", "nav.segments", Permission.SEGMENT_READ),
    ("/models", "nav.models", Permission.MODEL_READ),
    ("/audit", "nav.audit", Permission.AUDIT_READ),
    ("/docs", "nav.api", None),
)


def translator(request: Request) -> Translator:
    """The translator of the request's language."""
    settings = request.app.state.settings
    locale = best_locale(
        request.cookies.get(LOCALE_COOKIE), request.headers.get("accept-language"), settings.default_locale
    )
    return Translator(locale)


def theme(request: Request) -> str:
    """The colour theme the user chose (light by default)."""
    chosen = request.cookies.get(THEME_COOKIE)
    return chosen if chosen in THEMES else "light"


def render(request: Request, template: str, actor: Actor | None, *, status_code: int = 200, **context: Any) -> Response:
    """Render ``template`` with the page frame's context."""
    tr = translator(request)
    token = request.cookies.get(SESSION_COOKIE)
    csrf = csrf_token(request.app.state.settings.secret_key, token) if token and actor else None
    nav = [
        (path, key) for path, key, permission in NAVIGATION if actor and (permission is None or actor.can(permission))
    ]
    return templates.TemplateResponse(
        request,
        template,
        {
            "actor": actor,
            "can_search": bool(actor and actor.can(Permission.CUSTOMER_READ)),
            "csrf_token": csrf,
            "csrf_field": CSRF_FIELD,
            "nav": nav,
            "current": request.url.path,
            "locale": tr.locale,
            "locales": [(code, LANGUAGE_NAMES[code]) for code in LOCALES],
            "theme": theme(request),
            "tr": tr,
            "t": tr.t,
            **context,
        },
        status_code=status_code,
    )
