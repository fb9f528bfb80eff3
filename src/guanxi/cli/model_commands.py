"""``guanxi models``: cross-validate, train, register and score explainable models on any tabular file."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from guanxi.cli.common import console, print_json, progress_bars, run_reporting_errors
from guanxi.config import get_settings
from guanxi.errors import ValidationFailed

if TYPE_CHECKING:  # the model libraries load only when a command runs, so ``guanxi --help`` stays quick
    from guanxi.scoring.tabular import Dataset

models_app = typer.Typer(
    help="Churn, propensity and credit-scorecard models on any tabular file.", no_args_is_help=True
)

KindArg = Annotated[str, typer.Argument(help="churn, propensity (gradient boosting) or scorecard")]
DataOpt = Annotated[Path, typer.Option("--data", help="the CSV (or other delimited) file")]
TargetOpt = Annotated[str, typer.Option("--target", help="the column to predict")]
PositiveOpt = Annotated[
    str | None, typer.Option("--positive", help="the target value that is the positive class (e.g. bad, churned)")
]
IdOpt = Annotated[str | None, typer.Option("--id", help="the row-identifier column (never a feature)")]
ExcludeOpt = Annotated[list[str] | None, typer.Option("--exclude", help="a column to leave out; repeat for more")]
SepOpt = Annotated[str | None, typer.Option("--sep", help="field separator, e.g. ';' or '\\t' (default: sniffed)")]
HeaderOpt = Annotated[
    bool, typer.Option("--header/--no-header", help="whether the first line names the columns (else c1, c2, …)")
]
FoldsOpt = Annotated[int, typer.Option("--folds", help="number of stratified cross-validation folds")]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed of the fold split")]
PdoOpt = Annotated[float, typer.Option("--pdo", help="scorecard: points to double the odds")]
BasePointsOpt = Annotated[float, typer.Option("--base-points", help="scorecard: score at the base odds")]
BaseOddsOpt = Annotated[float, typer.Option("--base-odds", help="scorecard: good:bad odds at the base points")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object")]
VersionOpt = Annotated[int | None, typer.Option("--version", help="model version (default: the champion)")]


def _load(
    data: Path, target: str, positive: str | None, id_column: str | None, exclude: list[str] | None, sep: str | None
) -> Any:
    """The loader with the command's options bound (header is added by the caller)."""
    from guanxi.scoring.tabular import load_dataset

    def load(header: bool) -> Dataset:
        return load_dataset(
            data, target=target, positive=positive, id_column=id_column, exclude=exclude or [], sep=sep, header=header
        )

    return load


def _params(kind: str, pdo: float, base_points: float, base_odds: float) -> dict[str, Any]:
    """Estimator parameters the command line sets (only the scorecard has any)."""
    if kind != "scorecard":
        return {}
    if pdo <= 0 or base_odds <= 0:
        raise ValidationFailed("--pdo and --base-odds must be greater than 0", code="scoring_bad_scaling")
    return {"pdo": pdo, "base_points": base_points, "base_odds": base_odds}


def _run_cv(dataset: Dataset, kind: str, folds: int, seed: int, params: dict[str, Any], quiet: bool) -> Any:
    """Cross-validate with a progress bar over the folds."""
    from guanxi.scoring.cv import cross_validate, make_estimator

    make_estimator(kind)  # an unknown kind is refused before any work
    with progress_bars(enabled=not quiet) as bars:
        bars.start(f"{kind}: {folds}-fold cross-validation", folds)
        result = cross_validate(dataset, kind, folds=folds, seed=seed, params=params, on_fold=lambda _: bars.advance())
        bars.finish()
    return result


