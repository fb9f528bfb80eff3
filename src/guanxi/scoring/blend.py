"""Gradient boosting blended with a spline logistic regression, the blend weight chosen on inner folds.

On small or mostly additive extracts (a few hundred bad loans, a handful of strong risk drivers) a
regularised additive model ranks customers as well as boosted trees or better, and with less
variance; on large extracts with interactions the trees win. Rather than guess, the model fits
both on the same inner folds of the training rows only, and blends their log-odds with the
weight that gives the lowest held-out log-loss (weight 1 is the trees alone, 0 the regression
alone). Reasons stay additive: a customer's contributions are the blend of the trees' TreeSHAP
values and the regression's terms, feature by feature.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from guanxi.scoring.estimators import LARGE_ROWS, GradientBoostingModel, Reason, inner_splits
from guanxi.scoring.metrics import log_losses

KNOT_QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)  # hinge knots: a bent line per feature, not a wiggly curve
CLIP_QUANTILES = (0.01, 0.99)  # outliers do not get to steer a linear term
FEW_VALUES = 10  # a number with this few distinct values (flags, counts) gets one term per value
C_CHOICES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # L2 strengths tried on the inner folds
WEIGHTS = tuple(round(w, 1) for w in np.linspace(0.0, 1.0, 11))  # share of the trees in the blend


class SplineDesign:
    """Unsupervised features for the regression: hinge splines for numbers, one column per level or value."""

    def fit(self, X: pd.DataFrame) -> SplineDesign:
        """Learn medians, clipping bounds, knots and levels from the training rows (labels are not used)."""
        self.terms_: list[tuple[str, str, object]] = []
        for name in X.columns:
            column = X[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                self.terms_.append((name, "levels", [*column.cat.categories, None]))
                continue
            values = column.to_numpy(dtype=float)
            present = values[~np.isnan(values)]
            if present.size == 0:
                continue
            distinct = np.unique(present)
            if distinct.size <= FEW_VALUES:
                self.terms_.append((name, "values", [*distinct.tolist(), None]))
                continue
            low, high = np.quantile(present, CLIP_QUANTILES)
            knots = np.unique(np.quantile(np.clip(present, low, high), KNOT_QUANTILES))
            knots = knots[(knots > low) & (knots < high)]
            self.terms_.append((name, "spline", (float(np.median(present)), float(low), float(high), knots)))
        self.columns_ = [f"{name}#{i}" for name, _, _ in self.terms_ for i in range(self._width(name))]
        design = self._raw(X)
        self.mean_ = design.mean(axis=0)
        scale = design.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.owner_ = np.array([c.split("#")[0] for c in self.columns_], dtype=object)
        return self

    def _width(self, name: str) -> int:
        """How many design columns a feature takes."""
        for term_name, kind, spec in self.terms_:
            if term_name == name:
                if kind == "spline":
                    return 2 + len(spec[3])  # type: ignore[index]
                return len(spec)  # type: ignore[arg-type]
        return 0

    def _raw(self, X: pd.DataFrame) -> np.ndarray:
        """The unscaled design matrix."""
        blocks: list[np.ndarray] = []
        for name, kind, spec in self.terms_:
            column = X[name]
            if kind == "levels":
                levels = spec[:-1]  # type: ignore[index]
                text = column.astype(object).where(column.notna(), None).to_numpy()
                block = np.column_stack([text == level for level in levels] + [pd.isna(text)])
            elif kind == "values":
                values = column.to_numpy(dtype=float)
                block = np.column_stack([values == v for v in spec[:-1]] + [np.isnan(values)])  # type: ignore[index]
            else:
                median, low, high, knots = spec  # type: ignore[misc]
                values = column.to_numpy(dtype=float)
                missing = np.isnan(values)
                x = np.clip(np.where(missing, median, values), low, high)
                block = np.column_stack([x, missing] + [np.maximum(0.0, x - k) for k in knots])
            blocks.append(block.astype(float))
        return np.hstack(blocks) if blocks else np.zeros((len(X), 0))

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The standardised design matrix."""
        return (self._raw(X) - self.mean_) / self.scale_


