"""ROC-AUC, KS, Gini, Brier and lift against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from guanxi.errors import ValidationFailed
from guanxi.scoring.metrics import brier, calibration_table, evaluate, gini, ks, lift_at, roc_auc

# four customers: of the (negative, positive) pairs, 3 of 4 are ordered right
Y = np.array([0, 0, 1, 1])
P = np.array([0.1, 0.4, 0.35, 0.8])


def test_figures_match_the_hand_computation():
    # given four scored customers
    # when every figure is computed
    figures = evaluate(Y, P)
    # then AUC = 3/4, Gini = 2 x 0.75 - 1, KS = the largest TPR - FPR gap (0.5),
    # Brier = (0.01 + 0.16 + 0.4225 + 0.04) / 4, and the top 10% (one row, a positive) lifts 1 / 0.5
    assert figures == {
        "roc_auc": 0.75,
        "ks": 0.5,
        "gini": 0.5,
        "brier": pytest.approx(0.158125, abs=1e-15),
        "lift_at_10": 2.0,
    }


def test_ties_count_half_in_auc_and_move_together_in_ks():
    # given tied scores across classes
    y = np.array([0, 1, 0, 1])
    p = np.array([0.5, 0.5, 0.2, 0.9])
    # when AUC and KS are computed
    # then the tied pair counts half (3.5 of 4 pairs) and KS only looks where the score changes
    assert roc_auc(y, p) == 0.875
    assert ks(y, p) == 0.5
    assert gini(y, p) == 0.75


def test_lift_takes_the_rounded_up_top_share():
    # given ten rows, two of them positive at the top
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    p = np.linspace(1.0, 0.1, 10)
    # when lift is taken at 10%, 15% and 100%
    # then the top 1 row, the top 2 rows (ceil 1.5) and all rows are compared with the 20% base rate
    assert lift_at(y, p, 0.1) == 5.0
    assert lift_at(y, p, 0.15) == 5.0
    assert lift_at(y, p, 1.0) == 1.0


def test_one_class_gives_nan_and_bad_input_is_refused():
    # given labels of one class, or wrong shapes and values
    # when figures are asked for
    # then AUC and KS are undefined, and malformed input raises
    assert math.isnan(roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))
    assert math.isnan(ks(np.array([0, 0]), np.array([0.2, 0.3])))
    assert brier(np.array([1, 1]), np.array([1.0, 0.5])) == 0.125
    with pytest.raises(ValidationFailed) as caught:
        roc_auc(np.array([0, 1]), np.array([0.1]))
    assert caught.value.message == "2 labels but 1 predictions"
    with pytest.raises(ValidationFailed):
        roc_auc(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValidationFailed):
        lift_at(Y, P, 0.0)


def test_calibration_bands_are_highest_first():
    # given the four customers
    # when split into two bands
    bands = calibration_table(Y, P, bands=2)
    # then the first band holds the two highest scores (0.8 and 0.4: one positive)
    assert bands == [
        {"band": 1, "rows": 2, "min_predicted": 0.4, "mean_predicted": pytest.approx(0.6), "observed_rate": 0.5},
        {"band": 2, "rows": 2, "min_predicted": 0.1, "mean_predicted": pytest.approx(0.225), "observed_rate": 0.5},
    ]
