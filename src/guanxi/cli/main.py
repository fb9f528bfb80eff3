"""The ``guanxi`` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from guanxi.cli import analytics_commands, db_commands, ingest_commands, security_commands, serve_commands

app = typer.Typer(
    name="guanxi",
    help="Guanxi (關係): customer relationship management for banks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(security_commands.users_app, name="users")
app.add_typer(security_commands.audit_app, name="audit")
app.add_typer(security_commands.keys_app, name="keys")
app.add_typer(security_commands.customers_app, name="customers")
app.add_typer(analytics_commands.features_app, name="features")
app.add_typer(analytics_commands.segments_app, name="segments")
app.add_typer(analytics_commands.eval_app, name="eval")
app.command("analyze")(analytics_commands.analyze)
app.command("generate")(ingest_commands.generate)
app.command("ingest")(ingest_commands.ingest)
app.command("serve")(serve_commands.serve)
app.command("demo")(serve_commands.demo)


def run() -> None:
    """Entry point of the console script."""
    app()
