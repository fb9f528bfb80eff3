"""An injectable clock: code asks ``clock.now()`` so tests can freeze time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Return the current time, timezone-aware in UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Return today's date in UTC."""
    return now().date()


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Freeze :func:`now` at ``moment`` (must be timezone-aware) inside the block."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    previous, _frozen = _frozen, moment.astimezone(dt.UTC)
    try:
        yield
    finally:
        _frozen = previous
