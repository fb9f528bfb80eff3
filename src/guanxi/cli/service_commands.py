"""Service commands: the ``guanxi cases`` group (other modules add commands to it), and the complaint
categoriser's ``guanxi cases train-categoriser`` and ``guanxi eval complaints``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from guanxi.cases.categoriser import DEFAULT_MODEL_FILE, ComplaintCategoriser, evaluate, save
from guanxi.cases.cfpb import ComplaintFile, load_cfpb, out_of_time_split
from guanxi.cli.common import console, print_json, progress_bars, run_reporting_errors
from guanxi.config import get_settings

cases_app = typer.Typer(help="Customer cases: the SLA sweep and the complaint categoriser.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def _file_summary(data: ComplaintFile) -> dict[str, Any]:
    """Where complaints came from and how many were usable."""
    return {"file": str(data.path), "rows": data.rows, "without_narrative": data.without_narrative}


def eval_complaints(
    train: Annotated[Path, typer.Option("--train", help="CFPB complaints export to train on")],
    test: Annotated[
        Path | None,
        typer.Option("--test", help="later complaints to score (default: the latest 20% of --train, by date)"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train the complaint categoriser on earlier complaints and score it on later ones (out of time)."""
    train_file = run_reporting_errors(lambda: load_cfpb(train))
    if test is None:
        test_file = None
        train_part, test_part = run_reporting_errors(lambda: out_of_time_split(train_file.complaints))
    else:
        test_file = run_reporting_errors(lambda: load_cfpb(test))
        train_part, test_part = train_file.complaints, test_file.complaints
    with progress_bars(enabled=not as_json) as bars:
        result = run_reporting_errors(lambda: evaluate(train_part, test_part, progress=bars))
    result["split"] = "test file" if test_file is not None else "by date within the train file"
    result["train"] |= _file_summary(train_file)
    if test_file is not None:
        result["test"] |= _file_summary(test_file)
    if as_json:
        print_json(result)
        return
    _print_evaluation(result)


def _print_evaluation(result: dict[str, Any]) -> None:
    """The figures as two small tables."""
    train, test = result["train"], result["test"]
    console.print(
        f"trained on {train['complaints']:,} complaints ({train['from']} to {train['to']}), "
        f"scored on {test['complaints']:,} ({test['from']} to {test['to']}), split {result['split']}; "
        f"training took {result['train_seconds']:.1f} s"
    )
    summary = Table(title="complaint categoriser, out of time")
    for column in ("label", "accuracy", "macro-F1", "complaints scored"):
        summary.add_column(column, justify="left" if column == "label" else "right")
    for label in ("product", "issue"):
        scores = result[label]
        count = scores.get("complaints", test["complaints"])
        summary.add_row(label, _figure(scores["accuracy"]), _figure(scores["macro_f1"]), f"{count:,}")
    console.print(summary)
    per_class = Table(title="product: per class")
    for column in ("product", "support", "precision", "recall", "F1"):
        per_class.add_column(column, justify="left" if column == "product" else "right")
    for row in result["product"]["classes"]:
        per_class.add_row(
            row["label"], f"{row['support']:,}", _figure(row["precision"]), _figure(row["recall"]), _figure(row["f1"])
        )
    console.print(per_class)
    confidence = result["confidence"]
    accurate = confidence["accuracy_at_or_above"]
    console.print(
        f"confidence: mean {confidence['mean']:.2f}, calibration error {confidence['expected_calibration_error']:.3f}; "
        f"{confidence['share_at_or_above']:.0%} of suggestions at {confidence['threshold']} or more"
        + (f", {accurate:.0%} of them right" if accurate is not None else "")
    )


def _figure(value: float | None) -> str:
    """A score to three places, or a dash when nothing was scored."""
    return "—" if value is None else f"{value:.3f}"


@cases_app.command("train-categoriser")
def train_categoriser(
    data: Annotated[Path, typer.Option("--data", help="CFPB complaints export to learn from (rows with a narrative)")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help=f"model file (default: models/{DEFAULT_MODEL_FILE} under GUANXI_VAR_DIR)"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train the complaint categoriser on every complaint with a narrative and save it."""
    target = out if out is not None else get_settings().var_dir / "models" / DEFAULT_MODEL_FILE
    complaints = run_reporting_errors(lambda: load_cfpb(data))
    model = ComplaintCategoriser()
    texts = [c.narrative for c in complaints.complaints]
    with progress_bars(enabled=not as_json) as bars:
        run_reporting_errors(
            lambda: model.fit(
                texts,
                [c.product for c in complaints.complaints],
                [c.issue for c in complaints.complaints],
                progress=bars,
            )
        )
    path = save(model, target)
    first, last = complaints.date_range
    report = {
        "model": str(path),
        **_file_summary(complaints),
        "complaints": len(texts),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "products": len(model.classes_),
        "issues": len(model.issue_classes_),
        "left_out_products": model.dropped_products_,
        "left_out_issues": len(model.dropped_issues_),
    }
    if as_json:
        print_json(report)
        return
    console.print(
        f"trained on {report['complaints']:,} complaints ({report['from']} to {report['to']}; "
        f"{report['without_narrative']:,} rows without a narrative skipped): "
        f"{report['products']} products, {report['issues']} issues; saved to {path}"
    )
