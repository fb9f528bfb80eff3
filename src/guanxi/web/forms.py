"""Building a service's input from a submitted form: a value the schema refuses is a 422 that
names the field, like the API's, instead of an unhandled validation error."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from guanxi.errors import ValidationFailed

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
