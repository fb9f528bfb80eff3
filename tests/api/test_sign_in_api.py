"""The sign-in API: exchanging credentials for a token, who am I, the rate limit, revoking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from guanxi.app import create_app
from guanxi.clock import frozen_at
from guanxi.config import Settings
from guanxi.security.service import SYSTEM, create_user

PASSWORD = "Correct-Horse-Battery-9"
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)
WRONG_BODY = {"code": "authentication_failed", "message": "wrong user name or password", "details": {}}
SERVICE_AGENT_PERMISSIONS = [
    "account.read",
    "branch.read",
    "card.manage",
    "case.read",
    "case.write",
    "consent.read",
    "consent.write",
    "contact.write",
    "customer.read",
    "product.read",
    "transaction.read",
]


@pytest.fixture
def agent(session: Session) -> str:
    """A service agent not tied to staff."""
    with session.begin():
        create_user(
            session=session,
            actor=SYSTEM,
            username="agent-wu",
            display_name="Wu",
            role="service_agent",
            password=PASSWORD,
        )
    return "agent-wu"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, at: float = 1000.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def limited(bind: Connection, lake_root: Path, tmp_path: Path) -> Iterator[tuple[TestClient, FakeClock]]:
    """A client of an app that allows three sign-in attempts a minute, on a clock the test moves."""
    settings = Settings(var_dir=tmp_path / "var", environment="test", sign_in_attempts_per_minute=3)
    app = create_app(settings, bind=bind, lake_root=lake_root)
    assert app.state.sign_in_limiter.limit == 3
    clock = FakeClock()
    app.state.sign_in_limiter.clock = clock
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client, clock


def _credentials(username: str, password: str = PASSWORD, **extra) -> dict:
    return {"username": username, "password": password, **extra}


def test_a_token_is_issued_for_good_credentials_and_works(client, agent):
    # when the agent asks for a token
    with frozen_at(T0):
        response = client.post("/api/v1/auth/tokens", json=_credentials(agent, name="reports"))
    # then it is issued, valid for the configured 30 days
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "token_id", "token_type", "expires_at"}
    assert body["token"].startswith("gx_")
    assert body["token_type"] == "bearer"
    assert dt.datetime.fromisoformat(body["expires_at"]) == T0 + dt.timedelta(days=30)
    # and it signs the agent in, with their role, scope and exactly their permissions
    with frozen_at(T0 + dt.timedelta(minutes=5)):
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "username": "agent-wu",
        "role": "service_agent",
        "scope": "case_team",
        "permissions": SERVICE_AGENT_PERMISSIONS,
        "staff_id": None,
        "branch_id": None,
        "team_id": None,
    }


def test_the_token_lists_among_the_users_tokens_without_its_secret(client, agent):
    # given a token issued over the API with a name and a lifetime
    body = client.post("/api/v1/auth/tokens", json=_credentials(agent, name="reports", days=7)).json()
    # when the user lists their tokens
    response = client.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {body['token']}"})
    # then it is there, named, without the secret or its digest
    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["kind"], row["name"], row["revoked_at"]) == (body["token_id"], "api", "reports", None)
    assert set(row) == {"id", "kind", "name", "created_at", "expires_at", "last_used_at", "revoked_at"}
    created = dt.datetime.fromisoformat(row["created_at"])
    assert dt.datetime.fromisoformat(row["expires_at"]) - created == dt.timedelta(days=7)


def test_a_wrong_password_is_401_with_the_exact_body(client, agent):
    # when the password is wrong
    response = client.post("/api/v1/auth/tokens", json=_credentials(agent, "Not-The-Password-1"))
    # then the answer does not say which part was wrong
    assert response.status_code == 401
    assert response.json() == WRONG_BODY
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_user_gets_the_same_401(client, agent):
    response = client.post("/api/v1/auth/tokens", json=_credentials("nobody"))
    assert response.status_code == 401
    assert response.json() == WRONG_BODY


def test_a_locked_account_says_when_to_retry(client, agent):
    # given five wrong passwords in a row at T0
    with frozen_at(T0):
        for _ in range(5):
            wrong = client.post("/api/v1/auth/tokens", json=_credentials(agent, "Not-The-Password-1"))
            assert wrong.status_code == 401
    # when the right password is given 15 seconds into the one-minute lock
    with frozen_at(T0 + dt.timedelta(seconds=15)):
        response = client.post("/api/v1/auth/tokens", json=_credentials(agent))
    # then it is refused, with when to try again in the body and in Retry-After
    assert response.status_code == 401
    assert response.json() == {
        "code": "account_locked",
        "message": "too many failed sign-ins: try again later",
        "details": {"retry_after_seconds": 46},
    }
    assert response.headers["retry-after"] == "46"


def test_the_fourth_attempt_in_a_minute_is_429_with_retry_after(limited, agent):
    client, clock = limited
    # given three failed attempts from one address, five seconds apart
    for _ in range(3):
        assert client.post("/api/v1/auth/tokens", json=_credentials(agent, "Not-The-Password-1")).status_code == 401
        clock.at += 5
    # when a fourth attempt comes, even with the right password
    response = client.post("/api/v1/auth/tokens", json=_credentials(agent))
    # then it is refused before the credentials are looked at, with how long to wait
    assert response.status_code == 429
    assert response.json() == {
        "code": "too_many_requests",
        "message": "too many attempts: wait a moment and try again",
        "details": {"retry_after_seconds": 46},
    }
    assert response.headers["retry-after"] == "46"
    # when the minute since the first attempt has passed, then the next attempt goes through
    clock.at = 1000.0 + 60
    assert client.post("/api/v1/auth/tokens", json=_credentials(agent)).status_code == 201


def test_the_rate_limit_counts_successful_attempts_too(limited, agent):
    client, _clock = limited
    # given three successful sign-ins
    for _ in range(3):
        assert client.post("/api/v1/auth/tokens", json=_credentials(agent)).status_code == 201
    # when a fourth comes within the minute, then it is refused
    response = client.post("/api/v1/auth/tokens", json=_credentials(agent))
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"


def test_a_revoked_own_token_no_longer_works(client, agent):
    # given a token
    body = client.post("/api/v1/auth/tokens", json=_credentials(agent)).json()
    auth = {"Authorization": f"Bearer {body['token']}"}
    # when the user revokes it with itself
    response = client.delete(f"/api/v1/auth/tokens/{body['token_id']}", headers=auth)
    # then it is revoked
    assert response.status_code == 204
    assert response.content == b""
    # and using it again is refused
    again = client.get("/api/v1/auth/me", headers=auth)
    assert again.status_code == 401
    assert again.json() == {
        "code": "authentication_failed",
        "message": "sign in again: this session or token is not valid",
        "details": {},
    }


def test_another_users_token_cannot_be_revoked(client, agent, session):
    # given a second user with a token
    with session.begin():
        create_user(
            session=session,
            actor=SYSTEM,
            username="agent-he",
            display_name="He",
            role="service_agent",
            password=PASSWORD,
        )
    mine = client.post("/api/v1/auth/tokens", json=_credentials(agent)).json()
    theirs = client.post("/api/v1/auth/tokens", json=_credentials("agent-he")).json()
    # when the agent tries to revoke the other user's token
    response = client.delete(
        f"/api/v1/auth/tokens/{theirs['token_id']}", headers={"Authorization": f"Bearer {mine['token']}"}
    )
    # then it is as if it did not exist, and it still works
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {theirs['token']}"}).status_code == 200


def test_no_credentials_is_401_not_authenticated(client):
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "sign in first: send an API token as 'Authorization: Bearer <token>'",
        "details": {},
    }
