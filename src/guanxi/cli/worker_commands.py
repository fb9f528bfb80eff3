"""``guanxi worker``: the background loop (SLA sweep, outbox delivery); ``guanxi outbox deliver``
and ``guanxi cases sweep`` run one round of each by hand."""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated

import typer

from guanxi.cases.monitoring import sweep_slas
from guanxi.cli.common import console, err_console, print_json, run_reporting_errors
from guanxi.config import get_settings
from guanxi.db import get_engine, session_factory
from guanxi.outbox.delivery import channels_from_settings, deliver_due
from guanxi.security.pii import Vault

outbox_app = typer.Typer(help="The outbox of messages to customers and staff.", no_args_is_help=True)


def _deliver() -> dict[str, int]:
    settings = get_settings()
    report = deliver_due(
        sessions=session_factory(get_engine()),
        vault=Vault.from_settings(settings),
        channels=channels_from_settings(settings.smtp_host, settings.smtp_port, settings.mail_from),
    )
    return dataclasses.asdict(report)


def _sweep() -> dict[str, int]:
    with session_factory(get_engine())() as session:
        return sweep_slas(session=session).model_dump()


@outbox_app.command("deliver")
def deliver(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """Deliver the messages that are due once (email by SMTP when configured; others recorded)."""
    report = run_reporting_errors(_deliver)
    if as_json:
        print_json(report)
    else:
        console.print(", ".join(f"{name} {count}" for name, count in report.items()))


def sweep(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """Flag cases at risk, mark breaches and escalate them to the team lead, once."""
    result = run_reporting_errors(_sweep)
    if as_json:
        print_json(result)
    else:
        console.print(", ".join(f"{name} {count}" for name, count in result.items()))


def worker(
    interval: Annotated[int, typer.Option(min=5, max=3600, help="seconds between rounds")] = 60,
    once: Annotated[bool, typer.Option("--once", help="run one round and stop")] = False,
) -> None:
    """Run the background work: the SLA sweep and outbox delivery, every ``interval`` seconds."""
    while True:
        if once:
            swept, delivered = run_reporting_errors(_sweep), run_reporting_errors(_deliver)
            console.print(f"sla {swept} · outbox {delivered}", highlight=False)
            return
        # The loop outlives a failed round: it reports the error and tries again next time.
        for name, work in (("sla", _sweep), ("outbox", _deliver)):
            try:
                console.print(f"{name} {work()}", highlight=False)
            except Exception as exc:
                err_console.print(f"[bold red]error[/] in the {name} round: {exc}", markup=True, highlight=False)
        time.sleep(interval)
