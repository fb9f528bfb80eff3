"""Every protected endpoint: refused without credentials, refused with wrong ones, and allowed
exactly for the roles that hold its permission."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from factories import make_account, make_party, make_product
from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.security.permissions import ROLE_PERMISSIONS, Permission, Role

# (path template, permission). The test below also checks that this list covers the API.
PROTECTED = [
    ("/api/v1/parties", Permission.PARTIES_READ),
    ("/api/v1/parties/{party_id}", Permission.PARTIES_READ),
    ("/api/v1/parties/{party_id}/accounts", Permission.ACCOUNTS_READ),
    ("/api/v1/accounts/{account_id}", Permission.ACCOUNTS_READ),
    ("/api/v1/accounts/{account_id}/transactions", Permission.TRANSACTIONS_READ),
    ("/api/v1/products", Permission.PRODUCTS_READ),
    ("/api/v1/branches", Permission.BRANCHES_READ),
    ("/api/v1/ingest/runs", Permission.INGEST_READ),
]
PUBLIC = {"/health"}


def test_the_matrix_covers_every_api_route(tmp_path):
    app = create_app(Settings(var_dir=tmp_path, environment="test"), bind=None)
    paths = app.openapi()["paths"]
    assert set(paths) == {p for p, _ in PROTECTED} | PUBLIC
    assert all(set(methods) == {"get"} for methods in paths.values())


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    with session.begin():
        party = make_party(session)
        account = make_account(session, party, make_product(session))
        return {"party_id": party.id, "account_id": account.id}


@pytest.mark.parametrize(("template", "permission"), PROTECTED)
def test_without_credentials_is_401(client, ids, template, permission):
    response = client.get(template.format(**ids))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Basic"


@pytest.mark.parametrize(("template", "permission"), PROTECTED)
def test_with_a_wrong_password_is_401(client, users, ids, template, permission):
    username, _ = users[Role.ADMIN]
    response = client.get(template.format(**ids), auth=(username, "not-the-password"))
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "wrong user name or password",
        "details": {},
    }


@pytest.mark.parametrize(("template", "permission"), PROTECTED)
def test_each_role_gets_exactly_its_permissions(client, users, ids, template, permission):
    for role, credentials in users.items():
        response = client.get(template.format(**ids), auth=credentials)
        if permission in ROLE_PERMISSIONS[role]:
            assert response.status_code == 200, (role, response.text)
        else:
            assert response.status_code == 403, role
            assert response.json()["code"] == "permission_denied"
            assert response.json()["message"] == f"your role ({role.value}) may not {permission.value}"
