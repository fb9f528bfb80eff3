"""What every command shares: exit codes, the console, Rich progress, error reporting."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from guanxi.errors import GuanxiError

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


class ExitCode(IntEnum):
    """Exit codes of the ``guanxi`` command."""

    OK = 0
    ERROR = 1  # something unexpected broke
    BAD_INPUT = 2  # the input or configuration is wrong; the message says what
    REJECTED_ROWS = 3  # --strict and some rows were rejected


class RichProgress:
    """Draws a service's progress steps as Rich progress bars."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None

    def start(self, label: str, total: int | None = None) -> None:
        """Begin a bar."""
        self._task = self._progress.add_task(label, total=total)

    def advance(self, units: int = 1) -> None:
        """Move the bar."""
        if self._task is not None:
            self._progress.advance(self._task, units)

    def finish(self) -> None:
        """Complete the bar."""
        if self._task is not None:
            task = self._progress.tasks[self._task]
            self._progress.update(self._task, completed=task.total if task.total is not None else task.completed)
            self._task = None


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[RichProgress]:
    """A Rich progress display (hidden with ``enabled=False``, e.g. for ``--json``)."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
        transient=False,
    )
    with progress:
        yield RichProgress(progress)


def run_reporting_errors(action: Callable[[], T]) -> T:
    """Run ``action``; print a Guanxi error as one clear line and exit with ``BAD_INPUT``."""
    try:
        return action()
    except GuanxiError as exc:
        err_console.print(f"[bold red]error[/]: {exc.message}", markup=True, highlight=False)
        raise typer.Exit(ExitCode.BAD_INPUT) from None


def print_json(data: Any) -> None:
    """Print machine-readable output."""
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
