"""The figures a bank reads off a binary model: ROC-AUC, KS, Gini, Brier score and lift.

Written out in NumPy so each can be checked by hand; ``y`` is 0/1 and ``p`` the predicted
probability of the positive (event) class.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata

from guanxi.errors import ValidationFailed

LIFT_SHARE = 0.1


def _arrays(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both as flat float arrays of equal length with both classes present."""
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValidationFailed(f"{len(y)} labels but {len(p)} predictions", code="metrics_shape")
    if not ((y == 0) | (y == 1)).all():
        raise ValidationFailed("labels must be 0 or 1", code="metrics_labels")
    return y, p


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative (ties count half)."""
    y, p = _arrays(y, p)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(p)  # average ranks, so tied scores count half
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def gini(y: np.ndarray, p: np.ndarray) -> float:
    """Gini coefficient (accuracy ratio): 2 x AUC - 1."""
    return 2.0 * roc_auc(y, p) - 1.0


def ks(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the positives' and negatives' score distributions."""
    y, p = _arrays(y, p)
    positives = y.sum()
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    order = np.argsort(-p, kind="mergesort")
    scores, labels = p[order], y[order]
    # evaluate only where the score changes, so tied scores move both curves together
    last_of_tie = np.r_[scores[1:] != scores[:-1], True]
    tpr = np.cumsum(labels)[last_of_tie] / positives
    fpr = np.cumsum(1 - labels)[last_of_tie] / negatives
    return float(np.max(np.abs(tpr - fpr)))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Brier score: the mean squared gap between predicted probability and outcome (lower is better)."""
    y, p = _arrays(y, p)
    return float(np.mean((p - y) ** 2))


def lift_at(y: np.ndarray, p: np.ndarray, share: float = LIFT_SHARE) -> float:
    """Positive rate among the top ``share`` of rows by score, over the overall positive rate."""
    y, p = _arrays(y, p)
    if not 0 < share <= 1:
        raise ValidationFailed(f"lift share must be in (0, 1], got {share}", code="metrics_share")
    base = y.mean()
    if base == 0:
        return math.nan
    top = max(1, math.ceil(share * len(y)))
    order = np.argsort(-p, kind="mergesort")  # stable: ties keep file order
    return float(y[order[:top]].mean() / base)


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Every figure at once, keyed as the CLI reports them."""
    return {
        "roc_auc": roc_auc(y, p),
        "ks": ks(y, p),
        "gini": gini(y, p),
        "brier": brier(y, p),
        "lift_at_10": lift_at(y, p, LIFT_SHARE),
    }


def calibration_table(y: np.ndarray, p: np.ndarray, bands: int = 10) -> list[dict[str, float]]:
    """Predicted against observed positive rate in equal-count score bands (highest scores first)."""
    y, p = _arrays(y, p)
    order = np.argsort(-p, kind="mergesort")
    rows = []
    for number, chunk in enumerate(np.array_split(order, min(bands, len(y))), start=1):
        rows.append(
            {
                "band": number,
                "rows": len(chunk),
                "min_predicted": float(p[chunk].min()),
                "mean_predicted": float(p[chunk].mean()),
                "observed_rate": float(y[chunk].mean()),
            }
        )
    return rows


def log_losses(y: np.ndarray, log_odds: np.ndarray) -> np.ndarray:
    """Each row's binary log-loss for predictions given as log-odds, computed without overflow."""
    return np.logaddexp(0.0, log_odds) - y * log_odds
