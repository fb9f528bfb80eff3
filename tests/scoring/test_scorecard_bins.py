"""Smoothed two-bin characteristics: a flag whose one side never has the event is kept, not dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guanxi.scoring.estimators import Scorecard
from guanxi.scoring.scorecard_bins import smoothed_woe, split_bins


def eligibility(rows: int = 2000, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """Take-up that only the eligible can have (like a 401(k) plan), rising with income."""
    rng = np.random.default_rng(seed)
    eligible = (rng.uniform(size=rows) < 0.4).astype(float)
    income = rng.normal(size=rows)
    took_up = (eligible == 1) & (rng.uniform(size=rows) < 1 / (1 + np.exp(-income)))
    return pd.DataFrame({"eligible": eligible, "income": income}), took_up.astype(int)


def test_smoothed_woe_adds_half_an_event_and_half_a_non_event_to_every_bin():
    # given a bin without events beside one with both
    events, nonevents = np.array([0, 30]), np.array([70, 40])
    # when the smoothed WoE is taken
    woe = smoothed_woe(events, nonevents)
    # then it is ln(share of non-events / share of events) of the counts plus 0.5, finite for the pure bin
    expected = np.log((np.array([70.5, 40.5]) / 111) / (np.array([0.5, 30.5]) / 31))
    np.testing.assert_allclose(woe, expected, rtol=0, atol=1e-12)


def test_a_flag_whose_zero_side_never_has_the_event_is_kept_with_a_finite_woe():
    # given a flag whose 0 group never has the event (optbinning merges that pure bin away: one bin, IV 0)
    frame, y = eligibility()
    zero = frame["eligible"].to_numpy() == 0
    # when a scorecard is fitted
    card = Scorecard(C=1.0).fit(frame, y)
    # then the flag is kept, in two bins with the smoothed WoE of their counts and a negative coefficient
    assert card.characteristics_[0] == "eligible"
    flag = card.table()[lambda t: t.characteristic == "eligible"]
    assert list(flag["bin"]) == ["(-inf, 0.5)", "[0.5, inf)"]
    assert list(flag["count"]) == [int(zero.sum()), int((~zero).sum())]
    events = np.array([0, y[~zero].sum()])
    expected = smoothed_woe(events, np.array([zero.sum(), (~zero).sum()]) - events)
    np.testing.assert_allclose(flag["woe"].to_numpy(), expected, rtol=0, atol=1e-12)
    assert card.logistic_.coef_[0][0] < 0
    # and every ineligible customer scores below one in a thousand
    assert card.predict_proba(frame)[zero, 1].max() < 1e-3


def test_a_yes_no_category_with_a_pure_side_is_cut_by_its_levels():
    # given the same flag as "no"/"yes" text with a few missing values
    frame, y = eligibility()
    flag = pd.Series(np.where(frame["eligible"] == 1, "yes", "no"), dtype="category")
    flag[:20] = np.nan
    # when the two-bin cut is made
    bins = split_bins("eligible", flag, y, min_bin_size=0.05)
    # then "no" and "yes" are the two bins, missing values the third, and an unseen level gets WoE 0
    assert bins is not None
    assert (bins.low_levels, bins.high_levels, bins.labels) == (("no",), ("yes",), ("no", "yes", "Missing"))
    assert bins.counts == (int((flag == "no").sum()), int((flag == "yes").sum()), 20)
    assert bins.events[0] == 0
    woe = bins.transform(pd.Series(["no", "yes", None, "maybe"], dtype=object))
    assert woe[3] == 0.0
    assert woe[0] == pytest.approx(bins.woe[0], abs=0) and woe[2] == pytest.approx(bins.woe[2], abs=0)
    assert woe[0] > 5 > 0 > woe[1]
