"""One place that renders errors as ``{"code", "message", "details"}``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from guanxi.errors import GuanxiError


class ErrorBody(BaseModel):
    """How every error is reported."""

    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    details: dict[str, object]


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "the request cannot be carried out"),
        (401, "not signed in, or the token is not valid"),
        (403, "the role may not do this"),
        (404, "not found, or not visible to this user"),
        (405, "the method is not allowed here"),
        (409, "conflicts with the current state"),
        (413, "request body too large"),
        (422, "the request is not valid"),
        (429, "too many attempts"),
        (500, "an unexpected error (details are logged, never sent)"),
    )
}


def _headers(exc: GuanxiError) -> dict[str, str] | None:
    headers: dict[str, str] = {}
    if exc.http_status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    retry = exc.details.get("retry_after_seconds")
    if isinstance(retry, int):
        headers["Retry-After"] = str(retry)
    return headers or None


def error_response(exc: GuanxiError) -> JSONResponse:
    """A Guanxi error as the API's JSON body, with its status and headers."""
    return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=_headers(exc))


def install_error_handlers(app: FastAPI, page: Callable[[Request, GuanxiError], Response | None] | None = None) -> None:
    """Render Guanxi errors and request validation errors in one shape; ``page`` may render an
    error on a web page as a page instead."""

    @app.exception_handler(GuanxiError)
    async def _guanxi_error(request: Request, exc: GuanxiError) -> Response:
        rendered = page(request, exc) if page is not None else None
        return rendered if rendered is not None else error_response(exc)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own errors (unknown path, wrong method, unreadable body) in the same shape;
        # its headers (Allow on a 405) are kept.
        body = {"code": f"http_{exc.status_code}", "message": str(exc.detail), "details": {}}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]} for err in exc.errors()]
        body = {
            "code": "invalid_request",
            "message": "the request is not valid",
            "details": {"problems": problems},
        }
        return JSONResponse(body, status_code=422)
