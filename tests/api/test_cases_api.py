"""The cases API end to end: a case through its life over HTTP, and every bad input with its code."""

from __future__ import annotations

import pytest

from guanxi.security.permissions import Role

RESOLVE = {"to": "resolved", "resolution_code": "explained", "root_cause": "communication"}


def open_case(client, world, **fields) -> dict:
    body = {
        "party_id": world.ids["own_party"],
        "case_type": "complaint",
        "category": "fees_charges",
        "channel": "phone",
        "subject": "Charged twice",
    } | fields
    response = client.post("/api/v1/cases", json=body, headers=world.headers(Role.SERVICE_AGENT))
    assert response.status_code == 201, response.text
    return response.json()


def test_an_agent_walks_a_case_through_its_life(client, world):
    # given a complaint opened by the agent (the service desk has one member: the agent)
    agent = world.headers(Role.SERVICE_AGENT)
    case = open_case(client, world, description="I was charged the annual fee twice.")
    assert (case["status"], case["routed_by"], case["sla_paused"]) == ("assigned", "service_desk", False)
    # when it is worked, paused for the customer, resolved and closed
    for body in ({"to": "in_progress"}, {"to": "waiting_for_customer"}, {"to": "in_progress"}, RESOLVE):
        response = client.post(f"/api/v1/cases/{case['id']}/transitions", json=body, headers=agent)
        assert response.status_code == 200, response.text
    closed = client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "closed"}, headers=agent).json()
    # then it is closed, and its page shows the history and the only move left
    assert (closed["status"], closed["root_cause"], closed["due_at"]) == ("closed", "communication", None)
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=agent).json()
    assert [e["kind"] for e in detail["events"]] == ["opened", "assigned"] + ["status"] * 5
    assert detail["allowed_transitions"] == ["reopened"]
    # and it is in the closed queue, not in the open one
    open_queue = client.get("/api/v1/cases?open=true", headers=agent).json()
    closed_queue = client.get("/api/v1/cases?status=closed", headers=agent).json()
    assert case["id"] not in [c["id"] for c in open_queue["items"]]
    assert [c["id"] for c in closed_queue["items"]] == [case["id"]]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/api/v1/cases/999999", None, 404, "not_found"),
        ("POST", "/api/v1/cases/999999/transitions", {"to": "in_progress"}, 404, "not_found"),
        ("GET", "/api/v1/cases/0", None, 422, "invalid_request"),
        ("POST", "/api/v1/cases/{case}/transitions", {"to": "closed"}, 409, "illegal_transition"),
        ("POST", "/api/v1/cases/{case}/transitions", {"to": "resolved"}, 422, "resolution_required"),
        ("POST", "/api/v1/cases/{case}/transitions", {"to": "sleeping"}, 422, "invalid_request"),
        ("POST", "/api/v1/cases/{case}/assign", {}, 422, "assignee_required"),
        ("POST", "/api/v1/cases/{case}/assign", {"staff_id": 999999}, 404, "staff_not_found"),
        ("POST", "/api/v1/cases/{case}/notes", {"body": ""}, 422, "invalid_request"),
        (
            "POST",
            "/api/v1/cases/{case}/attachments",
            {"filename": "../x", "content_type": "a/b"},
            422,
            "invalid_request",
        ),
        ("GET", "/api/v1/cases?category=luggage", None, 422, "unknown_category"),
        ("GET", "/api/v1/cases?owner=me", None, 422, "not_staff"),
        ("GET", "/api/v1/cases/root-causes?from=2026-12-01&to=2026-01-01", None, 422, "bad_period"),
        (
            "PUT",
            "/api/v1/cases/sla-targets",
            {"case_type": "complaint", "priority": "high", "business_hours": 0},
            422,
            "invalid_request",
        ),
        ("POST", "/api/v1/calendars/999999/holidays", {"day": "2026-12-25", "name": "Christmas"}, 404, "not_found"),
    ],
)
def test_bad_input_gets_a_clear_error_with_its_code(client, world, method, path, body, status, code):
    case_id = open_case(client, world)["id"]
    response = client.request(
        method, path.replace("{case}", str(case_id)), json=body, headers=world.headers(Role.ADMIN)
    )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


def test_opening_a_case_with_an_unknown_category_names_the_field(client, world):
    response = client.post(
        "/api/v1/cases",
        json={
            "party_id": world.ids["own_party"],
            "case_type": "complaint",
            "category": "luggage",
            "channel": "phone",
            "subject": "Lost bag",
        },
        headers=world.headers(Role.ADMIN),
    )
    assert response.status_code == 422
    assert "unknown category 'luggage'" in response.text
    assert response.json()["details"]["problems"][0]["field"] == "body.category"
