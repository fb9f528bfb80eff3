"""The customer's survey page: opened by the link's token without signing in, answered once, in
the customer's language."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from test_translations import untranslated

from guanxi.outbox.models import OutboxMessage
from guanxi.security.models import ConsentRecord
from guanxi.security.permissions import Role

CLOSE = ({"to": "resolved", "resolution_code": "explained", "root_cause": "process"}, {"to": "closed"})


@pytest.fixture
def token(client, world, session) -> str:
    """A CSAT survey sent when the agent closes the customer's case (the customer consents to service messages)."""
    with session.begin():
        session.add(
            ConsentRecord(
                party_id=world.ids["own_party"],
                purpose="service_messages",
                channel="any",
                status="given",
                recorded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                captured_via="branch",
                source_system="test",
                source_key="svc-consent",
            )
        )
    for body in CLOSE:
        response = client.post(
            f"/api/v1/cases/{world.ids['own_case']}/transitions", json=body, headers=world.headers(Role.SERVICE_AGENT)
        )
        assert response.status_code == 200, response.text
    with session.begin():
        message = session.scalar(select(OutboxMessage.body).where(OutboxMessage.source == "survey"))
    return message.rsplit("/s/", 1)[1]


@pytest.mark.parametrize("locale", ["en", "zh-Hant", "zh-Hans"])
def test_the_survey_page_is_in_the_customers_language(client, token, locale):
    client.cookies.set("guanxi_lang", locale)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert page.text.count('type="radio" name="score"') == 5
    assert untranslated(page.text, locale) == []


def test_the_customer_answers_once(client, token):
    thanks = client.post(f"/s/{token}", data={"score": 2, "comment": "too slow"})
    assert thanks.status_code == 200
    assert "Thank you for your answer." in thanks.text
    again = client.post(f"/s/{token}", data={"score": 5})
    assert again.status_code == 409
    assert "This survey has already been answered." in again.text
    out_of_scale = client.get(f"/s/{token}")
    assert 'type="radio"' not in out_of_scale.text


def test_a_score_off_the_scale_is_refused_on_the_page(client, token):
    refused = client.post(f"/s/{token}", data={"score": 9})
    assert refused.status_code == 422
    assert "Please choose a score on the scale." in refused.text


def test_an_unknown_link_is_not_found(client):
    assert client.get("/s/" + "a" * 32).status_code == 404
    assert client.post("/s/" + "a" * 32, data={"score": 3}).status_code == 404


def test_the_api_takes_the_same_answer(client, token):
    response = client.post("/api/v1/surveys/answers", json={"token": token, "score": 5})
    assert (response.status_code, response.json()["kind"]) == (200, "csat")
    assert client.post("/api/v1/surveys/answers", json={"token": token, "score": 5}).json()["code"] == "survey_answered"


def test_service_insights_chart_the_answer_and_the_root_cause(client, world, token, browser_sign_in):
    client.post(f"/s/{token}", data={"score": 4})
    browser_sign_in(Role.BRANCH_MANAGER)
    page = client.get("/cases/insights?months=3")
    assert page.status_code == 200
    assert "Satisfaction by team" in page.text
    assert "Root causes by month" in page.text
    assert page.text.count("<tr") >= 3  # the root-cause table and the team table each have a row
