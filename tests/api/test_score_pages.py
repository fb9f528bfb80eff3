"""The customer 360 shows the latest churn risk with its reasons, the lifetime value and the offers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from factories import make_product
from guanxi.api.csrf import csrf_token
from guanxi.config import get_settings
from guanxi.scoring.models import CustomerOffer, CustomerScore, DriftAlert, ScoringRun
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


def test_the_api_gives_the_scores_with_reasons_in_both_languages(client, world, scored):
    # given: the RM's token
    # when: the customer's scores are read over the API
    body = client.get(f"/api/v1/parties/{scored}/scores", headers=world.headers(Role.RELATIONSHIP_MANAGER)).json()
    # then: the same figures, the reasons in English and Chinese, the offer with its caveat
    assert (body["churn_band"], body["churn_probability"], body["lifetime_value"]) == ("high", 0.42, "1234.5000")
    assert body["churn_reasons"] == [REASON]
    assert [(o["rank"], o["product"], o["product_zh"], o["contactable"]) for o in body["offers"]] == [
        (1, "Stable Bond Fund", "穩健債券基金", False)
    ]
    assert body["as_of"] == "2026-11-01"


def test_an_unscored_customer_has_empty_scores(client, world):
    # given: a customer no scoring run has reached
    # when: their scores are read
    body = client.get(
        f"/api/v1/parties/{world.ids['own_party']}/scores", headers=world.headers(Role.RELATIONSHIP_MANAGER)
    ).json()
    # then: nothing is made up
    assert body == {
        "party_id": world.ids["own_party"],
        "as_of": None,
        "churn_probability": None,
        "churn_band": None,
        "churn_reasons": [],
        "lifetime_value": None,
        "offers": [],
    }


@pytest.fixture
def drifted(scored, session) -> int:
    """The scored run records its stability figures and one drift alert."""
    with session.begin():
        run = session.scalars(select(ScoringRun)).one()
        run.psi = {"salary_change": 1.317, "age": 0.02, "churn_probability": 0.05}
        alert = DriftAlert(
            run_id=run.id, model_name="customer-models", subject="salary_change", psi=1.317, threshold=0.25
        )
        session.add(alert)
        session.flush()
        return alert.id


def test_the_models_page_charts_drift_and_an_admin_acknowledges_it(client, browser_sign_in, drifted):
    # given: the administrator signed in, a run with one variable past the threshold
    token = browser_sign_in(Role.ADMIN)
    # when: the Models page is opened
    page = client.get("/models").text
    # then: the alert and the stability chart are there, with the button to acknowledge
    assert '<ul class="plain" data-alerts="1">' in page and '<strong translate="no">salary_change</strong>' in page
    assert '"categories": ["salary_change", "churn_probability", "age"]' in page
    assert f'action="/models/alerts/{drifted}/acknowledge"' in page
    # when: it is acknowledged with the form's token
    done = client.post(
        f"/models/alerts/{drifted}/acknowledge",
        data={"csrf_token": csrf_token(get_settings().secret_key, token)},
        follow_redirects=False,
    )
    # then: back to the page, with no open alert left
    assert (done.status_code, done.headers["location"]) == (303, "/models")
    assert "data-alerts" not in client.get("/models").text


def test_acknowledging_needs_the_token_and_the_permission(client, browser_sign_in, drifted):
    # given: a branch manager, who reads models but does not act on them
    token = browser_sign_in(Role.BRANCH_MANAGER)
    page = client.get("/models").text
    assert 'data-alerts="1"' in page and "/acknowledge" not in page
    # when / then: without the token the post is refused; with it, the role is
    assert client.post(f"/models/alerts/{drifted}/acknowledge", data={}).status_code == 403
    refused = client.post(
        f"/models/alerts/{drifted}/acknowledge", data={"csrf_token": csrf_token(get_settings().secret_key, token)}
    )
    assert refused.status_code == 403


def test_a_service_agent_has_no_models_page(client, browser_sign_in):
    # given: a service agent; when: the Models page is asked for; then: refused
    browser_sign_in(Role.SERVICE_AGENT)
    assert client.get("/models").status_code == 403


def test_the_start_page_charts_the_churn_risk_of_the_customers_the_rm_sees(client, browser_sign_in, scored):
    # given: the RM, whose one scored customer is at high risk
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    # when: the start page is opened
    page = client.get("/").text
    # then: the churn chart counts that one customer, in words
    assert '"label": "Churn risk of the customers you see"' in page
    assert '"data": [{"name": "high", "value": 1.0}]' in page
