"""The authorisation matrix: every endpoint × every role × a row in scope ("own") and one out of
scope ("other"), each with its exact status. A new endpoint without an entry fails the first test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

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


REVEAL = {"fields": ["all"], "reason": "customer called about a payment"}
CONSENT = {"purpose": "marketing", "channel": "sms", "status": "withdrawn", "captured_via": "phone"}
ERASE = {"reason": "DSR-2026-0042"}
RULE = {"name": "rich and offline ({role})", "expression": "aum >= 0 and digital_share < 0.5"}
AS_OF = "2026-11-01"

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
    Route("GET", "/api/v1/auth/me", None),
    Route("GET", "/api/v1/auth/tokens", None),
    Route("DELETE", "/api/v1/auth/tokens/{token_id}", None, "token", ok=204),
]
PUBLIC = {("POST", "/api/v1/auth/tokens"), ("GET", "/health")}


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
    if route.row == "token":
        owner = role if which == "own" else (Role.ADMIN if role is not Role.ADMIN else Role.AUDITOR)
        return route.template.format(token_id=ids[f"token_{owner.value}"])
    return route.template + route.query


def _body(route: Route, role: Role) -> dict[str, Any] | None:
    if route.body is None:
        return None
    return {k: v.format(role=role.value) if isinstance(v, str) else v for k, v in route.body.items()}


def _expected(route: Route, role: Role, which: str) -> int:
    if route.permission is not None and route.permission not in ROLE_PERMISSIONS[role]:
        return 403
    if route.row == "token":
        manages = P.USER_MANAGE in ROLE_PERMISSIONS[role]
        return route.ok if which == "own" or manages else 404
    if route.row is not None and which == "other" and ROLE_SCOPE[role] is not Scope.ALL:
        return 404
    return route.ok


@pytest.fixture
def analysed(analyse) -> None:
    """The analytics run once, so segment endpoints have a snapshot to read."""
    analyse(dt.date.fromisoformat(AS_OF))


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_each_role_gets_exactly_its_rows_and_permissions(client, world, route, request):
    if route.template.startswith("/api/v1/segments") or route.template.endswith(("/segments/history", "/features")):
        request.getfixturevalue("analysed")
    for which in ("own", "other") if route.row else ("own",):
        for role in Role:
            # when each role calls the endpoint on the row
            response = client.request(
                route.method, _path(route, world, role, which), json=_body(route, role), headers=world.headers(role)
            )
            # then the status is exactly the one its permissions and scope allow
            expected = _expected(route, role, which)
            assert response.status_code == expected, (role, which, response.text)
            if expected == 403:
                assert response.json() == {
                    "code": "permission_denied",
                    "message": f"your role ({role.value}) may not use {route.permission}",
                    "details": {},
                }
            if expected == 404:
                assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_without_a_token_is_401(client, world, route):
    response = client.request(route.method, _path(route, world, Role.ADMIN, "own"), json=_body(route, Role.ADMIN))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_with_an_unknown_token_is_401(client, world, route):
    response = client.request(
        route.method,
        _path(route, world, Role.ADMIN, "own"),
        json=_body(route, Role.ADMIN),
        headers={"Authorization": "Bearer gx_not-a-real-token"},
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "sign in again: this session or token is not valid",
        "details": {},
    }
