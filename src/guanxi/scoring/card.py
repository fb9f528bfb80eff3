"""Model cards: what a model is for, what it learned from, how well it does, where it falls short.

The fairness section compares groups of a sensitive characteristic (age, sex and the like, found
by column name or named by the user) on out-of-fold predictions: how many of each group the model
puts in its riskiest tenth, and whether predicted and observed rates agree within each group.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from guanxi.scoring.metrics import roc_auc
from guanxi.scoring.tabular import Dataset

SENSITIVE = re.compile(
    r"(^|[^a-z])(age|sex|gender|birth|dob|marital|nationality|citizenship|ethnic|ethnicity|race|religion|foreign)"
    r"([^a-z]|$)"
)
AGE_BANDS = (0, 25, 35, 50, 65, math.inf)
MIN_GROUP_ROWS = 20
PURPOSES = {
    "churn": "Ranks customers by their chance of leaving (the positive class), so that the bank can act before "
    "they go. Each score comes with the three characteristics that pushed it up the most (TreeSHAP).",
    "propensity": "Ranks customers by their chance of the positive outcome (e.g. responding to an offer). Each score "
    "comes with the three characteristics that pushed it up the most (TreeSHAP).",
    "scorecard": "A points-based credit scorecard: each characteristic's bin earns points, the points add up to a "
    "score (higher is safer), and the lowest-scoring characteristics are the reason codes for an adverse decision.",
}
LIMITS = (
    "Trained and validated on one extract; the cross-validated figures do not show how it does on later months "
    "(check it out of time before relying on it).",
    "Reasons describe the model, not causes: a characteristic that raises a score is associated with the outcome "
    "in this data.",
    "Rows unlike the training data (new categories, values outside the seen range) get the nearest known bin or "
    "split, without warning.",
    "A model card is no approval: the bank's model-risk policy decides whether it may be used for decisions.",
)


def sensitive_columns(dataset: Dataset, named: Sequence[str] = ()) -> list[str]:
    """Feature columns whose names suggest a protected characteristic, plus those named."""
    found = [c for c in dataset.X.columns if SENSITIVE.search(_words(str(c)))]
    return list(dict.fromkeys([*named, *found]))


def fairness(dataset: Dataset, predicted: np.ndarray, columns: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Per group of each column: rows, observed and predicted rate, AUC and share in the riskiest tenth."""
    y = dataset.y
    cut = np.quantile(predicted, 0.9)
    flagged = predicted >= cut
    overall_flagged = float(flagged.mean())
    out: dict[str, list[dict[str, Any]]] = {}
    for column in columns:
        groups = _groups(dataset.X[column], column)
        rows = []
        for label in groups.dropna().unique():
            mask = (groups == label).to_numpy()
            if mask.sum() < MIN_GROUP_ROWS:
                continue
            share = float(flagged[mask].mean())
            rows.append(
                {
                    "group": str(label),
                    "rows": int(mask.sum()),
                    "observed_rate": round(float(y[mask].mean()), 4),
                    "mean_predicted": round(float(predicted[mask].mean()), 4),
                    "roc_auc": _round_or_none(roc_auc(y[mask], predicted[mask])),
                    "top_decile_share": round(share, 4),
                    "top_decile_ratio": round(share / overall_flagged, 3) if overall_flagged else None,
                }
            )
        out[column] = sorted(rows, key=lambda r: r["group"])
    return out


