"""Events in the workspace: the list, creating one, answers and attendance by form, scoped lists."""

from __future__ import annotations

import re

from guanxi.security.permissions import Role


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_rm_records_their_customers_answer(client, world, browser_sign_in):
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    listing = client.get("/events")
    assert f'href="/events/{world.ids["event"]}"' in listing.text
    path = f"/events/{world.ids['event']}"
    page = client.get(path)
    # the RM sees their own customer's invitation only
    assert page.text.count('name="party_id"') == 3  # coming, declined, came: for their one customer
    assert f'value="{world.ids["other_party"]}"' not in page.text
    answered = client.post(
        f"{path}/answers",
        data={"party_id": world.ids["own_party"], "answer": "accepted", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    page = client.get(path)
    assert "Coming" in page.text
    # attendance before the event starts is refused on the page
    early = client.post(
        f"{path}/answers",
        data={"party_id": world.ids["own_party"], "answer": "attended", "csrf_token": csrf(page.text)},
    )
    assert early.status_code == 422
    assert 'role="alert"' in early.text


def test_a_manager_plans_an_event(client, world, browser_sign_in):
    browser_sign_in(Role.BRANCH_MANAGER)
    page = client.get("/events")
    created = client.post(
        "/events",
        data={
            "title": "Wealth salon",
            "kind": "investment_salon",
            "starts_at": "2030-03-04T18:30",
            "hours": 2,
            "capacity": 30,
            "venue": "Central branch",
            "csrf_token": csrf(page.text),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    event = client.get(created.headers["location"])
    assert "Wealth salon" in event.text
    assert '<span translate="no" id="seats-left">30</span>' in event.text


def test_an_event_in_the_past_is_refused_with_the_reason(client, world, browser_sign_in):
    browser_sign_in(Role.BRANCH_MANAGER)
    page = client.get("/events")
    refused = client.post(
        "/events",
        data={
            "title": "Too late",
            "kind": "seminar",
            "starts_at": "2001-01-01T10:00",
            "hours": 1,
            "capacity": 10,
            "csrf_token": csrf(page.text),
        },
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
