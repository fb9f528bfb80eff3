"""The top floor: builds the FastAPI application and mounts every domain's router."""

from __future__ import annotations

from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from guanxi import __version__
from guanxi.accounts.api import router as accounts_router
from guanxi.api.errors import ERROR_RESPONSES, install_error_handlers
from guanxi.api.hardening import RateLimiter, install_hardening
from guanxi.appointments.api import router as appointments_router
from guanxi.assistant.api import router as assistant_router
from guanxi.audit.api import router as audit_router
from guanxi.calendars.api import router as calendars_router
from guanxi.cases.api import router as cases_router
from guanxi.config import Settings, get_settings
from guanxi.db import Bind, make_engine, session_factory
from guanxi.events.api import router as events_router
from guanxi.ingest.api import router as ingest_router
from guanxi.interactions.api import router as interactions_router
from guanxi.parties.api import router as parties_router
from guanxi.privacy.api import router as privacy_router
from guanxi.products.api import router as products_router
from guanxi.scoring.api import router as scoring_router
from guanxi.security.api import router as security_router
from guanxi.security.auth import authenticate_token
from guanxi.security.pii import Vault
from guanxi.segments.api import router as segments_router
from guanxi.surveys.api import router as surveys_router
from guanxi.team.api import router as team_router
from guanxi.web.routes import error_page, install_web

API_ROUTERS = (
    security_router,
    parties_router,
    privacy_router,
    accounts_router,
    products_router,
    team_router,
    ingest_router,
    audit_router,
    segments_router,
    scoring_router,
    cases_router,
    calendars_router,
    interactions_router,
    surveys_router,
    appointments_router,
    events_router,
    assistant_router,
)

# Swagger UI from vendored files; its start-up script is a file too, so no inline script is needed.
SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Guanxi API</title>
<link rel="icon" href="/static/vendor/swagger-ui/favicon-32x32.png">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>"""


def create_app(settings: Settings | None = None, bind: Bind | None = None, lake_root: Path | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: the environment's)."""
    settings = settings or get_settings()
    bind = bind or make_engine(settings.resolved_database_url)
    app = FastAPI(
        title="Guanxi API",
        version=__version__,
        description=(
            "Guanxi (關係): customer relationship management for banks. "
            "Get a token with POST /api/v1/auth/tokens and send it as `Authorization: Bearer <token>`."
        ),
        docs_url=None,  # served below from vendored assets: nothing is fetched from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory(bind)
    app.state.vault = Vault.from_settings(settings)
    app.state.authenticate_token = partial(authenticate_token, settings=settings)
    app.state.sign_in_limiter = RateLimiter(settings.sign_in_attempts_per_minute, 60.0)
    app.state.lake_root = lake_root or settings.resolved_lake_path
    install_error_handlers(app, page=error_page)
    install_hardening(app, max_bytes=settings.max_request_bytes, https_only=settings.cookie_secure)
    static = resources.files("guanxi.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(SWAGGER_PAGE)

    @app.get("/health", tags=["operations"], responses={500: ERROR_RESPONSES[500]})
    def health() -> dict[str, Any]:
        """Whether the service and its database answer."""
        with app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
            dialect = session.get_bind().dialect.name
        return {"status": "ok", "database": dialect, "version": __version__}

    for router in API_ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    install_web(app)
    return app
