"""Hardening every response: security headers, a request size limit, rate limits, and no stack
traces to clients."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guanxi.errors import GuanxiError

log = logging.getLogger("guanxi.http")

# Pages load only what Guanxi serves itself: no CDN, no inline script, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class RequestTooLarge(GuanxiError):
    """The request body is larger than the configured limit."""

    code = "request_too_large"
    http_status = 413


class TooManyRequests(GuanxiError):
    """Too many attempts in a short time from one place."""

    code = "too_many_requests"
    http_status = 429


class HardeningMiddleware:
    """Adds security headers and a request id, and refuses bodies over ``max_bytes`` (ASGI)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, https_only: bool) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if self.https_only:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                # Nothing but the static assets may be kept by a browser or proxy: pages hold customer data.
                if not scope["path"].startswith("/static/") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send_with_headers)
            return
        if declared is None:
            # No length declared (chunked): read the body here, up to the limit, and replay it;
            # an error raised from receive() would reach the app as "could not parse the body".
            messages: list[Message] = []
            size = 0
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                size += len(message.get("body", b""))
                if size > self.max_bytes:
                    await self._refuse(scope, receive, send_with_headers)
                    return
                if not message.get("more_body", False):
                    break
            queued = iter(messages)

            async def replay() -> Message:
                return next(queued, None) or await receive()

            app_receive: Receive = replay
        else:
            app_receive = receive
        try:
            await self.app(scope, app_receive, send_with_headers)
        except Exception as exc:
            if started:
                raise
            # The type only: an exception's text can carry data, and logs must not hold personal data.
            log.error(
                "unexpected %s on %s %s (request %s)", type(exc).__name__, scope["method"], scope["path"], request_id
            )
            body = {
                "code": "internal_error",
                "message": "something went wrong on our side; the error has been logged",
                "details": {"request_id": request_id},
            }
            await JSONResponse(body, status_code=500)(scope, receive, send_with_headers)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = RequestTooLarge(f"request body over {self.max_bytes} bytes", details={"limit_bytes": self.max_bytes})
        response = JSONResponse(error.to_dict(), status_code=error.http_status)
        await response(scope, receive, send)


class RateLimiter:
    """At most ``limit`` hits per key in a sliding ``window`` of seconds (in this process)."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one attempt for ``key``; raise ``TooManyRequests`` when over the limit."""
        at = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= at - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = int(hits[0] + self.window - at) + 1
                raise TooManyRequests(
                    "too many attempts: wait a moment and try again", details={"retry_after_seconds": retry}
                )
            hits.append(at)
            if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
                for stale in [k for k, v in self._hits.items() if not v or v[-1] <= at - self.window]:
                    del self._hits[stale]


class WithoutQueryString(logging.Filter):
    """Drop the query string from access-log lines: searches carry phone numbers and emails there."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite uvicorn's ``(client, method, path?query, version, status)`` arguments."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def install_hardening(app: FastAPI, *, max_bytes: int, https_only: bool) -> None:
    """Add the hardening middleware (which also turns unexpected errors into a bare 500) and keep
    query strings out of the access log."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutQueryString) for f in access.filters):
        access.addFilter(WithoutQueryString())
    app.add_middleware(HardeningMiddleware, max_bytes=max_bytes, https_only=https_only)
