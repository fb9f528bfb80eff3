"""The authorisation matrix: every endpoint × every role × a row in scope ("own") and one out of
scope ("other"), each with its exact status. A new endpoint without an entry fails the first test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from bookable import bookable_monday
from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.security.permissions import ROLE_PERMISSIONS, ROLE_SCOPE, Permission, Role, Scope

P = Permission


@dataclass(frozen=True)
class Route:
    """One endpoint: what it needs, which kind of row its path names, and the status on success."""

    method: str
    template: str
    permission: Permission | None  # None: any signed-in user
    row: str | None = None  # "party", "account" or "token": the path names a row
    body: dict[str, Any] | None = None
    ok: int = 200
    query: str = ""  # a query string the call needs
    # Where a permitted call ends otherwise for some roles (e.g. a user not linked to staff).
    outcomes: tuple[tuple[Role, int], ...] = ()


REVEAL = {"fields": ["all"], "reason": "customer called about a payment"}
CONSENT = {"purpose": "marketing", "channel": "sms", "status": "withdrawn", "captured_via": "phone"}
ERASE = {"reason": "DSR-2026-0042"}
RULE = {"name": "rich and offline ({role})", "expression": "aum >= 0 and digital_share < 0.5"}
AS_OF = "2026-11-01"
OPEN_CASE = {"party_id": "{own_party}", "case_type": "complaint", "category": "fees_charges", "channel": "phone"} | {
    "subject": "Charged twice"
}
CONTACT = {"channel": "phone", "direction": "outbound", "topic": "Called about the fee"}
SLA = {"case_type": "complaint", "priority": "high", "business_hours": 12}
ATTACHMENT = {"filename": "statement.pdf", "content_type": "application/pdf", "size_bytes": 10, "sha256": "a" * 64}

ROUTES = [
    Route("GET", "/api/v1/parties", P.CUSTOMER_READ),
    Route("GET", "/api/v1/parties/{party_id}", P.CUSTOMER_READ, "party"),
    Route("POST", "/api/v1/parties/{party_id}/reveal", P.CUSTOMER_PII_READ, "party", REVEAL),
    Route("GET", "/api/v1/parties/{party_id}/consents", P.CONSENT_READ, "party"),
    Route("POST", "/api/v1/parties/{party_id}/consents", P.CONSENT_WRITE, "party", CONSENT, ok=201),
    Route("GET", "/api/v1/parties/{party_id}/export", P.CUSTOMER_EXPORT, "party"),
    Route("POST", "/api/v1/parties/{party_id}/erase", P.CUSTOMER_ERASE, "party", ERASE),
    Route("GET", "/api/v1/parties/{party_id}/accounts", P.ACCOUNT_READ, "party"),
    Route("GET", "/api/v1/accounts/{account_id}", P.ACCOUNT_READ, "account"),
    Route("GET", "/api/v1/accounts/{account_id}/transactions", P.TRANSACTION_READ, "account"),
    Route("GET", "/api/v1/products", P.PRODUCT_READ),
    # the analyst reads models but their scope holds no customer: no one customer's scores
    Route("GET", "/api/v1/parties/{party_id}/scores", P.MODEL_READ, "party", outcomes=((Role.MARKETING_ANALYST, 404),)),
    Route("GET", "/api/v1/models/drift-alerts", P.MODEL_READ),
    Route("GET", "/api/v1/branches", P.BRANCH_READ),
    Route("GET", "/api/v1/ingest/runs", P.INGEST_READ),
    Route("GET", "/api/v1/audit/events", P.AUDIT_READ),
    Route("GET", "/api/v1/audit/verify", P.AUDIT_READ),
    Route("GET", "/api/v1/parties/{party_id}/segments", P.CUSTOMER_READ, "party"),
    Route("GET", "/api/v1/parties/{party_id}/segments/history", P.CUSTOMER_READ, "party"),
    Route("GET", "/api/v1/parties/{party_id}/features", P.CUSTOMER_READ, "party"),
    Route("GET", "/api/v1/segments", P.SEGMENT_READ),
    Route(
        "GET", "/api/v1/segments/migration", P.SEGMENT_READ, query=f"?segmentation=value_tier&from={AS_OF}&to={AS_OF}"
    ),
    Route("POST", "/api/v1/segments/rules/count", P.SEGMENT_READ, body={"expression": "aum >= 0"}),
    Route("GET", "/api/v1/segments/rules", P.SEGMENT_READ),
    Route("POST", "/api/v1/segments/rules", P.SEGMENT_WRITE, body=RULE, ok=201),
    Route("GET", "/api/v1/cases", P.CASE_READ),
    Route("POST", "/api/v1/cases", P.CASE_WRITE, body=OPEN_CASE, ok=201),
    # No categoriser is installed in tests: a permitted call is told so (409).
    Route("POST", "/api/v1/cases/suggest-category", P.CASE_WRITE, body={"text": "charged twice"}, ok=409),
    Route("GET", "/api/v1/cases/root-causes", P.CASE_READ, query="?from=2026-01-01&to=2027-01-01"),
    Route("GET", "/api/v1/cases/sla-targets", P.CASE_READ),
    Route("PUT", "/api/v1/cases/sla-targets", P.SERVICE_CONFIGURE, body=SLA),
    Route("GET", "/api/v1/cases/{case_id}", P.CASE_READ, "case"),
    # Closing a new case is an illegal move: a permitted caller reaches the workflow's 409.
    Route("POST", "/api/v1/cases/{case_id}/transitions", P.CASE_WRITE, "case", {"to": "closed"}, ok=409),
    Route("POST", "/api/v1/cases/{case_id}/assign", P.CASE_ASSIGN, "case", {"team_id": "{desk}"}),
    # Taking needs a user linked to staff; another team's case needs case.assign.
    Route(
        "POST",
        "/api/v1/cases/{case_id}/take",
        P.CASE_WRITE,
        "case",
        outcomes=((Role.ADMIN, 422), (Role.RELATIONSHIP_MANAGER, 403)),
    ),
    Route("POST", "/api/v1/cases/{case_id}/escalate", P.CASE_WRITE, "case", {"reason": "customer upset"}),
    Route("POST", "/api/v1/cases/{case_id}/notes", P.CASE_WRITE, "case", {"body": "called back"}, ok=201),
    Route("POST", "/api/v1/cases/{case_id}/attachments", P.CASE_WRITE, "case", ATTACHMENT, ok=201),
    Route("GET", "/api/v1/calendars", P.CASE_READ),
    Route("GET", "/api/v1/parties/{party_id}/interactions", P.CUSTOMER_READ, "party"),
    Route("POST", "/api/v1/parties/{party_id}/interactions", P.CASE_WRITE, "party", CONTACT, ok=201),
    Route("GET", "/api/v1/parties/{party_id}/timeline", P.CUSTOMER_READ, "party"),
    Route("GET", "/api/v1/parties/{party_id}/surveys", P.CASE_READ, "party"),
    Route("GET", "/api/v1/surveys/satisfaction", P.CASE_READ, query="?by=team&from=2026-01-01&to=2027-01-01"),
    Route("GET", "/api/v1/surveys/triggers", P.CASE_READ),
    Route("PUT", "/api/v1/surveys/triggers", P.SERVICE_CONFIGURE, body={"trigger": "interaction:web", "kind": "csat"}),
    # The second permitted role adds the same day again: a conflict.
    Route(
        "POST",
        "/api/v1/calendars/{calendar_id}/holidays",
        P.SERVICE_CONFIGURE,
        "calendar",
        {"day": "2026-12-25", "name": "Christmas"},
        ok=201,
        outcomes=((Role.BRANCH_MANAGER, 409),),
    ),
    Route("GET", "/api/v1/auth/me", None),
    Route("GET", "/api/v1/auth/tokens", None),
    Route("DELETE", "/api/v1/auth/tokens/{token_id}", None, "token", ok=204),
]
# Appointments and events. The test bank's calendar opens on Mondays only and SLOT_DAY is one within
# the booking horizon. Where the first permitted role uses a row up (books the slot, cancels,
# reschedules, answers), the other permitted roles reach the workflow's 409.
SLOT_DAY = bookable_monday().isoformat()
THEN_409 = tuple((role, 409) for role in (Role.BRANCH_MANAGER, Role.RELATIONSHIP_MANAGER, Role.SERVICE_AGENT))
BOOKING = {"party_id": "{own_party}", "staff_id": "{own_rm}", "starts_at": f"{SLOT_DAY}T03:00:00Z"} | {
    "purpose": "investment_review"
}
EVENT = {"title": "Salon ({role})", "kind": "seminar", "capacity": 20} | {
    "starts_at": f"{SLOT_DAY}T06:00:00Z",
    "ends_at": f"{SLOT_DAY}T08:00:00Z",
}
# Rows that are not a customer's: every permitted role reaches the same one.
UNSCOPED_ROWS = (None, "calendar", "availability", "event")
ROUTES += [
    Route("GET", "/api/v1/appointments", P.CUSTOMER_READ),
    Route("POST", "/api/v1/appointments", P.CASE_WRITE, body=BOOKING, ok=201, outcomes=THEN_409),
    Route(
        "GET",
        "/api/v1/appointments/availability",
        P.CUSTOMER_READ,
        "availability",
        query=f"?staff_id={{own_rm}}&day={SLOT_DAY}",
    ),
    Route("GET", "/api/v1/appointments/{appointment_id}", P.CUSTOMER_READ, "appointment"),
    Route(
        "POST",
        "/api/v1/appointments/{appointment_id}/transitions",
        P.CASE_WRITE,
        "appointment",
        {"to": "cancelled"},
        outcomes=THEN_409,
    ),
    Route(
        "POST",
        "/api/v1/appointments/{appointment_id}/reschedule",
        P.CASE_WRITE,
        "appointment",
        {"starts_at": f"{SLOT_DAY}T02:00:00Z"},
        ok=201,
        outcomes=THEN_409,
    ),
    Route("GET", "/api/v1/events", P.CUSTOMER_READ),
    Route("POST", "/api/v1/events", P.CASE_WRITE, body=EVENT, ok=201),
    Route("GET", "/api/v1/events/{event_id}", P.CUSTOMER_READ, "event"),
    Route(
        "POST", "/api/v1/events/{event_id}/transitions", P.CASE_WRITE, "event", {"to": "cancelled"}, outcomes=THEN_409
    ),
    Route("GET", "/api/v1/events/{event_id}/invitations", P.CUSTOMER_READ, "event"),
    Route(
        "POST",
        "/api/v1/events/{event_id}/invitations",
        P.CASE_WRITE,
        "event",
        {"segmentation": "value_tier", "segment": "private"},
    ),
    Route(
        "POST",
        "/api/v1/events/{event_id}/invitations/{party_id}/rsvp",
        P.CASE_WRITE,
        "event_party",
        {"answer": "accepted"},
        outcomes=THEN_409,
    ),
    # The test bank's event has not started: attendance and follow-up reach the workflow's 409.
    Route("POST", "/api/v1/events/{event_id}/invitations/{party_id}/attendance", P.CASE_WRITE, "event_party", ok=409),
    Route("POST", "/api/v1/events/{event_id}/follow-up", P.CASE_WRITE, "event", ok=409),
]
PUBLIC = {("POST", "/api/v1/auth/tokens"), ("GET", "/health"), ("POST", "/api/v1/surveys/answers")}
# The assistant faces customers, not staff: a conversation's token (or WeChat's signature) is the
# credential, and the customer's own sign-in guards their money (tests/api/test_assistant_*.py).
PUBLIC |= {
    ("POST", "/api/v1/assistant/conversations"),
    ("POST", "/api/v1/assistant/conversations/sign-in"),
    ("POST", "/api/v1/assistant/conversations/messages"),
    ("GET", "/api/v1/assistant/conversations/messages"),
    ("POST", "/api/v1/assistant/conversations/close"),
    ("POST", "/api/v1/assistant/wechat"),
}


def test_the_matrix_covers_every_api_route(tmp_path):
    # given the application's OpenAPI document
    app = create_app(Settings(var_dir=tmp_path, environment="test"), bind=None)
    documented = {(m.upper(), p) for p, methods in app.openapi()["paths"].items() for m in methods}
    # then every documented operation is in the matrix or public, and nothing else is
    assert documented == {(r.method, r.template) for r in ROUTES} | PUBLIC


def _path(route: Route, world, role: Role, which: str) -> str:
    ids = world.ids
    if route.row == "party":
        return route.template.format(party_id=ids[f"{which}_party"])
    if route.row == "account":
        return route.template.format(account_id=ids[f"{which}_account"])
    if route.row == "case":
        return route.template.format(case_id=ids[f"{which}_case"])
    if route.row == "calendar":
        return route.template.format(calendar_id=ids["calendar"])
    if route.row == "token":
        owner = role if which == "own" else (Role.ADMIN if role is not Role.ADMIN else Role.AUDITOR)
        return route.template.format(token_id=ids[f"token_{owner.value}"])
    if route.row == "appointment":
        return route.template.format(appointment_id=ids[f"{which}_appointment"])
    if route.row == "event":
        return route.template.format(event_id=ids["event"])
    if route.row == "event_party":
        return route.template.format(event_id=ids["event"], party_id=ids[f"{which}_party"])
    if route.row == "availability":
        return route.template + route.query.format(**ids)
    return route.template + route.query


def _body(route: Route, role: Role, ids: dict[str, int]) -> dict[str, Any] | None:
    if route.body is None:
        return None
    body: dict[str, Any] = {}
    for key, value in route.body.items():
        if isinstance(value, str) and value.startswith("{") and value[1:-1] in ids:
            body[key] = ids[value[1:-1]]  # an id of the test bank
        else:
            body[key] = value.format(role=role.value) if isinstance(value, str) else value
    return body


def _expected(route: Route, role: Role, which: str) -> int:
    if route.permission is not None and route.permission not in ROLE_PERMISSIONS[role]:
        return 403
    if route.row == "token":
        manages = P.USER_MANAGE in ROLE_PERMISSIONS[role]
        return route.ok if which == "own" or manages else 404
    out_of_scope = route.row not in UNSCOPED_ROWS and which == "other" and ROLE_SCOPE[role] is not Scope.ALL
    if out_of_scope:
        return 404
    return dict(route.outcomes).get(role, route.ok)


@pytest.fixture
def analysed(analyse) -> None:
    """The analytics run once, so segment endpoints have a snapshot to read."""
    analyse(dt.date.fromisoformat(AS_OF))


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_each_role_gets_exactly_its_rows_and_permissions(client, world, route, request):
    if route.template.startswith("/api/v1/segments") or route.template.endswith(("/segments/history", "/features")):
        request.getfixturevalue("analysed")
    for which in ("own", "other") if route.row not in UNSCOPED_ROWS else ("own",):
        for role in Role:
            # when each role calls the endpoint on the row
            response = client.request(
                route.method,
                _path(route, world, role, which),
                json=_body(route, role, world.ids),
                headers=world.headers(role),
            )
            # then the status is exactly the one its permissions and scope allow
            expected = _expected(route, role, which)
            assert response.status_code == expected, (role, which, response.text)
            if expected == 403 and route.permission not in ROLE_PERMISSIONS[role]:
                assert response.json() == {
                    "code": "permission_denied",
                    "message": f"your role ({role.value}) may not use {route.permission}",
                    "details": {},
                }
            if expected == 404:
                assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_without_a_token_is_401(client, world, route):
    response = client.request(
        route.method, _path(route, world, Role.ADMIN, "own"), json=_body(route, Role.ADMIN, world.ids)
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_with_an_unknown_token_is_401(client, world, route):
    response = client.request(
        route.method,
        _path(route, world, Role.ADMIN, "own"),
        json=_body(route, Role.ADMIN, world.ids),
        headers={"Authorization": "Bearer gx_not-a-real-token"},
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "sign in again: this session or token is not valid",
        "details": {},
    }
