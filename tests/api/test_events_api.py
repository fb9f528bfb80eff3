"""The events API end to end: an event from creation to follow-up over HTTP, and every bad input
with its code."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.clock import frozen_at
from guanxi.security.permissions import Role

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
STARTS, ENDS = "2026-12-07T06:00:00Z", "2026-12-07T08:00:00Z"
DURING = dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def create(client, world, role: Role = Role.BRANCH_MANAGER, **fields):
    body = (
        {"title": "Retirement planning seminar", "kind": "seminar", "starts_at": STARTS, "ends_at": ENDS}
        | {"capacity": 1}
        | fields
    )
    return client.post("/api/v1/events", json=body, headers=world.headers(role))


def test_an_event_from_invitation_to_follow_up(client, world):
    rm, admin = world.headers(Role.RELATIONSHIP_MANAGER), world.headers(Role.ADMIN)
    own, other = world.ids["own_party"], world.ids["other_party"]
    with frozen_at(T0):
        # given a one-seat seminar
        created = create(client, world)
        assert created.status_code == 201, created.text
        event = created.json()
        assert (event["status"], event["capacity"], event["seats_left"], event["created_by"]) == (
            "open",
            1,
            1,
            "user-branch_manager",
        )
        base = f"/api/v1/events/{event['id']}"
        # when the RM invites their customer and the administrator invites another
        mine = client.post(f"{base}/invitations", json={"party_ids": [own]}, headers=rm).json()
        theirs = client.post(f"{base}/invitations", json={"party_ids": [own, other]}, headers=admin).json()
        assert (mine, theirs) == (
            {"invited": [own], "already_invited": []},
            {"invited": [other], "already_invited": [own]},
        )
        # and the RM's customer takes the only seat
        accepted = client.post(f"{base}/invitations/{own}/rsvp", json={"answer": "accepted"}, headers=rm)
        assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
        # then the other is told the event is full
        full = client.post(f"{base}/invitations/{other}/rsvp", json={"answer": "accepted"}, headers=admin)
        assert (full.status_code, full.json()["code"]) == (409, "event_full")
        counts = client.get(base, headers=rm).json()
        assert [counts[k] for k in ("invited", "accepted", "declined", "attended", "seats_left")] == [2, 1, 0, 0, 0]
        # and the RM sees only their own customer's invitation
        listed = client.get(f"{base}/invitations", headers=rm).json()
        assert ([(i["party_id"], i["status"]) for i in listed["items"]], listed["total"]) == ([(own, "accepted")], 1)
    # when the customer comes, and the event is followed up and closed
    with frozen_at(DURING):
        came = client.post(f"{base}/invitations/{own}/attendance", headers=rm)
        assert (came.status_code, came.json()["status"]) == (200, "attended")
    with frozen_at(AFTER):
        first = client.post(f"{base}/follow-up", headers=rm).json()
        again = client.post(f"{base}/follow-up", headers=rm).json()
        closed = client.post(f"{base}/transitions", json={"to": "completed"}, headers=rm)
    # then one task was raised, once, and the event is completed
    assert first == {"attendees": 1, "tasks_raised": 1, "already_followed_up": 0}
    assert again == {"attendees": 1, "tasks_raised": 0, "already_followed_up": 1}
    assert (closed.status_code, closed.json()["status"], closed.json()["attended"]) == (200, "completed", 1)
    invitation = client.get(f"{base}/invitations", headers=rm).json()["items"][0]
    assert invitation["follow_up_task_id"] is not None


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "", {"starts_at": "2026-11-30T06:00:00Z"}, 422, "in_the_past"),
        ("POST", "", {"ends_at": STARTS}, 422, "ends_before_start"),
        ("POST", "", {"capacity": 0}, 422, "invalid_request"),
        ("POST", "", {"kind": "party"}, 422, "invalid_request"),
        ("POST", "", {"starts_at": "2026-12-07T06:00:00"}, 422, "invalid_request"),  # no time zone
        ("POST", "", {"branch_id": 999999}, 404, "branch_not_found"),
        ("GET", "/999999", None, 404, "not_found"),
        ("GET", "/999999/invitations", None, 404, "not_found"),
        ("POST", "/{event}/invitations", {}, 422, "invitees_required"),
        ("POST", "/{event}/invitations", {"party_ids": []}, 422, "invalid_request"),
        ("POST", "/{event}/invitations", {"party_ids": [999999]}, 404, "not_found"),
        ("POST", "/{event}/invitations", {"segmentation": "star_sign", "segment": "leo"}, 422, "unknown_segmentation"),
        ("POST", "/999999/invitations", {"party_ids": [1]}, 404, "not_found"),
        ("POST", "/{event}/invitations/{other}/rsvp", {"answer": "accepted"}, 404, "invitation_not_found"),
        ("POST", "/{event}/invitations/{own}/rsvp", {"answer": "maybe"}, 422, "invalid_request"),
        ("POST", "/{event}/invitations/999999/rsvp", {"answer": "accepted"}, 404, "not_found"),
        ("POST", "/{event}/invitations/{own}/attendance", None, 409, "event_not_started"),
        ("POST", "/{event}/follow-up", None, 409, "event_not_started"),
        ("POST", "/{event}/transitions", {"to": "completed"}, 409, "event_not_started"),
        ("POST", "/{event}/transitions", {"to": "open"}, 422, "invalid_request"),
        ("GET", "?status=sleeping", None, 422, "invalid_request"),
    ],
)
def test_bad_input_gets_a_clear_error_with_its_code(client, world, method, path, body, status, code):
    with frozen_at(T0):
        event = create(client, world).json()["id"]
        admin = world.headers(Role.ADMIN)
        client.post(f"/api/v1/events/{event}/invitations", json={"party_ids": [world.ids["own_party"]]}, headers=admin)
        path = "/api/v1/events" + path.format(event=event, own=world.ids["own_party"], other=world.ids["other_party"])
        if method == "POST" and path == "/api/v1/events":
            response = create(client, world, role=Role.ADMIN, **body)
        else:
            response = client.request(method, path, json=body, headers=admin)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
