"""CSRF tokens for browser sessions: derived from the session token with the app's secret.

Nothing is stored: the token is an HMAC of the session token, so it changes with every session
and cannot be guessed from outside. Forms carry it in a hidden ``csrf_token`` field; scripts send
it as the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request

from guanxi.errors import GuanxiError

SESSION_COOKIE = "guanxi_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class CsrfFailed(GuanxiError):
    """A state-changing browser request without the session's CSRF token."""

    code = "csrf_failed"
    http_status = 403


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of a browser session."""
    mac = hmac.new(secret.encode("utf-8"), b"csrf:" + session_token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def check_csrf(secret: str, session_token: str, presented: str | None) -> None:
    """Raise ``CsrfFailed`` unless ``presented`` is the session's CSRF token."""
    if not presented or not hmac.compare_digest(presented, csrf_token(secret, session_token)):
        raise CsrfFailed("this form has expired or did not come from Guanxi: reload the page and try again")


def check_csrf_form(request: Request, presented: str | None) -> None:
    """Check the ``csrf_token`` field of a form posted with the browser's session cookie."""
    check_csrf(request.app.state.settings.secret_key, request.cookies.get(SESSION_COOKIE, ""), presented)


def check_csrf_header(request: Request, session_token: str) -> None:
    """Check the ``X-CSRF-Token`` header of a cookie-authenticated request."""
    check_csrf(request.app.state.settings.secret_key, session_token, request.headers.get(CSRF_HEADER))
