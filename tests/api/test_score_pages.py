"""The customer 360 shows the latest churn risk with its reasons, the lifetime value and the offers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from factories import make_product
from guanxi.scoring.models import CustomerOffer, CustomerScore, ScoringRun
from guanxi.security.permissions import Role

AS_OF = dt.date(2026, 11, 1)
REASON = {
    "feature": "balance_trend_6m",
    "impact": 0.8,
    "en": "balance fell 62% over 6 months",
    "zh": "6個月內結餘下降62%",
}


@pytest.fixture
def scored(world, session) -> int:
    """The RM's customer, scored: high churn risk with a reason, a value, one offer not to be contacted."""
    party = world.ids["own_party"]
    with session.begin():
        fund = make_product(
            session, name="Stable Bond Fund", name_zh="穩健債券基金", family="wealth_fund", risk_class=2
        )
        run = ScoringRun(as_of=AS_OF, model_name="customer-models", model_version=1, customers=1, offers=1)
        session.add(run)
        session.flush()
        session.add_all(
            [
                CustomerScore(
                    party_id=party, model="churn", score=0.42, band="high", reasons=[REASON], as_of=AS_OF, run_id=run.id
                ),
                CustomerScore(
                    party_id=party,
                    model="lifetime_value",
                    score=1234.5,
                    amount=Decimal("1234.50"),
                    as_of=AS_OF,
                    run_id=run.id,
                ),
                CustomerOffer(
                    party_id=party,
                    rank=1,
                    product_id=fund.id,
                    propensity=0.25,
                    expected_value=0.0015,
                    contactable=False,
                    reasons=[REASON | {"en": "salary paid in rose 10%", "zh": "入賬薪金增加10%"}],
                    as_of=AS_OF,
                    run_id=run.id,
                ),
            ]
        )
    return party


def test_the_rm_sees_the_risk_its_reasons_the_value_and_the_offer(client, browser_sign_in, scored):
    # given: the RM signed in, their customer scored
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    # when: the 360 is opened
    page = client.get(f"/customers/{scored}").text
    # then: the band, the probability, the reason in words, the value and the offer with its caveat
    assert '<strong data-score="churn">high</strong>' in page
    assert "<li>balance fell 62% over 6 months</li>" in page
    assert "Expected value over 12 months" in page and "1,234.50" in page
    assert '<ol class="offers" data-offers="1">' in page and "<strong>Stable Bond Fund</strong>" in page
    assert "no marketing contact now" in page and "<li>salary paid in rose 10%</li>" in page


def test_in_chinese_the_reasons_are_chinese(client, browser_sign_in, scored):
    # given: the RM reading in Traditional Chinese
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    client.cookies.set("guanxi_lang", "zh-Hant")
    # when: the 360 is opened
    page = client.get(f"/customers/{scored}").text
    # then: the reasons and the product name are the Chinese ones
    assert "<li>6個月內結餘下降62%</li>" in page and "<strong>穩健債券基金</strong>" in page
    assert '<strong data-score="churn">高</strong>' in page


def test_a_role_without_model_read_sees_no_scores(client, browser_sign_in, scored):
    # given: a service agent (no model permission) who can open the customer
    browser_sign_in(Role.SERVICE_AGENT)
    # when: the 360 is opened
    page = client.get(f"/customers/{scored}")
    # then: the page has no scores card, whatever it shows otherwise
    assert 'data-score="churn"' not in page.text
