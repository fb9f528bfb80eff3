"""The two explainable model families, as scikit-learn estimators.

* :class:`GradientBoostingModel` — LightGBM for churn and propensity, with per-customer reasons
  from TreeSHAP contributions (``pred_contrib``).
* :class:`Scorecard` — a credit scorecard: optbinning WoE bins (monotonic for numbers), a
  logistic regression, points scaled by PDO, adverse-action reason codes and a printable table.

Both take the typed frame that :mod:`guanxi.scoring.tabular` produces (float columns and
pandas categoricals, NaN for missing) and predict the probability of the positive class.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from guanxi.scoring.metrics import log_losses
from guanxi.scoring.scorecard_fit import plain_frame, sign_constrained_logistic

SMALL_LEAF_CHOICES = (7, 15, 31)  # tree sizes tried on inner data; small trees suit files of a few thousand rows
LARGE_LEAF_CHOICES = (15, 31, 63)
LARGE_ROWS = 20_000  # from here on: one hold-out instead of inner folds, a faster learning rate, larger trees
SMALL_LEARNING_RATE = 0.02
LARGE_LEARNING_RATE = 0.05
HOLDOUT_SHARE = 0.2
SCORECARD_C_CHOICES = (0.01, 0.03, 0.1, 0.3, 1.0)  # L2 strengths a scorecard tries on inner folds
SCORECARD_INNER_FOLDS = 3
MANY_ROWS = 100_000  # below this, one thread beats several (thread start-up and contention cost more)


def inner_splits(y: np.ndarray, folds: int, *, large: bool, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The inner (train, validation) row splits: stratified folds, or one stratified hold-out on large data."""
    rows = np.arange(len(y))
    if large:
        from sklearn.model_selection import train_test_split

        fit_rows, held_rows = train_test_split(rows, test_size=HOLDOUT_SHARE, stratify=y, random_state=random_state)
        return [(fit_rows, held_rows)]
    from sklearn.model_selection import StratifiedKFold

    k = max(2, min(folds, int(min(y.sum(), len(y) - y.sum()))))
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state).split(rows, y))


@dataclass(frozen=True)
class Reason:
    """One characteristic that explains a customer's score, with its size and the customer's value."""

    feature: str
    value: object
    impact: float
    text: str


