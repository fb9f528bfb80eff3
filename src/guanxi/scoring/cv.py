"""Stratified k-fold cross-validation of a model kind, side by side with a plain baseline.

The baseline is scikit-learn's ``HistGradientBoostingClassifier()`` with its defaults, trained on
the same folds and the same features: what a data scientist gets without tuning anything. The
report shows both, so a model that does not beat it is visible at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import StratifiedKFold

from guanxi.errors import ValidationFailed
from guanxi.scoring.blend import BlendedBoostingModel
from guanxi.scoring.estimators import Scorecard
from guanxi.scoring.metrics import calibration_table, evaluate
from guanxi.scoring.tabular import Dataset

ModelKind = Literal["churn", "propensity", "scorecard"]
KINDS: tuple[str, ...] = ("churn", "propensity", "scorecard")
BASELINE_NAME = "HistGradientBoostingClassifier()"
METRICS = ("roc_auc", "ks", "gini", "brier", "lift_at_10")


@dataclass
class CrossValidation:
    """The report (JSON-ready) and the out-of-fold predictions of our model."""

    report: dict[str, Any]
    out_of_fold: np.ndarray


def make_estimator(kind: str, **params: Any) -> BaseEstimator:
    """A fresh, unfitted estimator of a model kind."""
    if kind not in KINDS:
        raise ValidationFailed(
            f"unknown model kind {kind!r}; choose one of {', '.join(KINDS)}",
            code="scoring_unknown_kind",
            details={"kind": kind},
        )
    if kind == "scorecard":
        return Scorecard(**params)
    return BlendedBoostingModel(**params)


def baseline_estimator() -> BaseEstimator:
    """The plain, untuned gradient boosting the report compares against."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    # reading categories from the frame's dtypes is plumbing, not tuning (older versions need it said)
    return HistGradientBoostingClassifier(categorical_features="from_dtype")


def cross_validate(
    dataset: Dataset,
    kind: str,
    *,
    folds: int = 5,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    baseline: bool = True,
    on_fold: Callable[[int], None] | None = None,
) -> CrossValidation:
    """Per-fold and mean metrics of ``kind`` (and of the baseline) over stratified folds."""
    from threadpoolctl import threadpool_limits

    y = dataset.y
    smallest = int(min(y.sum(), len(y) - y.sum()))
    if folds < 2 or folds > smallest:
        raise ValidationFailed(
            f"{dataset.source}: --folds must be between 2 and {smallest} (the rarer class has {smallest} rows)",
            code="scoring_bad_folds",
            details={"file": dataset.source, "folds": folds},
        )
    ours = make_estimator(kind, **(params or {}))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    out_of_fold = np.zeros(len(y))
    rows: dict[str, list[dict[str, float]]] = {"ours": [], "baseline": []}
    for number, (train, test) in enumerate(splitter.split(dataset.X, y), start=1):
        X_train, X_test = dataset.X.iloc[train], dataset.X.iloc[test]
        model = clone(ours).fit(X_train, y[train])
        out_of_fold[test] = model.predict_proba(X_test)[:, 1]
        rows["ours"].append({"fold": number, **evaluate(y[test], out_of_fold[test])})
        if baseline:
            with threadpool_limits(1):  # the baseline's threads fight ours on a small machine; results are the same
                reference = baseline_estimator().fit(X_train, y[train])
                predicted = reference.predict_proba(X_test)[:, 1]
            rows["baseline"].append({"fold": number, **evaluate(y[test], predicted)})
        if on_fold is not None:
            on_fold(number)
    report: dict[str, Any] = {
        "kind": kind,
        "folds": folds,
        "seed": seed,
        "data": dataset.summary(),
        "ours": _summarise(rows["ours"], _describe(ours)),
    }
    if baseline:
        report["baseline"] = _summarise(rows["baseline"], BASELINE_NAME)
        report["difference"] = {m: _round(report["ours"]["mean"][m] - report["baseline"]["mean"][m]) for m in METRICS}
    report["calibration"] = [
        {k: _round(v) if isinstance(v, float) else v for k, v in band.items()}
        for band in calibration_table(y, out_of_fold)
    ]
    report["notes"] = list(dataset.notes)
    return CrossValidation(report=report, out_of_fold=out_of_fold)


def _describe(estimator: BaseEstimator) -> str:
    """The estimator with the parameters it was given, as scikit-learn prints it."""
    return repr(estimator)


def _summarise(rows: list[dict[str, float]], name: str) -> dict[str, Any]:
    """Per-fold figures with their mean and standard deviation."""
    table = {m: np.array([r[m] for r in rows], dtype=float) for m in METRICS}
    return {
        "model": name,
        "per_fold": [{k: _round(v) if k != "fold" else int(v) for k, v in r.items()} for r in rows],
        "mean": {m: _round(float(np.nanmean(v))) for m, v in table.items()},
        "std": {m: _round(float(np.nanstd(v))) for m, v in table.items()},
    }


def _round(value: float) -> float:
    """Six decimals: enough to compare models, short enough to read."""
    return round(float(value), 6)
