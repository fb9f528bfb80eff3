"""Gradient boosting blended with a spline regression: inner splits, the design, the weight and the reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from guanxi.scoring.blend import C_CHOICES, WEIGHTS, BlendedBoostingModel, SplineDesign
from guanxi.scoring.cv import make_estimator
from guanxi.scoring.estimators import GradientBoostingModel, inner_splits
from guanxi.scoring.tabular import load_dataset

QUICK = {"num_leaves": 7, "n_bags": 1, "learning_rate": 0.1, "early_stopping_rounds": 20}


@pytest.fixture
def credit(credit_csv):
    return load_dataset(credit_csv, target="status", positive="bad", id_column="customer_id")


def test_inner_folds_hold_out_every_row_once_and_large_data_one_fifth():
    # given 100 labels, 30 of them positive
    y = np.array([1] * 30 + [0] * 70)
    # when inner splits are drawn as folds and as a single hold-out
    folds = inner_splits(y, 3, large=False, random_state=0)
    holdout = inner_splits(y, 3, large=True, random_state=0)
    # then the folds hold out each row exactly once, stratified, and the hold-out is 20 rows of 100
    held = np.sort(np.concatenate([rows for _, rows in folds]))
    assert len(folds) == 3
    np.testing.assert_array_equal(held, np.arange(100))
    assert sorted(int(y[rows].sum()) for _, rows in folds) == [10, 10, 10]
    assert [(len(fit), len(rows), int(y[rows].sum())) for fit, rows in holdout] == [(80, 20, 6)]


def test_inner_folds_never_outnumber_the_rarer_class():
    # given two positives
    y = np.array([1, 1, 0, 0, 0, 0])
    # when three folds are asked for
    # then two are drawn
    assert len(inner_splits(y, 3, large=False, random_state=0)) == 2


def test_the_design_gives_flags_and_levels_their_own_columns_and_numbers_a_bent_line():
    # given a frame with a 0/1 flag, a spread-out number with a gap and a category
    frame = pd.DataFrame(
        {
            "flag": [0.0, 1.0] * 50,
            "amount": np.r_[np.arange(50.0), np.full(50, np.nan)],
            "home": pd.Categorical(["own", "rent", "own", "free"] * 25, categories=["free", "own", "rent", "(other)"]),
        }
    )
    # when the design is learned
    design = SplineDesign().fit(frame)
    # then the flag has a column per value and one for missing, the number its value, a missing flag and
    # its hinges, the category one column per level and one for missing; the columns are standardised
    assert [(name, kind) for name, kind, _ in design.terms_] == [
        ("flag", "values"),
        ("amount", "spline"),
        ("home", "levels"),
    ]
    assert design.columns_[:3] == ["flag#0", "flag#1", "flag#2"]
    assert len(design.columns_) == 3 + (2 + 5) + 5
    matrix = design.transform(frame)
    np.testing.assert_allclose(matrix.mean(axis=0), 0.0, atol=1e-12)
    # and an unseen level or a missing value lands in no level column but the missing one
    odd = frame.iloc[[0]].copy()
    odd["home"] = pd.Categorical([np.nan], categories=frame["home"].cat.categories)
    raw = design._raw(odd)
    assert raw[0, design.owner_ == "home"].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]


def test_the_blend_weight_is_the_one_with_the_lowest_inner_log_loss(credit):
    # given the synthetic credit file, whose risk is additive in the log-odds
    model = BlendedBoostingModel(**QUICK).fit(credit.X, credit.y)
    # when the fit is inspected
    losses = model.inner_log_loss_
    # then every weight was tried, the chosen one has the lowest inner log-loss, and C is from the grid
    assert sorted(losses) == list(WEIGHTS)
    assert losses[model.weight_] == min(losses.values())
    assert model.C_ in C_CHOICES
    # and on this additive risk the regression earns a share
    assert model.weight_ < 1.0


def test_blended_contributions_add_up_to_the_log_odds_and_drive_the_reasons(credit):
    # given a blended model
    model = BlendedBoostingModel(**QUICK).fit(credit.X, credit.y)
    rows = credit.X.iloc[:6]
    # when contributions (exact and fast) and reasons are computed
    exact = model.contributions(rows)
    fast = model.path_contributions(rows)
    reasons = model.reasons(rows, top=3)
    # then both sets of contributions add up to the predicted log-odds
    p = model.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(exact.sum(axis=1), np.log(p / (1 - p)), atol=1e-9)
    np.testing.assert_allclose(fast.sum(axis=1), np.log(p / (1 - p)), atol=1e-6)
    assert list(exact.columns) == [*credit.X.columns, "(base)"]
    # and the reasons are the largest positive contributions, in order
    for (_, row), row_reasons in zip(exact.drop(columns="(base)").iterrows(), reasons, strict=True):
        positive = row[row > 0].sort_values(ascending=False, kind="mergesort")
        assert [r.feature for r in row_reasons] == list(positive.index[:3])


def test_without_the_blend_the_model_is_the_plain_gradient_boosting(credit):
    # given the same settings with and without the blend
    blended = BlendedBoostingModel(**QUICK, blend=False).fit(credit.X, credit.y)
    plain = GradientBoostingModel(**QUICK).fit(credit.X, credit.y)
    # when both predict
    # then the predictions are identical and the weight is all trees
    assert blended.weight_ == 1.0
    np.testing.assert_array_equal(blended.predict_proba(credit.X), plain.predict_proba(credit.X))


def test_churn_and_propensity_use_the_blend_and_it_clones(credit):
    # given the model kinds
    # when their estimators are made and cloned
    churn, propensity = make_estimator("churn"), make_estimator("propensity")
    # then both are blended models whose parameters survive cloning
    assert isinstance(churn, BlendedBoostingModel) and isinstance(propensity, BlendedBoostingModel)
    assert clone(churn).get_params() == churn.get_params()
    assert churn.get_params()["blend"] is True
