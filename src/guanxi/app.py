"""The top floor: builds the FastAPI application and mounts every domain's router."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from guanxi import __version__
from guanxi.accounts.api import router as accounts_router
from guanxi.api.errors import install_error_handlers
from guanxi.config import Settings, get_settings
from guanxi.db import Bind, make_engine, session_factory
from guanxi.ingest.api import router as ingest_router
from guanxi.parties.api import router as parties_router
from guanxi.products.api import router as products_router
from guanxi.security.service import authenticate
from guanxi.team.api import router as team_router
from guanxi.web.landing import router as landing_router


def create_app(settings: Settings | None = None, bind: Bind | None = None, lake_root: Path | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: the environment's)."""
    settings = settings or get_settings()
    bind = bind or make_engine(settings.resolved_database_url)
    app = FastAPI(
        title="Guanxi API",
        version=__version__,
        description="Guanxi (關係): customer relationship management for banks. Sign in with HTTP Basic.",
        docs_url=None,  # served below from vendored assets: nothing is fetched from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory(bind)
    app.state.authenticate = authenticate
    app.state.lake_root = lake_root or settings.resolved_lake_path
    install_error_handlers(app)
    static = resources.files("guanxi.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Guanxi API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, Any]:
        """Whether the service and its database answer."""
        with app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
            dialect = session.get_bind().dialect.name
        return {"status": "ok", "database": dialect, "version": __version__}

    for router in (
        parties_router,
        accounts_router,
        products_router,
        team_router,
        ingest_router,
        landing_router,
    ):
        app.include_router(router)
    return app