def render_card(
    *,
    name: str,
    kind: str,
    dataset: Dataset,
    cv_report: dict[str, Any],
    params: dict[str, Any],
    fairness_result: dict[str, list[dict[str, Any]]],
    scorecard_table: pd.DataFrame | None = None,
) -> str:
    """The model card as Markdown (``{status}`` is filled in by the registry)."""
    data = dataset.summary()
    lines = [
        f"# Model card: {name}",
        "",
        f"Kind: **{kind}**. Status at registration: **{{status}}**.",
        "",
        "## Purpose",
        "",
        PURPOSES[kind],
        "",
        "## Data",
        "",
        f"- File: `{data['file']}` ({data['rows']} rows, {data['positives']} positive, "
        f"rate {float(data['positive_rate']):.2%})",  # type: ignore[arg-type]
        f"- Target: `{data['target']}`, positive class `{data['positive']}`",
        f"- Features ({data['features']}): numeric {', '.join(data['numeric']) or 'none'}; "  # type: ignore[arg-type]
        f"categorical {', '.join(data['categorical']) or 'none'}",  # type: ignore[arg-type]
    ]
    dropped = data["dropped"]
    for column, reason in dropped.items():  # type: ignore[union-attr]
        lines.append(f"- Dropped `{column}`: {reason}")
    lines += ["", "## Method", "", f"`{cv_report['ours']['model']}`", ""]
    lines += [f"- {key}: {value}" for key, value in params.items()]
    lines += ["", f"## Metrics ({cv_report['folds']}-fold stratified cross-validation)", ""]
    lines += _metrics_table(cv_report)
    lines += ["", "## Calibration (out-of-fold, by score band)", "", "| band | rows | predicted | observed |"]
    lines += ["|---:|---:|---:|---:|"]
    for band in cv_report["calibration"]:
        lines.append(
            f"| {band['band']} | {band['rows']} | {band['mean_predicted']:.3f} | {band['observed_rate']:.3f} |"
        )
    lines += ["", "## Fairness check", ""]
    if not fairness_result:
        lines.append(
            "No column looks like a protected characteristic (age, sex, marital status, nationality…), so no "
            "group comparison was made. Name such columns with `--group COL` to check them."
        )
    for column, rows in fairness_result.items():
        lines += [
            f"Groups of `{column}` (top-decile ratio 1.0 = flagged as often as everyone; the predicted and observed "
            "rates should agree within each group):",
            "",
            "| group | rows | observed | predicted | ROC-AUC | in riskiest 10% | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            auc = "n/a" if r["roc_auc"] is None else f"{r['roc_auc']:.3f}"
            lines.append(
                f"| {r['group']} | {r['rows']} | {r['observed_rate']:.3f} | {r['mean_predicted']:.3f} | {auc} | "
                f"{r['top_decile_share']:.3f} | {r['top_decile_ratio']} |"
            )
        lines.append("")
    if scorecard_table is not None:
        lines += ["", "## Scorecard", "", "| characteristic | bin | count | event rate | WoE | points |"]
        lines += ["|---|---|---:|---:|---:|---:|"]
        for r in scorecard_table.itertuples(index=False):
            rate = "" if math.isnan(r.event_rate) else f"{r.event_rate:.3f}"
            lines.append(f"| {r.characteristic} | {r.bin} | {r.count} | {rate} | {r.woe:.3f} | {r.points:.1f} |")
    lines += ["", "## Limits", ""] + [f"- {limit}" for limit in LIMITS]
    notes = cv_report.get("notes") or []
    if notes:
        lines += ["", "## Notes from reading the data", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _metrics_table(report: dict[str, Any]) -> list[str]:
    """Ours against the baseline, mean (standard deviation) over folds."""
    lines = [
        f"| metric | this model | baseline: {report.get('baseline', {}).get('model', 'none')} |",
        "|---|---:|---:|",
    ]
    for metric in ("roc_auc", "ks", "gini", "brier", "lift_at_10"):
        ours = f"{report['ours']['mean'][metric]:.4f} ({report['ours']['std'][metric]:.4f})"
        base = report.get("baseline")
        theirs = f"{base['mean'][metric]:.4f} ({base['std'][metric]:.4f})" if base else ""
        lines.append(f"| {metric} | {ours} | {theirs} |")
    return lines


def _groups(values: pd.Series, column: str) -> pd.Series:
    """Group labels: age bands for ages, quartiles for other numbers, levels for categories."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype(object)
    if re.search(r"(^|[^a-z])age([^a-z]|$)", _words(column)):
        bands = pd.cut(values, AGE_BANDS, right=False)
        return bands.map(lambda b: f"{int(b.left)}-{int(b.right) - 1}" if b.right != math.inf else f"{int(b.left)}+")
    try:
        return pd.qcut(values, 4, duplicates="drop").astype(str).where(values.notna(), None)
    except ValueError:
        return values.astype(object)


def _words(name: str) -> str:
    """'CustomerAge' and 'customer_age' both as 'customer age'."""
    return re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()


def _round_or_none(value: float) -> float | None:
    """NaN (a group with one class) as None for JSON."""
    return None if math.isnan(value) else round(value, 4)
