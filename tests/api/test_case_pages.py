"""The case pages in the browser client: open a case from the 360, work it through its states by
form, see refusals on the page, and the queue's filters."""

from __future__ import annotations

import re

from guanxi.security.permissions import Role


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_agent_opens_a_case_from_the_360_and_works_it_to_closed(client, world, browser_sign_in):
    # given the agent signed in, on the form that opens a case for their customer
    browser_sign_in(Role.SERVICE_AGENT)
    party = world.ids["own_party"]
    form = client.get(f"/customers/{party}/cases/new")
    assert form.status_code == 200
    # when they open a complaint
    opened = client.post(
        "/cases",
        data={
            "party_id": party,
            "case_type": "complaint",
            "category": "fees_charges",
            "priority": "high",
            "channel": "branch",
            "subject": "Double annual fee",
            "description": "The annual fee was taken twice.",
            "csrf_token": csrf(form.text),
        },
        follow_redirects=False,
    )
    # then they land on the new case, assigned to them (the desk's only member)
    assert opened.status_code == 303
    path = opened.headers["location"]
    page = client.get(path)
    assert 'data-status="assigned"' in page.text
    # when they move it through its states by form
    for data in (
        {"to": "in_progress"},
        {"to": "waiting_for_customer", "note": "asked for the statement"},
        {"to": "in_progress"},
        {"to": "resolved", "resolution_code": "resolved_in_favour", "root_cause": "system"},
        {"to": "closed"},
    ):
        moved = client.post(f"{path}/transition", data=data | {"csrf_token": csrf(page.text)}, follow_redirects=False)
        assert moved.status_code == 303, moved.text
        page = client.get(path)
        assert f'data-status="{data["to"]}"' in page.text
    # then the history lists each move and the note
    assert page.text.count("Status changed") == 5
    assert "asked for the statement" in page.text


def test_resolving_without_a_root_cause_is_refused_on_the_page(client, world, browser_sign_in):
    browser_sign_in(Role.ADMIN)
    path = f"/cases/{world.ids['own_case']}"
    page = client.get(path)
    refused = client.post(f"{path}/transition", data={"to": "resolved", "csrf_token": csrf(page.text)})
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert "resolving a case needs resolution_code and root_cause" in refused.text
    assert 'data-status="new"' in refused.text


def test_a_form_without_its_csrf_token_is_refused(client, world, browser_sign_in):
    browser_sign_in(Role.ADMIN)
    response = client.post(f"/cases/{world.ids['own_case']}/transition", data={"to": "in_progress"})
    assert response.status_code == 403
    assert client.get(f"/cases/{world.ids['own_case']}").text.count('data-status="new"') == 1


def test_the_queue_shows_the_agents_cases_with_their_clock(client, world, browser_sign_in):
    browser_sign_in(Role.SERVICE_AGENT)
    queue = client.get("/cases?view=team")
    assert queue.status_code == 200
    assert f'href="/cases/{world.ids["own_case"]}"' in queue.text
    assert f'href="/cases/{world.ids["other_case"]}"' not in queue.text


def test_a_case_out_of_scope_is_not_found(client, world, browser_sign_in):
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    assert client.get(f"/cases/{world.ids['other_case']}").status_code == 404


def test_a_contact_logged_on_the_360_joins_the_timeline(client, world, browser_sign_in):
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    path = f"/customers/{world.ids['own_party']}"
    page = client.get(path)
    logged = client.post(
        f"{path}/contacts",
        data={
            "channel": "rm_visit",
            "direction": "outbound",
            "topic": "Portfolio review",
            "outcome": "follow_up",
            "summary": "Customer happy with the returns, thanks the team",
            "csrf_token": csrf(page.text),
        },
        follow_redirects=False,
    )
    assert logged.status_code == 303
    page = client.get(path)
    assert 'data-kind="contact_outbound"' in page.text
    assert "Portfolio review" in page.text
    # and a contact without a topic is refused
    refused = client.post(
        f"{path}/contacts", data={"channel": "phone", "direction": "inbound", "csrf_token": csrf(page.text)}
    )
    assert refused.status_code == 422


def test_a_form_with_a_value_the_schema_refuses_is_a_422_naming_the_field(client, world, browser_sign_in):
    browser_sign_in(Role.ADMIN)
    form = client.get(f"/customers/{world.ids['own_party']}/cases/new")
    refused = client.post(
        "/cases",
        data={
            "party_id": world.ids["own_party"],
            "case_type": "complaint",
            "category": "luggage",
            "priority": "high",
            "channel": "branch",
            "subject": "Lost bag",
            "csrf_token": csrf(form.text),
        },
    )
    assert refused.status_code == 422
    assert client.get("/api/v1/cases?owner=9999999999999999999", headers=world.headers(Role.ADMIN)).status_code == 422