def _print_report(report: dict[str, Any]) -> None:
    """Ours against the baseline as a table, then the notes on the data."""
    data = report["data"]
    console.print(
        f"[bold]{data['file']}[/]: {data['rows']} rows, {data['positives']} positive "
        f"({data['positive_rate']:.1%}), {data['features']} features"
    )
    table = Table(title=f"{report['kind']}: {report['folds']}-fold cross-validation (mean ± sd)")
    for column in ("metric", "ours", "baseline", "difference"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric, label in (
        ("roc_auc", "ROC-AUC"),
        ("ks", "KS"),
        ("gini", "Gini"),
        ("brier", "Brier (lower is better)"),
        ("lift_at_10", "lift @ 10%"),
    ):
        ours = f"{report['ours']['mean'][metric]:.4f} ± {report['ours']['std'][metric]:.4f}"
        base = report.get("baseline")
        theirs = f"{base['mean'][metric]:.4f} ± {base['std'][metric]:.4f}" if base else ""
        diff = f"{report['difference'][metric]:+.4f}" if base else ""
        table.add_row(label, ours, theirs, diff)
    console.print(table)
    console.print(f"ours: {report['ours']['model']}")
    if "baseline" in report:
        console.print(f"baseline: {report['baseline']['model']}")
    for note in report["notes"]:
        console.print(f"[dim]note: {note}[/]")


def _print_scorecard(table: Any) -> None:
    """The scorecard's bins and points."""
    view = Table(title="scorecard")
    for column in ("characteristic", "bin", "count", "event rate", "WoE", "points"):
        view.add_column(column, justify="left" if column in {"characteristic", "bin"} else "right")
    for r in table.itertuples(index=False):
        rate = "" if math.isnan(r.event_rate) else f"{r.event_rate:.3f}"
        view.add_row(r.characteristic, r.bin, str(r.count), rate, f"{r.woe:.3f}", f"{r.points:.1f}")
    console.print(view)


@models_app.command("cv")
def cv(
    kind: KindArg,
    data: DataOpt,
    target: TargetOpt,
    positive: PositiveOpt = None,
    id_column: IdOpt = None,
    exclude: ExcludeOpt = None,
    sep: SepOpt = None,
    header: HeaderOpt = True,
    folds: FoldsOpt = 5,
    seed: SeedOpt = 0,
    pdo: PdoOpt = 20.0,
    base_points: BasePointsOpt = 600.0,
    base_odds: BaseOddsOpt = 50.0,
    as_json: JsonOpt = False,
) -> None:
    """Stratified cross-validation: ROC-AUC, KS, Gini, Brier and lift@10%, ours beside a plain baseline."""

    def action() -> dict[str, Any]:
        params = _params(kind, pdo, base_points, base_odds)
        dataset = _load(data, target, positive, id_column, exclude, sep)(header)
        return _run_cv(dataset, kind, folds, seed, params, quiet=as_json).report

    report = run_reporting_errors(action)
    if as_json:
        print_json(report)
    else:
        _print_report(report)


@models_app.command("fit")
def fit(
    kind: KindArg,
    data: DataOpt,
    target: TargetOpt,
    positive: PositiveOpt = None,
    id_column: IdOpt = None,
    exclude: ExcludeOpt = None,
    sep: SepOpt = None,
    header: HeaderOpt = True,
    name: Annotated[str | None, typer.Option("--name", help="model name (default: FILE-KIND)")] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", help="a sensitive column for the fairness check; repeat for more")
    ] = None,
    folds: FoldsOpt = 5,
    seed: SeedOpt = 0,
    pdo: PdoOpt = 20.0,
    base_points: BasePointsOpt = 600.0,
    base_odds: BaseOddsOpt = 50.0,
    as_json: JsonOpt = False,
) -> None:
    """Cross-validate, train on every row, write the model card and register the model."""
    from guanxi.scoring.card import fairness, render_card, sensitive_columns
    from guanxi.scoring.cv import make_estimator
    from guanxi.scoring.registry import ModelRegistry, file_sha256

    def action() -> tuple[Any, dict[str, Any], Any]:
        params = _params(kind, pdo, base_points, base_odds)
        dataset = _load(data, target, positive, id_column, exclude, sep)(header)
        for column in group or []:
            if column not in dataset.X.columns:
                raise ValidationFailed(
                    f"{data}: --group {column!r} is not a feature column", code="scoring_unknown_group"
                )
        result = _run_cv(dataset, kind, folds, seed, params, quiet=as_json)
        model = make_estimator(kind, **params).fit(dataset.X, dataset.y)
        checked = fairness(dataset, result.out_of_fold, sensitive_columns(dataset, group or []))
        table = model.table() if kind == "scorecard" else None
        model_name = name or f"{data.stem}-{kind}"
        card = render_card(
            name=model_name,
            kind=kind,
            dataset=dataset,
            cv_report=result.report,
            params=model.get_params(),
            fairness_result=checked,
            scorecard_table=table,
        )
        meta = {
            "kind": kind,
            "training": {
                "file": str(data),
                "sha256": file_sha256(data),
                "rows": len(dataset.y),
                "positives": int(dataset.y.sum()),
                "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "date_ranges": _date_ranges(dataset),
            },
            "target": dataset.schema.target,
            "positive": dataset.schema.positive,
            "features": dataset.schema.feature_names,
            "params": dict(model.get_params()),
            "learned": _learned(model),
            "metrics": {"folds": folds, "ours": result.report["ours"]["mean"], **_baseline(result.report)},
            "fairness": checked,
        }
        registry = ModelRegistry.from_var_dir(get_settings().var_dir)
        entry = registry.register(
            model_name, artifact={"kind": kind, "model": model, "schema": dataset.schema}, meta=meta, card=card
        )
        return entry, result.report, table

    entry, report, table = run_reporting_errors(action)
    if as_json:
        print_json(
            {
                "name": entry.name,
                "version": entry.version,
                "status": entry.status,
                "path": str(entry.path),
                "cv": report,
                "fairness": entry.meta["fairness"],
            }
        )
        return
    _print_report(report)
    if table is not None:
        _print_scorecard(table)
    console.print(f"registered [bold]{entry.name}[/] version {entry.version} ({entry.status}) in {entry.path}")


