"""One place that renders errors as ``{"code", "message", "details"}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from guanxi.errors import GuanxiError


def install_error_handlers(app: FastAPI) -> None:
    """Render Guanxi errors and request validation errors in one shape."""

    @app.exception_handler(GuanxiError)
    async def _guanxi_error(_request: Request, exc: GuanxiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Basic"} if exc.http_status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]} for err in exc.errors()]
        body = {
            "code": "invalid_request",
            "message": "the request is not valid",
            "details": {"problems": problems},
        }
        return JSONResponse(body, status_code=422)
