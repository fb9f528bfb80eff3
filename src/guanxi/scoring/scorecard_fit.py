"""The scorecard's regression and input: a logistic regression on WoE whose coefficients stay at or below 0."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression


def sign_constrained_logistic(
    woe: np.ndarray, y: np.ndarray, c: float, start: np.ndarray | None = None
) -> LogisticRegression:
    """L2 logistic regression (scikit-learn's objective at strength ``c``) with every coefficient at most 0.

    ``start`` (coefficients, then the intercept) warm-starts the solver, as when one column joins a fit.
    """
    from scipy.optimize import minimize

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = woe @ theta[:-1] + theta[-1]
        residual = 1.0 / (1.0 + np.exp(-z)) - y
        loss = c * float(np.sum(np.logaddexp(0.0, z) - y * z)) + 0.5 * float(theta[:-1] @ theta[:-1])
        gradient = np.append(c * (woe.T @ residual) + theta[:-1], c * residual.sum())
        return loss, gradient

    if start is None:
        share = min(max(float(y.mean()), 1e-6), 1 - 1e-6)
        start = np.append(np.zeros(woe.shape[1]), math.log(share / (1 - share)))
    bounds = [(None, 0.0)] * woe.shape[1] + [(None, None)]
    theta = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds).x
    model = LogisticRegression(C=c)
    model.classes_ = np.array([0, 1])
    model.coef_ = theta[:-1].reshape(1, -1)
    model.intercept_ = theta[-1:].copy()
    model.n_features_in_ = woe.shape[1]
    return model


def plain_frame(X: pd.DataFrame) -> pd.DataFrame:
    """Categories as plain Python strings with NaN for missing, as optbinning expects."""
    out = X.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            values = out[name].astype(object).where(out[name].notna(), np.nan)
            out[name] = pd.Series(np.asarray(values, dtype=object), index=out.index, dtype=object)
    return out
