"""``guanxi features``, ``guanxi analyze`` and ``guanxi segments``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from guanxi.analytics.catalogue import features
from guanxi.analytics.engine import StepTiming
from guanxi.analytics.history import migration_matrix
from guanxi.analytics.insight_evaluation import InsightEvaluation, evaluate_insights, extract_source
from guanxi.analytics.insights import LOOKBACK_DAYS, InsightSource
from guanxi.analytics.segmentation import SEGMENTATIONS
from guanxi.cli.common import console, print_json, progress_bars, run_reporting_errors
from guanxi.cli.security_commands import OPERATOR
from guanxi.clock import today
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory
from guanxi.parties.models import Party
from guanxi.segments.evaluation import LifecycleEvaluation, evaluate_lifecycle
from guanxi.segments.service import read_inputs, run_analysis

features_app = typer.Typer(help="The feature catalogue.", no_args_is_help=True)
segments_app = typer.Typer(help="Segments and their history.", no_args_is_help=True)


@features_app.command("list")
def list_features(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """Every feature: name, group, source table, unit and meaning (English and Chinese)."""
    catalogue = features()
    if as_json:
        print_json([f.__dict__ for f in catalogue])
        return
    table = Table(title=f"{len(catalogue)} features")
    for column in ("feature", "group", "from", "unit", "meaning", "意義"):
        table.add_column(column)
    for f in catalogue:
        table.add_row(f.name, f.group, f.owner, f.unit, f.en, f.zh)
    console.print(table)


def analyze(
    as_of: Annotated[
        dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="cut-off date (default: today)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    engine: Annotated[
        str | None, typer.Option("--engine", help="duckdb or spark (default: the GUANXI_ENGINE setting, duckdb)")
    ] = None,
) -> None:
    """Compute every feature and segmentation from data strictly before the cut-off date."""
    settings = get_settings()
    cutoff = as_of.date() if as_of else today()
    steps: list[StepTiming] = []
    with progress_bars(enabled=not as_json) as bars:
        bars.start(f"analyse as of {cutoff.isoformat()}", None)

        def on_step(timing: StepTiming) -> None:
            steps.append(timing)
            bars.advance(1)

        report = run_reporting_errors(
            lambda: run_analysis(
                bind=make_engine(settings.resolved_database_url),
                actor=OPERATOR,
                lake_root=settings.resolved_lake_path,
                as_of=cutoff,
                fx_rates=settings.fx_rates,
                on_step=on_step,
                memory_limit=settings.duckdb_memory_limit,
                threads=settings.duckdb_threads,
                engine=engine or settings.engine,
            )
        )
        bars.finish()
    if as_json:
        print_json(
            {
                "run_id": report.run_id,
                "as_of": report.as_of.isoformat(),
                "customers": report.customers,
                "features": report.features,
                "segments": report.segments,
                "steps": [{"step": s.step, "rows": s.rows, "seconds": round(s.seconds, 3)} for s in report.steps],
            }
        )
        return
    table = Table(title=f"{report.customers:,} customers, {report.features} features as of {cutoff.isoformat()}")
    for column in ("step", "rows", "seconds"):
        table.add_column(column, justify="right" if column != "step" else "left")
    for s in report.steps:
        table.add_row(s.step, f"{s.rows:,}", f"{s.seconds:.2f}")
    table.add_row("total", "", f"{sum(s.seconds for s in report.steps):.2f}")
    console.print(table)
    for segmentation, sizes in sorted(report.segments.items()):
        console.print(f"[bold]{segmentation}[/]: " + ", ".join(f"{k} {v:,}" for k, v in sorted(sizes.items())))


@segments_app.command("migration")
def migration(
    start: Annotated[dt.datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="the earlier analysed date")],
    end: Annotated[dt.datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="the later analysed date")],
    segmentation: Annotated[str, typer.Option(help=f"one of: {', '.join(SEGMENTATIONS)}")] = "value_tier",
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """How many customers moved from each segment to each other between two analysed dates."""
    if segmentation not in SEGMENTATIONS:
        raise typer.BadParameter(f"unknown segmentation '{segmentation}' (one of: {', '.join(SEGMENTATIONS)})")
    root = get_settings().resolved_lake_path
    cells = run_reporting_errors(lambda: migration_matrix(root, segmentation, start.date(), end.date()))
    if as_json:
        print_json([{"from": a, "to": b, "customers": n} for a, b, n in cells])
        return
    sources = sorted({a for a, _, _ in cells})
    targets = sorted({b for _, b, _ in cells})
    counts = {(a, b): n for a, b, n in cells}
    table = Table(title=f"{segmentation}: {start.date().isoformat()} (rows) → {end.date().isoformat()} (columns)")
    table.add_column("from \\ to")
    for target in targets:
        table.add_column(target, justify="right")
    for source in sources:
        table.add_row(source, *(f"{counts.get((source, t), 0):,}" for t in targets))
    console.print(table)


eval_app = typer.Typer(help="Evaluate analytics and models against ground truth.", no_args_is_help=True)


@eval_app.command("lifecycle")
def eval_lifecycle(
    as_of: Annotated[dt.datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="an analysed date")],
    labels: Annotated[Path, typer.Option(help="ground-truth labels (the synthetic bank's ground_truth/labels.csv)")],
    horizon: Annotated[int, typer.Option(min=30, max=730, help="days after the date within which churn counts")] = 180,
) -> None:
    """Share of each lifecycle stage among customers about to churn, against everyone."""
    settings = get_settings()

    def _evaluate() -> LifecycleEvaluation:
        with session_factory(make_engine(settings.resolved_database_url))() as session:
            return evaluate_lifecycle(
                session=session,
                lake_root=settings.resolved_lake_path,
                labels=labels,
                as_of=as_of.date(),
                horizon_days=horizon,
            )

    result = run_reporting_errors(_evaluate)
    table = Table(title=f"lifecycle stage as of {result.as_of.isoformat()}: churning within {horizon} days vs everyone")
    for column in ("stage", f"churners ({result.drifting:,})", f"everyone ({result.everyone:,})", "ratio"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for stage, drifting, everyone in result.shares:
        ratio = f"{drifting / everyone:.2f}" if everyone else "—"
        table.add_row(stage, f"{drifting:.1%}", f"{everyone:.1%}", ratio)
    console.print(table)
    churners, others = result.drift_share
    console.print(f"declining or dormant: churners {churners:.1%}, everyone {others:.1%}")


@eval_app.command("insights")
def eval_insights(
    bank: Annotated[Path | None, typer.Option(help="a generated extract, read in place (no ingest needed)")] = None,
    lake: Annotated[
        Path | None, typer.Option(help="a lake root, with ids from the database (default: the lake)")
    ] = None,
    truth: Annotated[Path | None, typer.Option(help="ground truth CSV (default with --bank: its insights.csv)")] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="cut-off date (default: the extract's balance date, else the day after the latest booking)",
        ),
    ] = None,
    lookback: Annotated[int, typer.Option(min=1, max=180, help="days before the cut-off counted as recent")] = (
        LOOKBACK_DAYS
    ),
    tolerance: Annotated[int, typer.Option(min=0, max=30, help="days a detected date may differ from a true one")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Precision and recall of each kind of proactive insight against ground truth."""
    if bank is not None and lake is not None:
        raise typer.BadParameter("give --bank or --lake, not both")
    if truth is None and bank is None:
        raise typer.BadParameter("--truth is required unless --bank names a generated extract")
    settings = get_settings()

    def _evaluate() -> InsightEvaluation:
        cutoff = as_of.date() if as_of else None
        if bank is not None:
            extract = extract_source(bank, settings.fx_rates)
            source, keys, cutoff = extract.source, extract.party_keys, cutoff or extract.as_of
        else:
            with session_factory(make_engine(settings.resolved_database_url))() as session:
                inputs = read_inputs(session, settings.fx_rates)
                keys = dict(session.execute(select(Party.id, Party.source_key)).all())
            source = InsightSource.from_inputs(lake or settings.resolved_lake_path, inputs)
        return evaluate_insights(
            source=source,
            party_keys=keys,
            truth_path=truth or bank / "ground_truth" / "insights.csv",  # type: ignore[operator]
            as_of=cutoff,
            lookback_days=lookback,
            tolerance_days=tolerance,
            memory_limit=settings.duckdb_memory_limit,
            threads=settings.duckdb_threads,
        )

    result = run_reporting_errors(_evaluate)
    if as_json:
        print_json(
            {
                "as_of": result.as_of.isoformat(),
                "lookback_days": result.lookback_days,
                "tolerance_days": result.tolerance_days,
                "detection_seconds": round(result.seconds, 3),
                "kinds": [{**s.__dict__, "precision": s.precision, "recall": s.recall} for s in result.scores],
                "missed": [r.__dict__ for r in result.missed],
            }
        )
        return
    table = Table(title=f"insights as of {result.as_of.isoformat()}, last {result.lookback_days} days")
    for column in ("kind", "true", "detected", "matched", "precision", "recall"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for s in result.scores:
        shown = ["—" if v is None else f"{v:.3f}" for v in (s.precision, s.recall)]
        table.add_row(s.kind, f"{s.truth:,}", f"{s.detected:,}", f"{s.matched:,}", *shown)
    console.print(table)
    console.print(f"detection took {result.seconds:.2f} s; dates matched within {result.tolerance_days} days")
    for row in result.missed[:20]:
        console.print(f"missed: {row.kind} {row.party_key} {row.event_date.isoformat()} (line {row.line})")