@models_app.command("score")
def score(
    model: Annotated[str, typer.Argument(help="registered model name")],
    data: DataOpt,
    version: VersionOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="output CSV (default: next to the data, .scores.csv)")
    ] = None,
    sep: SepOpt = None,
    header: Annotated[bool | None, typer.Option("--header/--no-header", help="default: as the training file")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score a file with a registered model: probability (and points) with three reasons per row."""
    from guanxi.scoring.registry import ModelRegistry
    from guanxi.scoring.tabular import read_table

    def action() -> dict[str, Any]:
        import pandas as pd

        registry = ModelRegistry.from_var_dir(get_settings().var_dir)
        entry, artifact = registry.load(model, version)
        schema, estimator = artifact["schema"], artifact["model"]
        raw, _ = read_table(
            data, sep=sep if sep is not None else schema.sep, header=schema.header if header is None else header
        )
        X = schema.features(raw, source=str(data))
        id_name = schema.id_column if schema.id_column and schema.id_column in raw.columns else "row"
        ids = raw[id_name].astype(str) if id_name != "row" else pd.Series(range(1, len(raw) + 1))
        result = pd.DataFrame({id_name: ids.to_numpy()})
        result["probability"] = estimator.predict_proba(X)[:, 1].round(6)
        if artifact["kind"] == "scorecard":
            result["points"] = estimator.score(X).round(1)
        reasons = estimator.reasons(X, top=3)
        for i in range(3):
            result[f"reason_{i + 1}"] = [r[i].text if len(r) > i else "" for r in reasons]
        target = out or data.with_suffix(".scores.csv")
        try:
            result.to_csv(target, index=False)
        except OSError as exc:
            raise ValidationFailed(
                f"{target}: cannot write the scores ({exc.strerror})", code="scoring_cannot_write"
            ) from None
        return {
            "model": entry.name,
            "version": entry.version,
            "rows": len(result),
            "out": str(target),
            "mean_probability": round(float(result["probability"].mean()), 6),
        }

    summary = run_reporting_errors(action)
    if as_json:
        print_json(summary)
    else:
        console.print(f"scored {summary['rows']} rows with {summary['model']} v{summary['version']} → {summary['out']}")


@models_app.command("card")
def card(
    model: Annotated[str, typer.Argument(help="registered model name")],
    version: VersionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a registered model's card (or, with --json, its metadata)."""
    from guanxi.scoring.registry import ModelRegistry

    entry = run_reporting_errors(lambda: ModelRegistry.from_var_dir(get_settings().var_dir).get(model, version))
    if as_json:
        print_json(entry.meta)
    else:
        typer.echo(entry.card)


def _date_ranges(dataset: Dataset) -> dict[str, list[str]]:
    """First and last date of each date column: the training window, where the data has one."""
    ranges = {}
    for spec in dataset.schema.columns:
        if spec.kind == "date" and dataset.X[spec.name].notna().any():
            days = dataset.X[spec.name]
            first, last = (dt.date(1970, 1, 1) + dt.timedelta(days=int(v)) for v in (days.min(), days.max()))
            ranges[spec.name] = [first.isoformat(), last.isoformat()]
    return ranges


def _learned(model: Any) -> dict[str, Any]:
    """What the fit chose: tree size and count, or the scorecard's characteristics."""
    if hasattr(model, "n_rounds_"):
        return {"num_leaves": int(model.num_leaves_), "rounds": int(model.n_rounds_)}
    return {
        "characteristics": list(model.characteristics_),
        "information_values": {k: round(v, 4) for k, v in model.information_values_.items()},
    }


def _baseline(report: dict[str, Any]) -> dict[str, Any]:
    """The baseline's mean metrics, when it ran."""
    return {"baseline": report["baseline"]["mean"]} if "baseline" in report else {}
