"""Building a service's input from a submitted form: a value the schema refuses is a 422 that
names the field, like the API's, instead of an unhandled validation error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from guanxi.errors import GuanxiError, ValidationFailed

M = TypeVar("M", bound=BaseModel)


def from_form(schema: type[M], **values: Any) -> M:
    """``schema(**values)``, or ``ValidationFailed`` naming the first field it refuses and why."""
    try:
        return schema(**values)
    except (ValidationError, ValueError, OverflowError) as exc:
        if isinstance(exc, ValidationError) and exc.errors():
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "form"
            raise ValidationFailed(f"{field}: {first['msg']}", code="invalid_form", details={"field": field}) from None
        raise ValidationFailed(str(exc), code="invalid_form") from None


def act_then_show(
    session: Session,
    action: Callable[[], object],
    *,
    then: str,
    refused: Callable[[str], Response],
    raise_statuses: tuple[int, ...] = (403, 404),
) -> Response:
    """Run a page's action and go to ``then``; when the service refuses it (a 4xx other than
    ``raise_statuses``), roll back and show ``refused(message)`` instead."""
    try:
        action()
    except GuanxiError as exc:
        if exc.http_status in raise_statuses:
            raise
        session.rollback()
        return refused(exc.message)
    return RedirectResponse(then, status_code=303)
