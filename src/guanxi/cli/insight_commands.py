"""``guanxi insights detect``: find what is worth telling each customer, for the 360 and the assistant."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from guanxi.cli.common import console, print_json, progress_bars, run_reporting_errors
from guanxi.clock import today
from guanxi.config import get_settings
from guanxi.db import make_engine
from guanxi.security.service import SYSTEM

insights_app = typer.Typer(help="Proactive insights: duplicate charges, a bill that went up, salary in, ...")


@insights_app.command("detect")
def detect(
    as_of: Annotated[str | None, typer.Option("--as-of", help="cut-off date YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Detect every customer's insights from the lake (transactions before the cut-off) and store the new ones."""
    from guanxi.insights.runs import run_insights

    settings = get_settings()
    day = dt.date.fromisoformat(as_of) if as_of else today()
    with progress_bars(enabled=not as_json) as bars:
        bars.start("detect insights", 3)
        run = run_reporting_errors(
            lambda: run_insights(
                bind=make_engine(settings.resolved_database_url),
                actor=SYSTEM,
                lake_root=settings.resolved_lake_path,
                fx_rates=settings.fx_rates,
                as_of=day,
                on_step=lambda _step: bars.advance(1),
            )
        )
        bars.finish()
    if as_json:
        print_json({"as_of": run.as_of.isoformat(), "found": run.found, "new": run.new})
        return
    table = Table(title=f"insights as of {run.as_of.isoformat()}")
    table.add_column("kind")
    table.add_column("found", justify="right")
    for kind, count in sorted(run.found.items()):
        table.add_row(kind, f"{count:,}")
    console.print(table)
    console.print(f"{run.new:,} new insights stored")
