"""``guanxi eval intents`` and ``guanxi eval pairs``: the assistant's understanding, measured."""

from __future__ import annotations

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
