"""The appointments API end to end: free slots, booking, rescheduling and cancelling over HTTP, and
every bad input with its code."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.clock import frozen_at
from guanxi.security.permissions import Role

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 1 December 2026, 10:00 in Shanghai
MONDAY = "2026-12-07"  # the test bank's calendar opens on Mondays, 09:00-17:00 in Shanghai (01:00-09:00 UTC)


def book(client, world, starts_at: str = f"{MONDAY}T02:00:00Z", role: Role = Role.RELATIONSHIP_MANAGER, **fields):
    body = (
        {"party_id": world.ids["own_party"], "staff_id": world.ids["own_rm"], "starts_at": starts_at}
        | {"purpose": "investment_review"}
        | fields
    )
    return client.post("/api/v1/appointments", json=body, headers=world.headers(role))


def free(client, world) -> list[str]:
    response = client.get(
        f"/api/v1/appointments/availability?staff_id={world.ids['own_rm']}&day={MONDAY}",
        headers=world.headers(Role.RELATIONSHIP_MANAGER),
    )
    assert response.status_code == 200, response.text
    return [slot["starts_at"][11:16] for slot in response.json()["slots"]]


ALL_DAY_UTC = [f"{h:02d}:{m:02d}" for h in range(1, 9) for m in (0, 30)]


def test_an_rm_books_reschedules_and_cancels_an_appointment(client, world):
    rm = world.headers(Role.RELATIONSHIP_MANAGER)
    with frozen_at(T0):
        # given the RM's Monday is free
        assert free(client, world) == ALL_DAY_UTC
        # when the RM books 10:00 in Shanghai for their customer
        booked = book(client, world, notes="bring the statements", reminder_channel="email", booked_via="phone")
        assert booked.status_code == 201, booked.text
        first = booked.json()
        assert {k: first[k] for k in ("resource", "starts_at", "ends_at", "status", "booked_via", "party_name")} == {
            "resource": f"staff:{world.ids['own_rm']}",
            "starts_at": f"{MONDAY}T02:00:00Z",
            "ends_at": f"{MONDAY}T02:30:00Z",
            "status": "booked",
            "booked_via": "phone",
            "party_name": "王小明",
        }
        # then that slot is no longer free
        assert free(client, world) == [s for s in ALL_DAY_UTC if s != "02:00"]
        # when it moves to 11:00
        moved = client.post(
            f"/api/v1/appointments/{first['id']}/reschedule", json={"starts_at": f"{MONDAY}T03:00:00Z"}, headers=rm
        )
        assert moved.status_code == 201, moved.text
        second = moved.json()
        assert (second["rescheduled_from_id"], second["starts_at"], second["notes"]) == (
            first["id"],
            f"{MONDAY}T03:00:00Z",
            "bring the statements",
        )
        assert client.get(f"/api/v1/appointments/{first['id']}", headers=rm).json()["status"] == "cancelled"
        assert free(client, world) == [s for s in ALL_DAY_UTC if s != "03:00"]
        # and when it is cancelled
        cancelled = client.post(
            f"/api/v1/appointments/{second['id']}/transitions", json={"to": "cancelled", "reason": "ill"}, headers=rm
        )
        assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
        # then the day is free again, and the list shows both, cancelled
        assert free(client, world) == ALL_DAY_UTC
        listed = client.get(f"/api/v1/appointments?day={MONDAY}&party_id={world.ids['own_party']}", headers=rm).json()
    assert [(a["id"], a["status"]) for a in listed["items"]] == [
        (first["id"], "cancelled"),
        (second["id"], "cancelled"),
    ]
    assert listed["total"] == 2


def test_the_second_booking_of_a_slot_is_a_clear_conflict(client, world):
    with frozen_at(T0):
        assert book(client, world).status_code == 201
        response = book(client, world, role=Role.BRANCH_MANAGER)
    assert response.status_code == 409
    assert response.json() == {
        "code": "slot_taken",
        "message": f"the slot at {MONDAY}T02:00:00+00:00 of staff:{world.ids['own_rm']} is already booked",
        "details": {"resource": f"staff:{world.ids['own_rm']}", "starts_at": f"{MONDAY}T02:00:00+00:00"},
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "", {"starts_at": "2026-11-30T02:00:00Z"}, 422, "in_the_past"),
        ("POST", "", {"starts_at": f"{MONDAY}T02:15:00Z"}, 422, "not_a_slot"),
        ("POST", "", {"starts_at": "2026-12-08T02:00:00Z"}, 422, "outside_working_hours"),  # a Tuesday
        ("POST", "", {"starts_at": f"{MONDAY}T09:00:00Z"}, 422, "outside_working_hours"),  # 17:00 in Shanghai
        ("POST", "", {"starts_at": "2027-06-07T02:00:00Z"}, 422, "too_far_ahead"),
        ("POST", "", {"starts_at": f"{MONDAY}T02:00:00"}, 422, "invalid_request"),  # no time zone
        ("POST", "", {"starts_at": "0001-01-01T00:00:00+01:00"}, 422, "invalid_request"),
        ("POST", "", {"purpose": "haircut"}, 422, "invalid_request"),
        ("POST", "", {"reminder_channel": "pigeon"}, 422, "invalid_request"),
        ("POST", "", {"staff_id": 999999}, 404, "staff_not_found"),
        ("POST", "", {"staff_id": None}, 422, "resource_required"),
        ("POST", "", {"staff_id": None, "branch_id": 999999}, 404, "branch_not_found"),
        ("POST", "", {"party_id": 999999}, 404, "not_found"),
        ("GET", "/999999", None, 404, "not_found"),
        ("GET", "/0", None, 422, "invalid_request"),
        ("POST", "/999999/transitions", {"to": "cancelled"}, 404, "not_found"),
        ("POST", "/{appointment}/transitions", {"to": "booked"}, 422, "invalid_request"),
        ("POST", "/{appointment}/transitions", {"to": "completed"}, 409, "not_started"),
        ("POST", "/{appointment}/reschedule", {"starts_at": f"{MONDAY}T01:00:00Z"}, 422, "same_slot"),
        ("POST", "/{appointment}/reschedule", {"starts_at": f"{MONDAY}T01:10:00Z"}, 422, "not_a_slot"),
        ("POST", "/999999/reschedule", {"starts_at": f"{MONDAY}T03:00:00Z"}, 404, "not_found"),
        ("GET", f"/availability?day={MONDAY}", None, 422, "resource_required"),
        ("GET", f"/availability?day={MONDAY}&staff_id=999999", None, 404, "staff_not_found"),
        ("GET", "/availability?staff_id=1", None, 422, "invalid_request"),  # no day
        ("GET", "?day=9999-12-31", None, 422, "bad_day"),
        ("GET", "?status=sleeping", None, 422, "invalid_request"),
    ],
)
def test_bad_input_gets_a_clear_error_with_its_code(client, world, method, path, body, status, code):
    with frozen_at(T0):
        appointment = book(client, world, starts_at=f"{MONDAY}T01:00:00Z").json()["id"]
        path = "/api/v1/appointments" + path.replace("{appointment}", str(appointment))
        if method == "POST" and path == "/api/v1/appointments":
            response = book(client, world, role=Role.ADMIN, **body)
        else:
            response = client.request(method, path, json=body, headers=world.headers(Role.ADMIN))
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
