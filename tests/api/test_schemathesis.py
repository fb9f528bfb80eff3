"""Property-based API testing: schemathesis generates requests from the OpenAPI document and
checks that no response is a server error and every response matches its documented schema.

Bounded: a fixed number of examples per operation, derandomised so every run sends the same
requests. The user is an administrator (every permission, every row) so the deepest code runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from factories import make_account, make_contact, make_document, make_party, make_product
from guanxi.app import create_app
from guanxi.config import Settings, get_settings
from guanxi.db import make_engine
from guanxi.security import auth
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM, create_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 25

config = schemathesis.Config.from_dict(
    {
        # A hung request fails the run; a busy CI machine must not (timings are for bench/).
        "request-timeout": 60,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)


def _document() -> dict:
    # The schema only: an app on an empty in-memory database is enough to describe the API.
    settings = Settings(environment="development", database_url="sqlite:///:memory:")
    return create_app(settings, bind=make_engine("sqlite:///:memory:")).openapi()


# Revoking tokens would revoke the test's own token and leave the rest of the run unauthenticated.
schema = schemathesis.openapi.from_dict(_document(), config=config).exclude(
    method="DELETE", path="/api/v1/auth/tokens/{token_id}"
)


@pytest.fixture
def api(bind: Connection, session: Session, lake_root: Path, tmp_path: Path) -> Iterator[tuple[FastAPI, str]]:
    """The app on the test transaction, a few customers, and an administrator's token."""
    with session.begin():
        product = make_product(session)
        for n in range(3):
            party = make_party(session, full_name=f"Customer {n}")
            make_contact(session, party, kind="phone", value=f"1380000000{n}")
            make_document(session, party, number=f"A12345{n}(7)")
            make_account(session, party, product)
        create_user(
            session=session,
            actor=SYSTEM,
            username="fuzzer",
            display_name="fuzzer",
            role=Role.ADMIN,
            password="Fuzz-the-API-2026",
        )
        token = auth.issue_api_token(
            session=session, settings=get_settings(), actor=SYSTEM, username="fuzzer", name="schemathesis"
        ).token
    app = create_app(Settings(var_dir=tmp_path / "var", environment="test"), bind=bind, lake_root=lake_root)
    yield app, token


@schema.parametrize()
# The app and its data are shared by the examples of one operation, on purpose: they run inside
# the test's transaction, which is rolled back afterwards.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_server_error_and_every_response_matches_the_schema(case, api):
    app, token = api
    # when schemathesis sends its generated request as the administrator
    response = case.call_and_validate(checks=CHECKS, app=app, headers={"Authorization": f"Bearer {token}"})
    # then (checked above) no 5xx and the response matches the document; and the token was accepted
    assert response.status_code != 401 or case.path == "/api/v1/auth/tokens", response.text
