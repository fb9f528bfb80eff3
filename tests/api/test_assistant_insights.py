"""Insights kept for the channels: stored once however often detection runs, told by the assistant
at sign-in and on request (in the customer's language), shown on the customer 360."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from guanxi.assistant.dialogue import Dialogue
from guanxi.assistant.dialogue_intents import train_dialogue_model
from guanxi.assistant.faq import load_faq
from guanxi.clock import now
from guanxi.insights.models import CustomerInsight
from guanxi.insights.service import store_insights
from guanxi.security.customers import enrol_customer
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM

PASSCODE = "river-4821"
AS_OF = dt.date(2026, 11, 1)


def found(party_id: int, account_id: int) -> list[dict]:
    return [
        {
            "party_id": party_id,
            "kind": "duplicate_charge",
            "occurred_on": dt.date(2026, 10, 20),
            "amount": Decimal("88.5000"),
            "currency": "CNY",
            "account_id": account_id,
            "details": {"counterparty": "Star Coffee"},
        },
        {
            "party_id": party_id,
            "kind": "salary_received",
            "occurred_on": dt.date(2026, 10, 25),
            "amount": Decimal("18000.0000"),
            "currency": "CNY",
            "account_id": account_id,
            "details": {},
        },
    ]


@pytest.fixture
def stored(session, world):
    rows = found(world.ids["own_party"], world.ids["own_account"])
    return store_insights(session=session, actor=SYSTEM, as_of=AS_OF, insights=rows)


def test_each_finding_is_stored_once_however_often_detection_runs(session, world, stored):
    # given the two findings stored once
    assert (stored.found, stored.new) == (2, 2)
    # when the same detection runs again, with one finding of a customer not (yet) loaded
    again = [*found(world.ids["own_party"], world.ids["own_account"]), found(999_999, world.ids["own_account"])[0]]
    second = store_insights(session=session, actor=SYSTEM, as_of=AS_OF, insights=again)
    # then nothing new is stored
    assert (second.found, second.new) == (3, 0)
    assert session.scalar(select(func.count()).select_from(CustomerInsight)) == 2


def test_the_assistant_tells_them_at_sign_in_and_on_request(client, world, session, stored):
    client.app.state.assistant_dialogue = Dialogue(train_dialogue_model(), load_faq(), today=lambda: now().date())
    with session.begin():
        enrol_customer(session=session, actor=SYSTEM, party_id=world.ids["own_party"], passcode=PASSCODE)
    # given a conversation in Simplified Chinese
    token = client.post("/api/v1/assistant/conversations", json={"language": "zh-Hans"}).json()["token"]
    headers = {"X-Conversation-Token": token}
    # when the customer signs in
    signed = client.post(
        "/api/v1/assistant/conversations/sign-in",
        json={"party_id": world.ids["own_party"], "passcode": PASSCODE},
        headers=headers,
    ).json()
    # then the assistant tells them what is worth knowing, unasked, in their language
    expected = (
        "温馨提示：\n您的工资 CNY 18,000.00 已于 2026-10-25 入账。\n"
        "2026-10-20 Star Coffee 向您重复扣取了 CNY 88.50，是您本人的交易吗？"
    )
    assert [m["text"] for m in signed["messages"]] == [expected]
    # and when they ask again later, they hear it again
    asked = client.post(
        "/api/v1/assistant/conversations/messages", json={"text": "有什么需要我注意的吗？"}, headers=headers
    ).json()
    assert asked["messages"][1]["text"] == expected
    assert asked["messages"][1]["data"] == {"insights": ["salary_received", "duplicate_charge"]}


def test_the_360_shows_them(client, world, browser_sign_in, stored):
    # when the RM opens the customer's 360
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    page = client.get(f"/customers/{world.ids['own_party']}")
    # then both insights are there, in words
    assert page.status_code == 200
    assert 'data-insights="2"' in page.text
    assert "You were charged CNY 88.50 twice by Star Coffee on 2026-10-20. Was that you?" in page.text
