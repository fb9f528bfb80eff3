"""The ``guanxi`` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from guanxi.cli import (
    analytics_commands,
    assistant_commands,
    db_commands,
    ingest_commands,
    insight_commands,
    model_commands,
    scoring_commands,
    security_commands,
    serve_commands,
    service_commands,
    worker_commands,
)

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
app.add_typer(service_commands.cases_app, name="cases")
app.add_typer(model_commands.models_app, name="models")
app.add_typer(insight_commands.insights_app, name="insights")
service_commands.cases_app.command("sweep")(worker_commands.sweep)
app.add_typer(worker_commands.outbox_app, name="outbox")
app.command("worker")(worker_commands.worker)
analytics_commands.eval_app.command("complaints")(service_commands.eval_complaints)
analytics_commands.eval_app.command("models")(scoring_commands.eval_models)
analytics_commands.eval_app.command("intents")(assistant_commands.eval_intents)
analytics_commands.eval_app.command("pairs")(assistant_commands.eval_pairs)
analytics_commands.eval_app.command("slots")(assistant_commands.eval_slots)
model_commands.models_app.command("train")(scoring_commands.train_customer)
model_commands.models_app.command("promote")(scoring_commands.promote_customer)
app.command("score")(scoring_commands.score)
app.command("analyze")(analytics_commands.analyze)
app.command("generate")(ingest_commands.generate)
app.command("ingest")(ingest_commands.ingest)
app.command("serve")(serve_commands.serve)
app.command("demo")(serve_commands.demo)


def run() -> None:
    """Entry point of the console script."""
    app()
