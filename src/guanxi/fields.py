"""Field types the domains' Pydantic schemas share."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _utc(value: dt.datetime) -> dt.datetime:
    # An offset that pushes the instant past year 1 or 9999 cannot be a time Guanxi stores.
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError("the time is out of range") from exc


# A timezone-aware moment, turned into UTC; a naive one or one out of range is a 422.
UtcDateTime = Annotated[AwareDatetime, AfterValidator(_utc)]
