"""Errors with a stable code and an HTTP status, rendered by one exception handler.

Services raise these; they never import FastAPI. ``code`` is what clients and tests match on.
"""

from __future__ import annotations

from typing import Any


class GuanxiError(Exception):
    """Base of every error Guanxi reports to a user."""

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """Return the error as the JSON body the API sends."""
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFound(GuanxiError):
    """The thing asked for does not exist (or is not visible to the actor)."""

    code = "not_found"
    http_status = 404


class ValidationFailed(GuanxiError):
    """Input broke a rule."""

    code = "validation_failed"
    http_status = 422


class Conflict(GuanxiError):
    """The change conflicts with the current state."""

    code = "conflict"
    http_status = 409


class PermissionDenied(GuanxiError):
    """The actor may not do this."""

    code = "permission_denied"
    http_status = 403


class ConfigurationError(GuanxiError):
    """Guanxi is configured wrongly."""

    code = "configuration_error"
    http_status = 500
