"""The customer models on the bank's own data: ``guanxi eval models``, ``guanxi models train`` and
``promote``, and ``guanxi score``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from guanxi.cli.common import console, print_json, progress_bars, run_reporting_errors
from guanxi.clock import today
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory


def _stepper(bars: Any, quiet: bool) -> Callable[[str], None]:
    """Advance the bar at each step and, unless printing JSON, say what the step is."""

    def on_step(text: str) -> None:
        bars.advance(1)
        if not quiet:
            console.log(text)

    return on_step


def eval_models(
    labels: Annotated[Path, typer.Option(help="ground-truth labels (the synthetic bank's ground_truth/labels.csv)")],
    train_dates: Annotated[int, typer.Option("--train-dates", min=1, max=12, help="training cut-off dates")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Churn ROC-AUC and lift@10%, next-best-offer precision@1 against the most popular product."""
    from guanxi.scoring.service import evaluate_customer_models

    settings = get_settings()
    with progress_bars(enabled=not as_json) as bars:
        bars.start("train and judge the customer models", train_dates + 2)

        on_step = _stepper(bars, as_json)

        def action() -> object:
            with session_factory(make_engine(settings.resolved_database_url))() as session:
                return evaluate_customer_models(
                    session=session,
                    lake_root=settings.resolved_lake_path,
                    labels=labels,
                    fx_rates=settings.fx_rates,
                    train_dates=train_dates,
                    on_step=on_step,
                )[0]

        result = run_reporting_errors(action)
        bars.finish()
    figures = result.as_dict()  # type: ignore[attr-defined]
    if as_json:
        print_json(figures)
        return
    churn, nbo = figures["churn"], figures["next_best_offer"]
    console.print(
        f"trained on {', '.join(figures['train_dates'])}; judged out of time on {figures['valid_date']} "
        f"({churn['population']:,} customers at risk, {churn['planted_churners']:,} planted churners)"
    )
    table = Table(title="churn within 90 days")
    for column in ("against", "ROC-AUC", "lift@10%", "KS", "Brier"):
        table.add_column(column, justify="left" if column == "against" else "right")
    against = (("ground truth (planted churners)", "vs_ground_truth"), ("operational label", "vs_operational_label"))
    for name, key in against:
        m = churn[key]
        table.add_row(name, f"{m['roc_auc']:.4f}", f"{m['lift_at_10']:.2f}", f"{m['ks']:.4f}", f"{m['brier']:.4f}")
    console.print(table)
    base = nbo["baseline_most_popular"]
    console.print(
        f"next-best offer precision@1: [bold]{nbo['precision_at_1']:.4f}[/] "
        f"(ranked by propensity alone: {nbo['precision_at_1_by_propensity']:.4f}) "
        f"vs most popular product ({base['family']}) {base['precision_at_1']:.4f}, "
        f"over {nbo['customers_who_took_up']:,} customers who took up a new product"
    )
    for note in figures["notes"]:
        console.print(f"  {note}")


def train_customer(
    train_dates: Annotated[int, typer.Option("--train-dates", min=1, max=12, help="training cut-off dates")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Train churn and propensity on this bank's history, judge them out of time and register them."""
    from guanxi.cli.security_commands import OPERATOR
    from guanxi.scoring.service import train_customer_models

    settings = get_settings()
    with progress_bars(enabled=not as_json) as bars:
        bars.start("train the customer models", train_dates + 2)

        on_step = _stepper(bars, as_json)

        report = run_reporting_errors(
            lambda: train_customer_models(
                bind=make_engine(settings.resolved_database_url),
                actor=OPERATOR,
                lake_root=settings.resolved_lake_path,
                var_dir=settings.var_dir,
                fx_rates=settings.fx_rates,
                train_dates=train_dates,
                on_step=on_step,
            )
        )
        bars.finish()
    figures = {
        "version": report.version,
        "status": report.status,
        "train_dates": [d.isoformat() for d in report.train_dates],
        "valid_date": report.valid_date.isoformat(),
        "metrics": report.metrics,
        "notes": report.notes,
    }
    if as_json:
        print_json(figures)
        return
    m = report.metrics
    console.print(
        f"customer-models v{report.version} ({report.status}): out of time on {figures['valid_date']} "
        f"ROC-AUC {m['roc_auc']:.4f}, lift@10% {m['lift_at_10']:.2f}, KS {m['ks']:.4f}"
    )
    for note in report.notes:
        console.print(f"  {note}")


def promote_customer(
    version: Annotated[int, typer.Argument(help="the challenger version to make champion")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Promote a challenger of the customer models, if it beats the champion on the same out-of-time date."""
    from guanxi.cli.security_commands import OPERATOR
    from guanxi.scoring.service import promote_customer_models

    settings = get_settings()
    result = run_reporting_errors(
        lambda: promote_customer_models(
            bind=make_engine(settings.resolved_database_url),
            actor=OPERATOR,
            lake_root=settings.resolved_lake_path,
            var_dir=settings.var_dir,
            fx_rates=settings.fx_rates,
            version=version,
        )
    )
    if as_json:
        print_json(result)
        return
    console.print(
        f"v{result['promoted']} is the champion (was v{result['previous']}): ROC-AUC "
        f"{result['challenger']['roc_auc']} vs {result['champion']['roc_auc']} on {result['valid_date']}"
    )


def score(
    as_of: Annotated[
        dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="cut-off date (default: today)")
    ] = None,
    version: Annotated[int | None, typer.Option("--version", help="model version (default: the champion)")] = None,
    treeshap: Annotated[
        bool, typer.Option("--treeshap", help="reasons from exact TreeSHAP (about 1 ms a customer) instead of paths")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Score every customer (churn, lifetime value, best offers, reasons) and write it back for the 360."""
    from guanxi.cli.security_commands import OPERATOR
    from guanxi.scoring.score_service import run_scoring

    settings = get_settings()
    cutoff = as_of.date() if as_of else today()
    with progress_bars(enabled=not as_json) as bars:
        bars.start(f"score every customer as of {cutoff.isoformat()}", 4)
        report = run_reporting_errors(
            lambda: run_scoring(
                bind=make_engine(settings.resolved_database_url),
                actor=OPERATOR,
                lake_root=settings.resolved_lake_path,
                var_dir=settings.var_dir,
                fx_rates=settings.fx_rates,
                as_of=cutoff,
                version=version,
                exact_reasons=treeshap,
                on_step=lambda _: bars.advance(1),
            )
        )
        bars.finish()
    figures = {
        "run_id": report.run_id,
        "as_of": report.as_of.isoformat(),
        "model_version": report.model_version,
        "customers": report.customers,
        "offers": report.offers,
        "bands": report.bands,
        "drift_alerts": report.alerts,
        "steps": [{"step": name, "seconds": round(seconds, 3)} for name, seconds in report.steps],
    }
    if as_json:
        print_json(figures)
        return
    table = Table(title=f"{report.customers:,} customers scored as of {figures['as_of']} (v{report.model_version})")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for name, seconds in report.steps:
        table.add_row(name, f"{seconds:.2f}")
    console.print(table)
    console.print("churn bands: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.bands.items())))
    console.print(f"{report.offers:,} offers written")
    if report.alerts:
        console.print(
            "[bold red]drift[/] (PSI > 0.25): " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(report.alerts.items()))
        )
