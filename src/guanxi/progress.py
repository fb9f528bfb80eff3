"""Progress reporting for long work, drawn by the CLI as Rich progress bars.

Services accept any ``Progress``; the default does nothing, so services stay silent in tests.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives progress from long-running work."""

    def start(self, label: str, total: int | None = None) -> None:
        """Begin a step called ``label`` with ``total`` units (None if unknown)."""

    def advance(self, units: int = 1) -> None:
        """Record ``units`` more units done in the current step."""

    def finish(self) -> None:
        """End the current step."""


class NullProgress:
    """Progress that reports nothing."""

    def start(self, label: str, total: int | None = None) -> None:
        """Ignore the step."""

    def advance(self, units: int = 1) -> None:
        """Ignore the units."""

    def finish(self) -> None:
        """Ignore the end."""
