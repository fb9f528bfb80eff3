"""Scores and reasons from one pass over the leaves, and the scoring run built on them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from guanxi.errors import NotFound
from guanxi.scoring.attribution import model_paths
from guanxi.scoring.customer_models import CustomerModels
from guanxi.scoring.estimators import GradientBoostingModel
from guanxi.scoring.leaf_credits import TopCredits, explain, top_credits
from guanxi.scoring.offers import Offer, best_offers, offer_list, offer_mask, rank_offers
from guanxi.scoring.reason_text import reason_sentence
from guanxi.scoring.scoring_run import lightgbm_threads, offer_reasons, score_customers, worded_reasons

NAMES = ["balance_trend_6m", "logins_30d", "days_since_last_login", "age"]


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "balance_trend_6m": rng.normal(0, 0.1, rows),
            "logins_30d": rng.integers(0, 20, rows).astype(float),
            "days_since_last_login": rng.integers(0, 90, rows).astype(float),
            "age": rng.integers(18, 80, rows).astype(float),
        },
        index=pd.Index(np.arange(1, rows + 1) * 10, name="party_id"),
    )
    frame.loc[frame.index[::7], "logins_30d"] = np.nan
    return frame


def _model(frame: pd.DataFrame, target: np.ndarray, seed: int = 0) -> GradientBoostingModel:
    model = GradientBoostingModel(num_leaves=7, n_bags=2, max_rounds=60, early_stopping_rounds=10, random_state=seed)
    return model.fit(frame, target)


@pytest.fixture(scope="module")
def models() -> CustomerModels:
    """A churn model and two propensity models on a small synthetic population."""
    frame = _frame(1500, seed=1)
    rng = np.random.default_rng(2)
    churned = (frame["days_since_last_login"] / 30 - frame["balance_trend_6m"] * 10 + rng.normal(size=1500)) > 2
    cards = (frame["age"] < 40) ^ (rng.uniform(size=1500) < 0.2)
    savings = (frame["logins_30d"].fillna(0) > 8) ^ (rng.uniform(size=1500) < 0.2)
    return CustomerModels(
        churn=_model(frame, churned.to_numpy(int)),
        band_cuts=(0.2, 0.5),
        propensity={
            "credit_card": _model(frame, cards.to_numpy(int), seed=1),
            "savings": _model(frame, savings.to_numpy(int), seed=2),
        },
        trained_on=[dt.date(2026, 1, 1)],
        feature_names=NAMES,
    )


def _products() -> pd.DataFrame:
    rows = [
        (1, "savings", 18.0, np.nan, 0.011),
        (2, "credit_card", 18.0, np.nan, 0.06),
        (3, "credit_card", 18.0, np.nan, 0.06),  # the same margin: ties keep the catalogue's order
        (4, "wealth_fund", 18.0, 3.0, 0.02),  # no model: never offered
        (5, "credit_card", 40.0, np.nan, 0.05),
    ]
    return pd.DataFrame(rows, columns=["id", "family", "min_age", "risk_class", "margin_rate"])


def _customers(frame: pd.DataFrame) -> pd.DataFrame:
    n = len(frame)
    return pd.DataFrame(
        {
            "party_type": ["individual"] * n,
            "age": frame["age"].to_numpy(),
            "risk_tolerance": np.where(np.arange(n) % 2 == 0, 5.0, np.nan),
            "kyc_status": np.where(np.arange(n) % 9 == 0, "pending", "verified"),
        }
    )


def _held(frame: pd.DataFrame) -> pd.DataFrame:
    n = len(frame)
    return pd.DataFrame(
        {"credit_card": (np.arange(n) % 3 == 0).astype(float), "savings": (np.arange(n) % 4 == 0).astype(float)}
    ).assign(wealth_fund=0.0)


def _worded_by_hand(reasons: list) -> list[dict]:
    return [
        {"feature": r.feature, "impact": round(r.impact, 4), "en": en, "zh": zh}
        for r in reasons
        for en, zh in [reason_sentence(r.feature, r.value)]
    ]


def test_top_credits_is_a_stable_sort_of_the_positive_credits():
    # given: credits with ties (inside the top, across its cut and among the rest), and rows with few positives
    credits = np.array(
        [
            [0.1, 0.5, 0.5, -0.2, 0.3],  # a tie inside the top
            [0.2, 0.1, 0.2, 0.2, 0.05],  # three equal credits, the cut falls among them
            [0.0, -1.0, 0.4, 0.0, -0.0],  # one positive credit only
            [-0.1, -0.2, -0.3, -0.4, -0.5],  # none
        ]
    )
    # when: the three leading reasons are picked
    chosen = top_credits(credits, 3)
    # then: as a stable sort by credit, largest first, would give them; past the positives nothing
    assert chosen.features.tolist() == [[1, 2, 4], [0, 2, 3], [2, -1, -1], [-1, -1, -1]]
    assert chosen.credits.tolist() == [[0.5, 0.5, 0.3], [0.2, 0.2, 0.2], [0.4, 0.0, 0.0], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize(("top", "width"), [(0, 0), (5, 5), (8, 5)])
def test_top_credits_at_the_edges(top, width):
    # given: random credits with ``width`` columns
    credits = np.random.default_rng(3).normal(size=(50, width))
    # when: ``top`` reasons are asked for (none, as many as there are, more than there are)
    chosen = top_credits(credits, top)
    # then: every row lists its positive credits, largest first, at most ``width`` of them
    expected = [[c for c in np.argsort(-row, kind="stable")[: min(top, width)] if row[c] > 0] for row in credits]
    assert [[c for c in row if c >= 0] for row in chosen.features.tolist()] == expected
    assert chosen.features.shape == (50, min(top, width))


def test_explain_gives_the_models_log_odds_and_its_path_reasons(models):
    # given: a bagged churn model and rows it never saw
    frame = _frame(300, seed=9)[NAMES]
    model = models.churn
    # when: the rows are explained from their leaves
    explained = explain(model_paths(model), frame.to_numpy(dtype=float), top=3)
    # then: the log-odds are the model's own prediction to the bit, the reasons those of path attribution
    assert np.array_equal(explained.log_odds, model._raw(frame))
    expected = model.reasons_from(frame, model.path_contributions(frame), top=3)
    got = [
        [(NAMES[f], c) for f, c in zip(fs, cs, strict=True) if f >= 0]
        for fs, cs in zip(explained.reasons.features.tolist(), explained.reasons.credits.tolist(), strict=True)
    ]
    assert got == [[(r.feature, r.impact) for r in row] for row in expected]


def test_worded_reasons_word_each_value_as_reason_text_does():
    # given: reasons whose values repeat, are missing, or are zero of either sign
    values = np.array([[-0.0, 3.0], [0.0, np.nan], [0.5, 3.0]])
    reasons = TopCredits(
        features=np.array([[0, 1], [1, 0], [-1, -1]]), credits=np.array([[0.123456, 0.1], [2.0, 1e-5], [0, 0]])
    )
    # when: they are put into words
    worded = worded_reasons(["balance_trend_6m", "logins_30d"], reasons, values)
    # then: each is the catalogue's sentence for its own value (-0.0 and 0.0 apart), impacts rounded to 4 places
    assert worded[0] == [
        {
            "feature": "balance_trend_6m",
            "impact": 0.1235,
            "en": reason_sentence("balance_trend_6m", -0.0)[0],
            "zh": reason_sentence("balance_trend_6m", -0.0)[1],
        },
        {"feature": "logins_30d", "impact": 0.1, "en": "3 logins in the last 30 days", "zh": "近30天登入3次"},
    ]
    assert [r["en"] for r in worded[1]] == [reason_sentence("logins_30d", np.nan)[0], "balance grew 0% over 6 months"]
    assert worded[2] == []


def test_rank_offers_matches_best_offers():
    # given: customers, products with tied margins, and propensities for two of three families
    frame = _frame(40, seed=4)
    customers, products, held = _customers(frame), _products(), _held(frame)
    rng = np.random.default_rng(5)
    propensity = pd.DataFrame({"credit_card": rng.uniform(size=40), "savings": rng.uniform(size=40)})
    allowed = offer_mask(customers, products, held)
    p = np.column_stack([propensity.get(f, pd.Series(np.nan, index=range(40))) for f in products["family"]])
    # when: the offers are ranked as arrays, and by best_offers with and without the mask given
    ranked = rank_offers(p, allowed, products["margin_rate"].to_numpy(), top=2)
    ids = frame.index.to_numpy()
    # then: the same offers, in customer order then rank
    expected = best_offers(ids, propensity, customers, products, held, top=2)
    assert offer_list(ranked, ids, products) == expected
    assert best_offers(ids, propensity, customers, products, held, top=2, allowed=allowed) == expected
    assert [o.product_id for o in expected if o.party_id == ids[1]][:1] == [2]  # the tie: product 2 before 3


def test_rank_offers_with_no_products_or_no_room():
    # given: customers and either no products or no offers wanted
    p, allowed = np.zeros((3, 0)), np.zeros((3, 0), bool)
    # when / then: nothing is offered
    assert len(rank_offers(p, allowed, np.zeros(0), top=3).rows) == 0
    assert len(rank_offers(np.ones((3, 2)), np.ones((3, 2), bool), np.ones(2), top=0).rows) == 0


@pytest.mark.parametrize("threads", [1, 2])
def test_score_customers_matches_scoring_each_model_on_everyone(models, threads):
    # given: customers to score, some eligible for nothing, and the models
    frame = _frame(400, seed=7)
    customers, products, held = _customers(frame), _products(), _held(frame)
    margin = pd.Series(np.linspace(0, 900, 400), index=frame.index)
    # when: the run scores them (propensities only where an offer may go, reasons from the leaves)
    scored = score_customers(
        models, frame, customers=customers, products=products, held=held, margin=margin, threads=threads
    )
    # then: the churn probability is the model's to the bit, the reasons are path attribution's,
    churn = models.churn_probability(frame)
    assert np.array_equal(scored.churn, churn)
    contributions = models.churn.path_contributions(frame[NAMES])
    expected = models.churn.reasons_from(frame[NAMES], contributions, top=3)
    assert scored.churn_reasons == [_worded_by_hand(r) for r in expected]
    # and the offers and their reasons are those of scoring every family's model on everyone
    offers = best_offers(frame.index.to_numpy(), models.propensities(frame), customers, products, held)
    assert scored.offers == offers and len(offers) > 100
    for offer in offers:
        model = models.propensity[offer.family]
        row = frame.loc[[offer.party_id], NAMES]
        reasons = model.reasons_from(row, model.path_contributions(row), top=3)[0]
        assert scored.offer_reasons[(offer.party_id, offer.rank)] == _worded_by_hand(reasons)
    assert {4} & {o.product_id for o in offers} == set()


@pytest.mark.parametrize(("passes", "cores", "expected"), [(1, 8, 0), (2, 8, 4), (3, 8, 2), (4, 2, 1), (2, None, 1)])
def test_lightgbm_threads_share_the_cores(monkeypatch, passes, cores, expected):
    # given: a machine with ``cores`` cores (None: unknown)
    monkeypatch.setattr("guanxi.scoring.scoring_run.os.cpu_count", lambda: cores)
    # when: ``passes`` model passes run at once
    # then: one pass alone keeps LightGBM's default (0: every core); side by side they share them, one at least
    assert lightgbm_threads(passes) == expected


def test_offer_reasons_explain_each_offer_once_per_family(models):
    # given: customers and two offers of the same family to one of them
    frame = _frame(30, seed=11)
    first, second = int(frame.index[0]), int(frame.index[1])
    offers = [
        Offer(first, 1, 2, "credit_card", 0.5, 0.03),
        Offer(first, 2, 3, "credit_card", 0.5, 0.03),
        Offer(second, 1, 1, "savings", 0.2, 0.002),
    ]
    # when: the offers are explained
    reasons = offer_reasons(models, frame, offers)
    # then: each by its family's model, the two cards alike
    card = models.propensity["credit_card"]
    row = frame.loc[[first], NAMES]
    expected = _worded_by_hand(card.reasons_from(row, card.path_contributions(row), top=3)[0])
    assert reasons[(first, 1)] == reasons[(first, 2)] == expected
    assert set(reasons) == {(first, 1), (first, 2), (second, 1)}


def test_offer_reasons_refuse_an_offer_to_a_party_without_features(models):
    # given: an offer to a party the features do not hold
    frame = _frame(5, seed=12)
    offers = [Offer(999, 1, 1, "savings", 0.2, 0.002)]
    # when / then: the party is named
    with pytest.raises(NotFound) as missing:
        offer_reasons(models, frame, offers)
    assert missing.value.code == "features_not_found" and missing.value.details == {"party_id": 999}