def _display(value: object) -> str:
    """A feature value as a person reads it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class GradientBoostingModel(ClassifierMixin, BaseEstimator):
    """LightGBM binary classifier: tree count by early stopping in inner folds, then refit on all rows."""

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
    ) -> None:
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.lambda_l2 = lambda_l2
        self.max_rounds = max_rounds
        self.early_stopping_rounds = early_stopping_rounds
        self.inner_folds = inner_folds
        self.n_bags = n_bags
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _params(self, leaves: int, rows: int, seed: int = 0) -> dict[str, object]:
        """LightGBM parameters for one candidate tree size."""
        threads = self.n_jobs if self.n_jobs is not None else (1 if rows < MANY_ROWS else min(4, os.cpu_count() or 1))
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate_,
            "num_leaves": leaves,
            "min_child_samples": self.min_child_samples,
            "max_depth": self.max_depth,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1,
            "lambda_l2": self.lambda_l2,
            # categories: one-hot splits up to 16 levels, and smoothing so rare levels do not drive splits
            "max_cat_to_onehot": 16,
            "cat_smooth": 10.0,
            "min_data_per_group": 20,
            "seed": self.random_state + seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": threads,
            "verbosity": -1,
        }

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> GradientBoostingModel:
        """Pick the tree size and count on inner data (log-loss, early stopping), then train on every row."""
        import lightgbm as lgb

        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(list(X.columns), dtype=object)
        self.n_features_in_ = X.shape[1]
        large = len(y) >= LARGE_ROWS
        self.learning_rate_ = self.learning_rate or (LARGE_LEARNING_RATE if large else SMALL_LEARNING_RATE)
        if self.num_leaves is not None:
            candidates: tuple[int, ...] = (self.num_leaves,)
        else:
            candidates = LARGE_LEAF_CHOICES if large else SMALL_LEAF_CHOICES
        best: tuple[float, int, int, np.ndarray] | None = None
        for leaves in candidates:
            loss, rounds, held_out = self._search_rounds(lgb, X, y, leaves, large)
            if best is None or loss < best[0]:
                best = (loss, leaves, rounds, held_out)
        assert best is not None
        _, self.num_leaves_, self.n_rounds_, self.inner_raw_ = best
        # several boosters that differ only in their row and column samples, averaged in log-odds: less variance
        self.boosters_ = [
            lgb.train(
                self._params(self.num_leaves_, len(y), seed=bag), lgb.Dataset(X, y), num_boost_round=self.n_rounds_
            )
            for bag in range(max(1, self.n_bags))
        ]
        return self

    def _search_rounds(
        self, lgb: Any, X: pd.DataFrame, y: np.ndarray, leaves: int, large: bool
    ) -> tuple[float, int, np.ndarray]:
        """Inner validation log-loss, the tree count for the full data, and the held-out log-odds of each row.

        The log-odds are NaN for rows no inner model held out (the training part of a single hold-out).
        """
        params = self._params(leaves, len(y))
        stop = [lgb.early_stopping(self.early_stopping_rounds, verbose=False)]
        splits = inner_splits(y, self.inner_folds, large=large, random_state=self.random_state)
        held_out = np.full(len(y), np.nan)
        if large:  # plenty of rows: one stratified hold-out is as reliable as folds, at a third of the cost
            fit_rows, held_rows = splits[0]
            train = lgb.Dataset(X.iloc[fit_rows], y[fit_rows])
            held = lgb.Dataset(X.iloc[held_rows], y[held_rows], reference=train)
            booster = lgb.train(
                {**params, "metric": "binary_logloss"},
                train,
                num_boost_round=self.max_rounds,
                valid_sets=[held],
                callbacks=stop,
            )
            rounds = max(1, booster.best_iteration)
            loss = float(booster.best_score["valid_0"]["binary_logloss"])
            held_out[held_rows] = booster.predict(X.iloc[held_rows], num_iteration=rounds, raw_score=True)
            return loss, max(1, round(rounds / (1 - HOLDOUT_SHARE))), held_out
        folds = len(splits)
        history = lgb.cv(
            params,
            lgb.Dataset(X, y, free_raw_data=False),
            num_boost_round=self.max_rounds,
            folds=splits,  # the same stratified folds lgb.cv would draw itself, named so the rows are known
            metrics="binary_logloss",
            callbacks=stop,
            return_cvbooster=True,
        )
        losses = history["valid binary_logloss-mean"]
        rounds = int(np.argmin(losses)) + 1
        for booster, (_, held_rows) in zip(history["cvbooster"].boosters, splits, strict=True):
            held_out[held_rows] = booster.predict(X.iloc[held_rows], num_iteration=rounds, raw_score=True)
        # the inner models saw (k-1)/k of the rows; the full fit earns proportionally more trees
        return float(losses[rounds - 1]), max(1, round(rounds * folds / (folds - 1))), held_out

    def _raw(self, X: pd.DataFrame, **kwargs: object) -> np.ndarray:
        """The boosters' mean raw output (log-odds, or contributions with ``pred_contrib``)."""
        check_is_fitted(self, "boosters_")
        frame = X[list(self.feature_names_in_)]
        return np.mean([b.predict(frame, raw_score=True, **kwargs) for b in self.boosters_], axis=0)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of each class, columns ``[negative, positive]``."""
        p = 1.0 / (1.0 + np.exp(-self._raw(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The more likely class."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Total gain of each feature's splits."""
        check_is_fitted(self, "boosters_")
        return np.mean([b.feature_importance(importance_type="gain") for b in self.boosters_], axis=0)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """TreeSHAP contribution of each feature to each row's log-odds (the last column is the base value)."""
        values = self._raw(X, pred_contrib=True)
        return pd.DataFrame(values, index=X.index, columns=[*self.feature_names_in_, "(base)"])

    def path_contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Path attribution of each row's log-odds (fast; see :mod:`guanxi.scoring.attribution`)."""
        from guanxi.scoring.attribution import PathAttribution, path_contributions

        check_is_fitted(self, "boosters_")
        if getattr(self, "paths_", None) is None:
            self.paths_ = [PathAttribution(b) for b in self.boosters_]
        return path_contributions(self.paths_, X[list(self.feature_names_in_)], list(self.feature_names_in_))

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """For each row, the features that pushed its score up the most (largest positive contributions first)."""
        return self.reasons_from(X, self.contributions(X), top=top)

    def reasons_from(self, X: pd.DataFrame, contributions: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """:meth:`reasons` from contributions already computed (scoring needs them for the score too)."""
        contrib = contributions.drop(columns="(base)", errors="ignore")
        names = list(contrib.columns)
        values = contrib.to_numpy()
        # the ``top`` largest per row, in a stable order: equal contributions keep the column order
        order = np.argsort(-values, axis=1, kind="stable")[:, :top]
        raw = X[names].to_numpy(dtype=object)
        out: list[list[Reason]] = []
        for row in range(len(values)):
            chosen = [i for i in order[row] if values[row, i] > 0]
            out.append(
                [
                    Reason(
                        feature=names[i],
                        value=raw[row, i],
                        impact=float(values[row, i]),
                        text=f"{names[i]} = {_display(raw[row, i])} pushed the score up",
                    )
                    for i in chosen
                ]
            )
        return out


class Scorecard(ClassifierMixin, BaseEstimator):
    """Credit scorecard: WoE bins, logistic regression, points scaled so ``base_points`` sit at ``base_odds``."""

    def __init__(
        self,
        base_points: float = 600.0,
        base_odds: float = 50.0,
        pdo: float = 20.0,
        monotonic_trend: str = "auto_asc_desc",
        min_iv: float = 0.02,
        min_bin_size: float = 0.05,
        C: float | None = None,
        max_crosses: int = 2,
    ) -> None:
        self.base_points = base_points
        self.base_odds = base_odds
        self.pdo = pdo
        self.monotonic_trend = monotonic_trend
        self.min_iv = min_iv
        self.min_bin_size = min_bin_size
        self.C = C
        self.max_crosses = max_crosses

    @property
    def factor_(self) -> float:
        """Points per unit of log-odds: PDO / ln 2."""
        return self.pdo / math.log(2)

    @property
    def offset_(self) -> float:
        """The score at even odds: base points less factor x ln(base odds)."""
        return self.base_points - self.factor_ * math.log(self.base_odds)

    def points_for_odds(self, odds: np.ndarray | float) -> np.ndarray | float:
        """The score of good:bad (negative:positive) odds: base points plus PDO per doubling of the base odds."""
        # written with log2 so that 50:1 gives exactly 600 and 100:1 exactly 620
        return self.base_points + self.pdo * np.log2(np.asarray(odds, dtype=float) / self.base_odds)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Scorecard:
        """Bin every characteristic, keep the informative ones, fit the regression, and scale points.

        Without ``C`` the regression's L2 strength is chosen on inner folds of the training rows, the
        bins refitted in each so that the held-out rows' WoE never saw their own labels; the same folds
        choose up to ``max_crosses`` two-way characteristics (see :mod:`guanxi.scoring.scorecard_cross`).
        """
        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(list(X.columns), dtype=object)
        self.n_features_in_ = X.shape[1]
        self.C_, folds = self._inner(X, y) if self.C is None or self.max_crosses > 0 else (self.C, [])
        self._bin(X, y)
        self.crosses_ = self._cross(X, y, folds)
        self.characteristics_, self.logistic_ = self._regress(self._woe(X), y, self.C_)
        self.table_ = self._build_table()
        return self

    def _bin(self, X: pd.DataFrame, y: np.ndarray) -> None:
        """Optimal bins of every characteristic, smoothed two-bin cuts where optbinning found one bin, and IVs."""
        from optbinning import BinningProcess

        from guanxi.scoring.scorecard_bins import fallback_bins

        categorical = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
        trends = {c: {"monotonic_trend": self.monotonic_trend} for c in X.columns if c not in categorical}
        binning = BinningProcess(
            list(X.columns),
            categorical_variables=categorical,
            min_bin_size=self.min_bin_size,
            binning_fit_params=trends,
        )
        with warnings.catch_warnings():  # optbinning's own pandas deprecation warnings are not the user's business
            warnings.simplefilter("ignore")
            binning.fit(plain_frame(X), y)
            summary = binning.summary()
        values = {str(n): float(v) for n, v in zip(summary["name"], summary["iv"], strict=True)}
        self.binning_ = binning
        self.fallback_bins_ = fallback_bins(X, y, binning, min_iv=self.min_iv, min_bin_size=self.min_bin_size)
        values.update({name: bins.iv for name, bins in self.fallback_bins_.items()})
        # most informative first; equal values keep the column order
        self.information_values_ = dict(sorted(values.items(), key=lambda item: -item[1]))

    def _regress(self, woe: pd.DataFrame, y: np.ndarray, c: float) -> tuple[list[str], LogisticRegression]:
        """The kept characteristics and the regression on their WoE."""
        values = self.information_values_ if hasattr(self, "information_values_") else {}
        ranked = sorted(values, key=lambda n: -values[n])
        selected = [str(n) for n in woe.columns if values.get(str(n), 0.0) >= self.min_iv]
        if not selected:  # nothing reaches the IV floor: keep the single most informative characteristic
            selected = ranked[:1]
        # optbinning's WoE is high where the event is rare, so a sane coefficient is negative; a positive
        # one (collinearity) would reverse its bins' points: the fit keeps every coefficient at or below 0,
        # and a characteristic whose coefficient ends at 0 adds nothing and is left out
        model = sign_constrained_logistic(woe[selected].to_numpy(), y, c)
        kept = [i for i, coef in enumerate(model.coef_[0]) if coef < -1e-6] or [int(np.argmin(model.coef_[0]))]
        if len(kept) < len(selected):
            selected = [selected[i] for i in kept]
            model = sign_constrained_logistic(woe[selected].to_numpy(), y, c)
        return selected, model

    def _inner(self, X: pd.DataFrame, y: np.ndarray) -> tuple[float, list[Any]]:
        """The L2 strength with the lowest held-out log-loss over inner folds, and those folds for crosses.

        The bins are refitted in each fold; a fold keeps the WoE of the characteristics it keeps at
        the chosen strength (``C`` when it is given).
        """
        from guanxi.scoring.scorecard_cross import InnerFold

        choices = SCORECARD_C_CHOICES if self.C is None else (self.C,)
        splits = inner_splits(y, SCORECARD_INNER_FOLDS, large=False, random_state=0)
        held = {c: np.full(len(y), np.nan) for c in choices}
        fitted = []
        for fit_rows, held_rows in splits:
            inner = Scorecard(min_iv=self.min_iv, min_bin_size=self.min_bin_size, monotonic_trend=self.monotonic_trend)
            inner.feature_names_in_ = self.feature_names_in_
            inner._bin(X.iloc[fit_rows], y[fit_rows])
            woe_fit, woe_held = inner._woe(X.iloc[fit_rows]), inner._woe(X.iloc[held_rows])
            kept = {}
            for c in choices:
                kept[c], model = inner._regress(woe_fit, y[fit_rows], c)
                held[c][held_rows] = model.decision_function(woe_held[kept[c]].to_numpy())
            fitted.append((fit_rows, held_rows, woe_fit, woe_held, kept, inner.fallback_bins_))
        losses = {c: float(np.mean(log_losses(y, v))) for c, v in held.items()}
        # the lowest loss; among equals the weakest regularisation (the classic scorecard)
        best = min(choices, key=lambda c: (round(losses[c], 9), -c))
        folds = [
            InnerFold(fit, out, woe_fit[kept[best]].to_numpy(), woe_held[kept[best]].to_numpy(), cuts)
            for fit, out, woe_fit, woe_held, kept, cuts in fitted
        ]
        return best, folds

    def _cross(self, X: pd.DataFrame, y: np.ndarray, folds: list[Any]) -> list[Any]:
        """Two-way characteristics chosen on the inner folds, binned on every training row."""
        from guanxi.scoring.scorecard_cross import choose_crosses, coarse_bins, fit_cross

        if not folds or self.max_crosses <= 0:
            return []
        ranked = [n for n, v in self.information_values_.items() if v >= self.min_iv]
        pairs = choose_crosses(
            X,
            y,
            folds,
            ranked,
            lambda woe, labels, start: sign_constrained_logistic(woe, labels, self.C_, start),
            max_crosses=self.max_crosses,
            min_bin_size=self.min_bin_size,
        )
        crosses = []
        for first, second in pairs:
            bins = [coarse_bins(X[n], y, self.min_bin_size, self.fallback_bins_.get(n)) for n in (first, second)]
            crosses.append(fit_cross(X, y, *bins))
        self.information_values_.update({cross.name: cross.iv for cross in crosses})
        return crosses

    def _woe(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each characteristic's WoE per row (empirical WoE for missing values, 0 for unseen categories)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = self.binning_.transform(
                plain_frame(X[list(self.feature_names_in_)]),
                metric="woe",
                metric_missing="empirical",
                metric_special="empirical",
            )
        woe = pd.DataFrame(np.asarray(values, dtype=float), index=X.index, columns=list(self.feature_names_in_))
        for name, bins in getattr(self, "fallback_bins_", {}).items():
            woe[name] = bins.transform(X[name])
        for cross in getattr(self, "crosses_", []):
            woe[cross.name] = cross.transform(X)
        return woe

    def _points(self, name: str, woe: np.ndarray | float) -> np.ndarray | float:
        """Points a characteristic awards for a WoE; the intercept and offset are shared equally."""
        k = len(self.characteristics_)
        coef = self.logistic_.coef_[0][self.characteristics_.index(name)]
        intercept = float(self.logistic_.intercept_[0])
        return self.offset_ / k - self.factor_ * (coef * np.asarray(woe) + intercept / k)

    def _build_table(self) -> pd.DataFrame:
        """One row per bin of each kept characteristic, with its points."""
        rows = []
        special = {**self.fallback_bins_, **{cross.name: cross for cross in self.crosses_}}
        for name in self.characteristics_:
            if name in special:
                for record in special[name].table_rows():
                    woe = float(record["woe"])  # type: ignore[arg-type]
                    rows.append({"characteristic": name, **record, "points": float(self._points(name, woe))})
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                built = self.binning_.get_binned_variable(name).binning_table.build()
            for _, record in built.drop(index="Totals").iterrows():
                bin_label = record["Bin"]
                if isinstance(bin_label, (list, tuple, np.ndarray, pd.api.extensions.ExtensionArray)):
                    bin_label = ", ".join(str(v) for v in bin_label)
                if bin_label == "Special":
                    continue
                count = int(record["Count"])
                woe = float(record["WoE"]) if count else 0.0
                rows.append(
                    {
                        "characteristic": name,
                        "bin": str(bin_label),
                        "count": count,
                        "event_rate": float(record["Event rate"]) if count else math.nan,
                        "woe": woe,
                        "points": float(self._points(name, woe)),
                    }
                )
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """The scorecard: characteristic, bin, count, event rate, WoE and points of every bin."""
        check_is_fitted(self, "table_")
        return self.table_.copy()

    def points(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each kept characteristic's points for each row; they add up to the score."""
        check_is_fitted(self, "logistic_")
        woe = self._woe(X)
        return pd.DataFrame(
            {name: self._points(name, woe[name].to_numpy()) for name in self.characteristics_}, index=X.index
        )

    def score(self, X: pd.DataFrame, y: np.ndarray | None = None) -> np.ndarray:  # type: ignore[override]
        """The scorecard score of each row (higher means less likely to be positive)."""
        return self.points(X).sum(axis=1).to_numpy()

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of each class (the PD is column 1), from the calibrated logistic regression."""
        check_is_fitted(self, "logistic_")
        p = self.logistic_.predict_proba(self._woe(X)[self.characteristics_].to_numpy())[:, 1]
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The more likely class."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """Adverse-action reasons: the characteristics furthest below their best bin's points, largest first."""
        points = self.points(X)
        best = self.table_.groupby("characteristic")["points"].max()
        shortfall = best[self.characteristics_].to_numpy() - points[self.characteristics_].to_numpy()
        crossed = {cross.name: cross.features for cross in getattr(self, "crosses_", [])}
        out: list[list[Reason]] = []
        for row_index, gaps in zip(X.index, shortfall, strict=True):
            order = np.argsort(-gaps, kind="mergesort")
            chosen = [i for i in order if gaps[i] > 1e-9][:top]
            reasons = []
            for i in chosen:
                name = self.characteristics_[i]
                features = crossed.get(name, (name,))
                value = (
                    X.at[row_index, name]
                    if len(features) == 1
                    else ", ".join(_display(X.at[row_index, n]) for n in features)
                )
                shown = ", ".join(f"{n} = {_display(X.at[row_index, n])}" for n in features)
                reasons.append(
                    Reason(
                        feature=name,
                        value=value,
                        impact=float(gaps[i]),
                        text=f"{shown} (raises risk, -{gaps[i]:.0f} points)",
                    )
                )
            out.append(reasons)
        return out
