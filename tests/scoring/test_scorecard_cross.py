"""Two-way characteristics: a scorecard adds the cross of two characteristics only where risk needs both."""

from __future__ import annotations

import numpy as np
import pandas as pd

from guanxi.scoring.estimators import Scorecard
from guanxi.scoring.scorecard_bins import smoothed_woe
from guanxi.scoring.scorecard_cross import SEPARATOR, coarse_bins, fit_cross


def heavy_users_who_call(rows: int = 3000, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """Churn that is high only for heavy users who called the service line: usage alone or calls alone say little."""
    rng = np.random.default_rng(seed)
    usage = rng.uniform(0, 1, rows)
    called = rng.choice(["yes", "no"], rows)
    noise = rng.normal(size=rows)
    logit = -2.5 + 3.5 * ((usage > 0.6) & (called == "yes"))
    churn = (rng.uniform(0, 1, rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"usage": usage.round(3), "called": pd.Categorical(called), "noise": noise})
    return frame, churn


def test_a_cross_is_added_where_risk_needs_two_characteristics_together():
    # given churn that only heavy users who called have, and held-out customers of the same kind
    frame, y = heavy_users_who_call()
    test_frame, test_y = heavy_users_who_call(seed=8)
    # when scorecards with and without crosses are fitted
    crossed = Scorecard(C=1.0).fit(frame, y)
    additive = Scorecard(C=1.0, max_crosses=0).fit(frame, y)
    # then the first crosses usage with the calls, prints the cells with their points, and predicts better
    assert [set(cross.features) for cross in crossed.crosses_] == [{"usage", "called"}]
    name = crossed.crosses_[0].name
    assert name in crossed.characteristics_ and SEPARATOR in name
    cells = crossed.table()[lambda t: t.characteristic == name]
    assert cells["count"].sum() == len(y) and all(" and " in label for label in cells["bin"])
    assert additive.crosses_ == [] and additive.characteristics_ == ["usage", "called"]
    losses = []
    for card in (crossed, additive):
        p = card.predict_proba(test_frame)[:, 1]
        losses.append(float(-np.mean(test_y * np.log(p) + (1 - test_y) * np.log(1 - p))))
    assert losses[0] < losses[1] - 0.02
    # and the points still add up to the score of the predicted odds
    p = crossed.predict_proba(test_frame)[:, 1]
    np.testing.assert_allclose(crossed.score(test_frame), crossed.points_for_odds((1 - p) / p), atol=1e-9)


def test_a_reason_from_a_cross_names_both_values():
    # given a scorecard with a cross, and a heavy user who called
    frame, y = heavy_users_who_call()
    card = Scorecard(C=1.0).fit(frame, y)
    row = pd.DataFrame({"usage": [0.9], "called": pd.Categorical(["yes"], categories=["no", "yes"]), "noise": [0.0]})
    # when the reasons are asked for
    reasons = card.reasons(row)[0]
    # then the cross is among them, with both characteristics' values in words
    cross = next(r for r in reasons if SEPARATOR in r.feature)
    first, second = card.crosses_[0].features
    values = {"usage": "0.9", "called": "yes"}
    assert cross.value == f"{values[first]}, {values[second]}"
    assert cross.text.startswith(f"{first} = {values[first]}, {second} = {values[second]} (raises risk, -")


def test_cells_get_the_smoothed_woe_of_their_counts_and_unseen_cells_get_zero():
    # given two coarse binnings of the training rows
    frame, y = heavy_users_who_call(rows=1000)
    usage = coarse_bins(frame["usage"], y, 0.05, None)
    called = coarse_bins(frame["called"], y, 0.05, None)
    # when they are crossed
    cross = fit_cross(frame, y, usage, called)
    # then every filled cell has the smoothed WoE of its counts, and a category never seen scores 0
    events, counts = np.array(cross.events), np.array(cross.counts)
    np.testing.assert_allclose(cross.woe, smoothed_woe(events, counts - events), rtol=0, atol=1e-12)
    assert counts.sum() == 1000
    odd = pd.DataFrame({"usage": [0.9], "called": pd.Categorical(["maybe"]), "noise": [0.0]})
    assert cross.transform(odd).tolist() == [0.0]
