"""The scorecard's points scaling, table and reason codes; gradient boosting's TreeSHAP reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from guanxi.scoring.estimators import SCORECARD_C_CHOICES, GradientBoostingModel, Scorecard
from guanxi.scoring.tabular import load_dataset


@pytest.fixture
def credit(credit_csv):
    return load_dataset(credit_csv, target="status", positive="bad", id_column="customer_id")


def test_points_are_600_at_50_to_1_and_20_more_per_doubling():
    # given the default scaling
    card = Scorecard()
    # when odds are 50:1, doubled, halved and quadrupled
    # then the points are exactly 600, 620, 580 and 640
    assert [card.points_for_odds(o) for o in (50, 100, 25, 200)] == [600.0, 620.0, 580.0, 640.0]
    assert card.factor_ == pytest.approx(20 / np.log(2), rel=1e-15)


def test_scaling_is_configurable():
    # given 500 points at 20:1 and 40 points to double the odds
    card = Scorecard(base_points=500, base_odds=20, pdo=40)
    # when the odds are 20:1 and 40:1
    # then the points are exactly 500 and 540
    assert [card.points_for_odds(o) for o in (20, 40)] == [500.0, 540.0]


def test_scorecard_points_add_up_to_the_scaled_log_odds(credit):
    # given a scorecard fitted on the synthetic credit file
    card = Scorecard().fit(credit.X, credit.y)
    # when rows are scored
    p = card.predict_proba(credit.X)[:, 1]
    # then the points of the characteristics add up to the score of the predicted good:bad odds
    np.testing.assert_allclose(card.score(credit.X), card.points_for_odds((1 - p) / p), rtol=0, atol=1e-9)
    assert card.characteristics_ == ["utilisation", "late_payments", "housing", "income"]


def test_scorecard_table_has_monotonic_points_for_a_risk_driver(credit):
    # given a scorecard fitted where risk rises with late payments
    card = Scorecard().fit(credit.X, credit.y)
    # when its table is printed
    table = card.table()
    # then it has one row per bin and the points fall as the late payments' bins rise
    assert list(table.columns) == ["characteristic", "bin", "count", "event_rate", "woe", "points"]
    late = table[(table.characteristic == "late_payments") & (table["count"] > 0)]
    assert late["points"].is_monotonic_decreasing
    assert late["count"].sum() == len(credit.y)


def test_scorecard_reasons_are_the_largest_shortfalls_first(credit):
    # given a fitted scorecard and one customer
    card = Scorecard().fit(credit.X, credit.y)
    row = credit.X.iloc[[0]]
    # when the reasons are asked for
    reasons = card.reasons(row)[0]
    # then they are the characteristics furthest below their best bin, largest first, in words
    best = card.table().groupby("characteristic")["points"].max()
    gaps = (best[card.characteristics_] - card.points(row).iloc[0]).sort_values(ascending=False, kind="mergesort")
    expected = [name for name, gap in gaps.items() if gap > 1e-9][:3]
    assert [r.feature for r in reasons] == expected
    assert [r.impact for r in reasons] == sorted((r.impact for r in reasons), reverse=True)
    first = reasons[0]
    value = credit.X.iloc[0][first.feature]
    shown = f"{value:g}" if isinstance(value, float) else value
    assert first.text == f"{first.feature} = {shown} (raises risk, -{first.impact:.0f} points)"


def test_gradient_boosting_reasons_follow_the_treeshap_contributions(credit):
    # given a small gradient-boosting model (one tree size, one bag, to keep the test quick)
    model = GradientBoostingModel(num_leaves=7, n_bags=1, learning_rate=0.1).fit(credit.X, credit.y)
    rows = credit.X.iloc[:5]
    # when contributions and reasons are computed
    contributions = model.contributions(rows)
    reasons = model.reasons(rows, top=3)
    # then contributions add up to the log-odds, and reasons are the largest positive ones in order
    p = model.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(contributions.sum(axis=1), np.log(p / (1 - p)), atol=1e-9)
    for (_, row), row_reasons in zip(contributions.drop(columns="(base)").iterrows(), reasons, strict=True):
        positive = row[row > 0].sort_values(ascending=False, kind="mergesort")
        assert [r.feature for r in row_reasons] == list(positive.index[:3])
        assert all(r.text.endswith("pushed the score up") for r in row_reasons)


def test_estimators_follow_the_scikit_learn_contract(credit):
    # given unfitted estimators
    model = GradientBoostingModel(num_leaves=7, n_bags=2, learning_rate=0.1)
    # when cloned and fitted
    fitted = clone(model).fit(credit.X, credit.y)
    # then parameters survive cloning, fit returns the estimator, and learned attributes end in '_'
    assert clone(model).get_params() == model.get_params()
    assert isinstance(fitted, GradientBoostingModel)
    assert (fitted.num_leaves_, len(fitted.boosters_)) == (7, 2)
    assert fitted.predict_proba(credit.X).shape == (len(credit.y), 2)
    assert set(np.unique(fitted.predict(credit.X))) <= {0, 1}
    assert Scorecard(pdo=40).get_params()["pdo"] == 40


def test_unseen_and_missing_values_still_score(credit):
    # given fitted models and a row with an unseen category and missing numbers
    card = Scorecard().fit(credit.X, credit.y)
    model = GradientBoostingModel(num_leaves=7, n_bags=1, learning_rate=0.1).fit(credit.X, credit.y)
    odd = credit.X.iloc[[0]].copy()
    odd["utilisation"] = np.nan
    odd["housing"] = pd.Categorical([np.nan], categories=credit.X["housing"].cat.categories)
    # when they are scored
    # then both give a probability between 0 and 1
    assert 0 < card.predict_proba(odd)[0, 1] < 1
    assert 0 < model.predict_proba(odd)[0, 1] < 1


def test_scorecard_chooses_its_regularisation_on_inner_folds_and_keeps_signs_sane(credit):
    # given a scorecard without a regularisation strength and one with C = 1
    chosen = Scorecard().fit(credit.X, credit.y)
    fixed = Scorecard(C=1.0).fit(credit.X, credit.y)
    # when they are fitted
    # then the first took a strength from the grid, the second kept the one it was given
    assert chosen.C_ in SCORECARD_C_CHOICES
    assert fixed.C_ == 1.0
    # and every kept characteristic's coefficient is negative (its points fall as its WoE says risk rises)
    assert (chosen.logistic_.coef_[0] < 0).all()
    assert len(chosen.logistic_.coef_[0]) == len(chosen.characteristics_)


def test_a_collinear_copy_cannot_take_a_reversed_sign():
    # given a risk driver and an almost exact copy of it, so that an unconstrained fit splits them with opposite signs
    rng = np.random.default_rng(3)
    driver = rng.uniform(0, 1, 2000)
    frame = pd.DataFrame({"driver": driver, "copy": driver + rng.normal(0, 0.01, 2000)})
    y = (rng.uniform(0, 1, 2000) < 1 / (1 + np.exp(-(-2 + 3 * driver)))).astype(int)
    # when a scorecard is fitted
    card = Scorecard(C=1.0).fit(frame, y)
    # then no coefficient is positive
    assert (card.logistic_.coef_[0] < 0).all()
