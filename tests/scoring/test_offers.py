"""Next-best offer: eligibility, the suitability rule (every product × every tolerance) and ranking."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from guanxi.scoring.offers import best_offers, is_suitable, offer_mask

FAMILIES = ["savings", "wealth_fund", "credit_card"]
RISK_CLASSES = [None, 1, 2, 3, 4, 5]
TOLERANCES = [None, 1, 2, 3, 4, 5]


def _products() -> pd.DataFrame:
    # one wealth product per risk class (and one unrated), plus a savings account and a card
    rows = [(100 + i, "wealth_fund", 18, rc, 0.01) for i, rc in enumerate(RISK_CLASSES)]
    rows += [
        (200, "savings", 18, None, 0.011),
        (300, "credit_card", 18, None, 0.06),
        (400, "savings", None, None, 0.02),
    ]
    return pd.DataFrame(rows, columns=["id", "family", "min_age", "risk_class", "margin_rate"])


def _customers(tolerances: list[int | None], **overrides: object) -> pd.DataFrame:
    n = len(tolerances)
    frame = pd.DataFrame(
        {
            "party_type": ["individual"] * n,
            "age": [40.0] * n,
            "risk_tolerance": [np.nan if t is None else float(t) for t in tolerances],
            "kyc_status": ["verified"] * n,
        }
    )
    for column, value in overrides.items():
        frame[column] = value
    return frame


def _held(n: int, **families: int) -> pd.DataFrame:
    return pd.DataFrame({f: [families.get(f, 0)] * n for f in FAMILIES})


@pytest.mark.parametrize(("risk_class", "tolerance"), list(itertools.product(RISK_CLASSES, TOLERANCES)))
def test_every_product_against_every_tolerance(risk_class, tolerance):
    # given: a wealth product of this risk class and a customer of this tolerance, eligible otherwise
    products = _products()
    customers = _customers([tolerance])
    # when: the offer rules run
    allowed = offer_mask(customers, products, _held(1))
    column = products.index[(products["family"] == "wealth_fund") & (products["risk_class"].isna())][0]
    if risk_class is not None:
        column = products.index[products["risk_class"] == risk_class][0]
    # then: it may be offered exactly when the rule says so: unrated, or rated within a known tolerance
    expected = risk_class is None or (tolerance is not None and risk_class <= tolerance)
    assert bool(allowed[0, column]) is expected
    assert is_suitable(risk_class, tolerance) is expected


def test_no_propensity_outweighs_suitability():
    # given: a cautious customer (tolerance 1) whose only high propensity is for wealth funds
    products = _products()
    customers = _customers([1])
    propensity = pd.DataFrame({"wealth_fund": [0.99], "savings": [0.0001], "credit_card": [0.0001]})
    # when: the offers are ranked
    offers = best_offers(np.array([7]), propensity, customers, products, _held(1), top=10)
    # then: no wealth product above class 1 is ever among them
    offered = {o.product_id for o in offers}
    assert offered == {100, 101, 200, 300}  # the unrated and class-1 funds, the savings account, the card
    assert [o.rank for o in offers] == [1, 2, 3, 4]


def test_ranked_by_propensity_times_margin():
    # given: two customers with the same propensities, the second already holding a card
    products = _products()
    customers = _customers([5, 5])
    propensity = pd.DataFrame({"wealth_fund": [0.5, 0.5], "savings": [0.5, 0.5], "credit_card": [0.2, 0.2]})
    # when: the top three offers are picked
    offers = best_offers(np.array([1, 2]), propensity, customers, products, _held(2).assign(credit_card=[0, 1]))
    # then: the card (0.2 × 0.06 = 0.012) beats savings (0.5 × 0.011 = 0.0055) for the first only
    first = [(o.product_id, round(o.expected_value, 6)) for o in offers if o.party_id == 1]
    second = [(o.product_id, round(o.expected_value, 6)) for o in offers if o.party_id == 2]
    assert first == [(300, 0.012), (200, 0.0055), (100, 0.005)]
    assert second == [(200, 0.0055), (100, 0.005), (101, 0.005)]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"kyc_status": "pending"}, set()),
        ({"age": 16.0}, set()),
        ({"age": np.nan}, set()),
        ({"party_type": "organisation"}, {400}),
    ],
)
def test_eligibility(override, expected):
    # given: a customer who fails one eligibility rule (or is an organisation)
    products = _products()
    customers = _customers([5], **override)
    # when: the offer rules run
    allowed = offer_mask(customers, products, _held(1))
    # then: only what such a customer may hold is left
    assert set(products.loc[allowed[0], "id"]) == expected


def test_held_family_is_not_offered():
    # given: a customer who holds savings
    products = _products()
    # when: the offer rules run
    allowed = offer_mask(_customers([5]), products, _held(1, savings=1))
    # then: no savings product is offered
    assert 200 not in set(products.loc[allowed[0], "id"])
