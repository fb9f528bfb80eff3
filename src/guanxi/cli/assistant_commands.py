"""``guanxi eval intents``, ``guanxi eval pairs`` and ``guanxi eval slots``: the assistant's understanding, measured."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from guanxi.cli.common import console, print_json, progress_bars, run_reporting_errors

TrainOpt = Annotated[Path, typer.Option("--train", help="the CSV to train on")]
TestOpt = Annotated[Path, typer.Option("--test", help="the CSV to score")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object")]


def _show(title: str, figures: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        shown = f"{value:.4f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else str(value)
        table.add_row(name, shown)
    console.print(table)


def eval_intents(train: TrainOpt, test: TestOpt, as_json: JsonOpt = False) -> None:
    """Train the intent model on one file (text,category) and report accuracy, macro-F1 and latency on another."""
    from guanxi.assistant.intent_evaluation import evaluate_intents

    with progress_bars(enabled=not as_json) as bars:
        bars.start("train and score the intent model", None)
        figures = run_reporting_errors(lambda: evaluate_intents(train, test))
        bars.finish()
    if as_json:
        print_json(figures)
        return
    _show(f"intents: trained on {train.name}, scored on {test.name}", figures)


def eval_pairs(train: TrainOpt, test: TestOpt, as_json: JsonOpt = False) -> None:
    """Train the question matcher on one file (sentence1,sentence2,label) and report accuracy and latency."""
    from guanxi.assistant.pairs import evaluate_pairs

    with progress_bars(enabled=not as_json) as bars:
        bars.start("train and score the question matcher", None)
        figures = run_reporting_errors(lambda: evaluate_pairs(train, test))
        bars.finish()
    if as_json:
        print_json(figures)
        return
    _show(f"question pairs: trained on {train.name}, scored on {test.name}", figures)


def eval_slots(
    data: Annotated[Path, typer.Option("--data", help="a folder of NLU++ JSON files (text and annotated slots)")],
    today: Annotated[
        dt.datetime,
        typer.Option("--today", formats=["%Y-%m-%d"], help="the day relative dates were said on (NLU++: 2022-03-15)"),
    ] = dt.datetime(2022, 3, 15),
    as_json: JsonOpt = False,
) -> None:
    """Score the assistant's time, date and amount extraction against annotated messages."""
    from guanxi.assistant.slot_evaluation import evaluate_slots

    day = today.date()
    with progress_bars(enabled=not as_json) as bars:
        bars.start("read and score the annotated messages", None)
        figures = run_reporting_errors(lambda: evaluate_slots(data, today=day))
        bars.finish()
    if as_json:
        print_json(figures)
        return
    table = Table(title=f"slots: {figures['examples']:,} messages in {data.name}, said on {figures['today']}")
    for column in ("slot", "annotated", "read", "right", "accuracy", "precision"):
        table.add_column(column, justify="left" if column == "slot" else "right")
    for kind, row in figures.items():
        if isinstance(row, dict):
            cells = [row["annotated"], row["read"], row["right"], row["accuracy"], row["precision"]]
            shown = ("—" if c is None else f"{c:.4f}" if isinstance(c, float) else f"{c:,}" for c in cells)
            table.add_row(kind, *shown)
    console.print(table)