class BlendedBoostingModel(GradientBoostingModel):
    """LightGBM and a spline logistic regression, blended in log-odds with a weight chosen on inner folds."""

    def __init__(
        self,
        learning_rate: float | None = None,
        num_leaves: int | None = None,
        min_child_samples: int = 20,
        feature_fraction: float = 0.5,
        bagging_fraction: float = 0.8,
        lambda_l2: float = 5.0,
        max_rounds: int = 5000,
        early_stopping_rounds: int = 100,
        inner_folds: int = 3,
        n_bags: int = 3,
        random_state: int = 0,
        n_jobs: int | None = None,
        max_depth: int = -1,
        blend: bool = True,
    ) -> None:
        super().__init__(
            learning_rate=learning_rate,
            num_leaves=num_leaves,
            min_child_samples=min_child_samples,
            feature_fraction=feature_fraction,
            bagging_fraction=bagging_fraction,
            lambda_l2=lambda_l2,
            max_rounds=max_rounds,
            early_stopping_rounds=early_stopping_rounds,
            inner_folds=inner_folds,
            n_bags=n_bags,
            random_state=random_state,
            n_jobs=n_jobs,
            max_depth=max_depth,
        )
        self.blend = blend

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> BlendedBoostingModel:
        """Fit the trees as :class:`GradientBoostingModel` does, then the regression, then pick the weight."""
        y = np.asarray(y, dtype=int)
        super().fit(X, y)
        self.weight_ = 1.0
        self.C_ = float("nan")
        self.inner_log_loss_: dict[float, float] = {}
        if not self.blend:
            return self
        splits = inner_splits(y, self.inner_folds, large=len(y) >= LARGE_ROWS, random_state=self.random_state)
        self.design_ = SplineDesign().fit(X)
        design = self.design_.transform(X)
        held = np.concatenate([rows for _, rows in splits])
        best: tuple[float, float, np.ndarray] | None = None
        for c in C_CHOICES:
            linear = np.full(len(y), np.nan)
            for fit_rows, held_rows in splits:
                model = _logistic(c).fit(design[fit_rows], y[fit_rows])
                linear[held_rows] = model.decision_function(design[held_rows])
            loss = _log_loss(y[held], linear[held])
            if best is None or loss < best[0]:
                best = (loss, c, linear)
        assert best is not None
        _, self.C_, linear = best
        trees = self.inner_raw_
        for w in WEIGHTS:
            self.inner_log_loss_[w] = _log_loss(y[held], w * trees[held] + (1 - w) * linear[held])
        # the lowest held-out log-loss; among equals the larger tree share (the trees are the default)
        self.weight_ = min(WEIGHTS, key=lambda w: (round(self.inner_log_loss_[w], 9), -w))
        self.logistic_ = _logistic(self.C_).fit(design, y)
        return self

    def _linear_terms(self, X: pd.DataFrame) -> pd.DataFrame:
        """The regression's log-odds split by feature (the last column is its intercept at the mean row)."""
        design = self.design_.transform(X[list(self.feature_names_in_)])
        terms = design * self.logistic_.coef_[0]
        out = pd.DataFrame(0.0, index=X.index, columns=[*self.feature_names_in_, "(base)"])
        for name in set(self.design_.owner_):
            out[name] = terms[:, self.design_.owner_ == name].sum(axis=1)
        out["(base)"] = float(self.logistic_.intercept_[0])
        return out

    def _blend(self, trees: np.ndarray | pd.DataFrame, X: pd.DataFrame, split: bool) -> np.ndarray:
        """The trees' output alone, or blended with the regression's (per feature when ``split``)."""
        if self.weight_ >= 1.0:
            return np.asarray(trees)
        terms = self._linear_terms(X)
        linear = terms.to_numpy() if split else terms.sum(axis=1).to_numpy()
        return self.weight_ * np.asarray(trees) + (1 - self.weight_) * linear

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of each class, columns ``[negative, positive]``, from the blended log-odds."""
        check_is_fitted(self, "boosters_")
        p = 1.0 / (1.0 + np.exp(-self._blend(self._raw(X), X, split=False)))
        return np.column_stack([1 - p, p])

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's share of each row's blended log-odds (the last column is the base value)."""
        trees = super().contributions(X)
        return pd.DataFrame(self._blend(trees.to_numpy(), X, split=True), index=X.index, columns=trees.columns)

    def path_contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Fast path attribution of the trees, blended with the regression's terms like :meth:`contributions`."""
        trees = super().path_contributions(X)
        return pd.DataFrame(self._blend(trees.to_numpy(), X, split=True), index=X.index, columns=trees.columns)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """For each row, the features that pushed its blended score up the most."""
        return self.reasons_from(X, self.contributions(X), top=top)


def _logistic(c: float) -> LogisticRegression:
    """The L2 logistic regression the blend uses, at strength ``c``."""
    return LogisticRegression(C=c, max_iter=2000)


def _log_loss(y: np.ndarray, log_odds: np.ndarray) -> float:
    """Mean binary log-loss of log-odds predictions."""
    return float(np.mean(log_losses(y, log_odds)))
