"""``guanxi generate`` and ``guanxi ingest``: getting a bank's data in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from guanxi.cli.common import ExitCode, console, print_json, progress_bars, run_reporting_errors
from guanxi.config import get_settings
from guanxi.db import make_engine
from guanxi.ingest.mapping import BUILTIN_FORMATS, builtin_mapping, load_mapping
from guanxi.ingest.service import IngestReport, ingest_extract
from guanxi.progress import Progress


def generate(
    out: Annotated[Path, typer.Option("--out", help="folder to write the extract to")],
    customers: Annotated[int, typer.Option(min=1, help="number of customers")] = 5000,
    months: Annotated[int, typer.Option(min=1, max=120, help="months of history")] = 12,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same bank")] = 42,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "parquet",
    end: Annotated[str | None, typer.Option(help="end of history (exclusive), YYYY-MM-DD; default: this month")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Write a realistic synthetic bank in the canonical extract format."""
    from guanxi.ingest.synth import generate_bank

    if fmt not in ("csv", "parquet"):
        console.print(f"[red]error[/]: --format must be csv or parquet, not {fmt!r}")
        raise typer.Exit(ExitCode.BAD_INPUT)
    end_date = None
    if end:
        try:
            end_date = dt.date.fromisoformat(end)
        except ValueError:
            console.print(f"[red]error[/]: --end must be a date YYYY-MM-DD, not {end!r}")
            raise typer.Exit(ExitCode.BAD_INPUT) from None
    with progress_bars(not as_json) as bars:
        bars.start("generate customers", customers)
        report = generate_bank(
            customers=customers,
            months=months,
            seed=seed,
            out=out,
            fmt=fmt,
            end=end_date,  # type: ignore[arg-type]
            on_progress=bars.advance,
        )
        bars.finish()
    if as_json:
        print_json(
            {
                "out": str(report.out),
                "counts": report.counts,
                "labels": report.labels,
                "start": report.start,
                "end": report.end,
            }
        )
        return
    table = Table(title=f"synthetic bank in {out}")
    table.add_column("entity")
    table.add_column("rows", justify="right")
    for entity, count in report.counts.items():
        table.add_row(entity, f"{count:,}")
    console.print(table)
    console.print(f"history {report.start} to {report.end}; ground-truth labels: {report.labels}")


def run_ingest(
    directory: Path,
    *,
    fmt: str | None,
    mapping_file: Path | None,
    source_system: str | None,
    progress: Progress | None = None,
) -> IngestReport:
    """Load an extract with the configured database and lake."""
    settings = get_settings()
    if mapping_file:
        mapping = load_mapping(mapping_file, source_system)
    else:
        mapping = builtin_mapping(fmt or "canonical", source_system)
    return ingest_extract(
        directory=directory,
        mapping=mapping,
        bind=make_engine(settings.resolved_database_url),
        lake_root=settings.resolved_lake_path,
        work_dir=settings.var_dir / "tmp",
        quarantine_dir=settings.var_dir / "quarantine",
        actor="cli",
        progress=progress,
        batch_size=settings.ingest_batch_size,
        memory_limit=settings.duckdb_memory_limit,
        threads=settings.duckdb_threads,
    )


def print_ingest_report(report: IngestReport) -> None:
    """Show an ingest report as a table, with notes and the quarantine file."""
    table = Table(title=f"ingest of {report.directory} ({report.mapping}, source system {report.source_system})")
    table.add_column("entity", no_wrap=True)
    table.add_column("from", overflow="ellipsis", max_width=24)
    for column in ("read", "new", "existing", "rejected"):
        table.add_column(column, justify="right", no_wrap=True)
    for e in report.entities:
        files = e.files[0] if len(e.files) == 1 else f"{len(e.files)} files"
        rejected = f"[red]{e.rejected:,}[/]" if e.rejected else "0"
        table.add_row(e.entity, files, f"{e.read:,}", f"{e.new:,}", f"{e.existing:,}", rejected)
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note[/]: {note}")
    if report.quarantine_path:
        console.print(f"[red]{report.rows_rejected:,} rows rejected[/]: see {report.quarantine_path}")


def ingest(
    directory: Annotated[Path, typer.Argument(help="folder holding the extract files")],
    mapping_file: Annotated[Path | None, typer.Option("--mapping", help="YAML mapping of a source system")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help=f"built-in mapping: {', '.join(BUILTIN_FORMATS)}")] = None,
    source_system: Annotated[str | None, typer.Option(help="source system name (canonical format)")] = None,
    strict: Annotated[bool, typer.Option(help="exit with code 3 if any row is rejected")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Validate and load an extract (CSV or Parquet) into the database and the lake."""
    if mapping_file and fmt:
        console.print("[red]error[/]: give --mapping or --format, not both")
        raise typer.Exit(ExitCode.BAD_INPUT)
    with progress_bars(not as_json) as bars:
        report = run_reporting_errors(
            lambda: run_ingest(
                directory, fmt=fmt, mapping_file=mapping_file, source_system=source_system, progress=bars
            )
        )
    if as_json:
        print_json(report.to_dict())
    else:
        print_ingest_report(report)
    if strict and report.rows_rejected:
        raise typer.Exit(ExitCode.REJECTED_ROWS)
