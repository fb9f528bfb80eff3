"""Browser sessions: the sign-in form, the session cookie, safe redirects, CSRF on sign-out and on
cookie-authenticated API writes, and the audit page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import make_party
from guanxi.api.csrf import csrf_token
from guanxi.audit.models import AuditEvent
from guanxi.config import get_settings
from guanxi.security import auth
from guanxi.security.models import AuthToken
from guanxi.security.service import SYSTEM, create_user

PASSWORD = "Correct-Horse-Battery-9"
CSRF_PAGE = '<code translate="no">csrf_failed</code>'
CSRF_FAILED = {
    "code": "csrf_failed",
    "message": "this form has expired or did not come from Guanxi: reload the page and try again",
    "details": {},
}
CONSENT = {"purpose": "marketing", "channel": "sms", "status": "withdrawn", "captured_via": "phone"}


@pytest.fixture
def users(session: Session) -> dict[str, str]:
    """A compliance officer, an auditor and a relationship manager (not tied to staff)."""
    names = {"compliance_officer": "chen", "auditor": "audrey", "relationship_manager": "rm-lin"}
    with session.begin():
        for role, username in names.items():
            create_user(
                session=session, actor=SYSTEM, username=username, display_name=username, role=role, password=PASSWORD
            )
    return names


def _set_cookies(response) -> dict[str, str]:
    """The raw Set-Cookie headers of a response, by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


def _attributes(set_cookie: str) -> dict[str, str]:
    """The attributes of one Set-Cookie header, names in lower case ("httponly": "")."""
    out = {}
    for part in set_cookie.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        out[name.lower()] = value
    return out


def _sign_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/"):
    """Fetch the form (which sets the pre-session cookie) and submit it."""
    page = client.get("/sign-in", params={"next": next})
    assert page.status_code == 200
    pre = client.cookies.get("guanxi_pre")
    assert pre is not None
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "pre_token": pre, "next": next},
        follow_redirects=False,
    )


def _session_token(client: TestClient) -> str:
    token = client.cookies.get("guanxi_session")
    assert token is not None
    return token


def test_the_sign_in_page_sets_the_pre_session_cookie_and_puts_it_in_the_form(client):
    # when the sign-in page is fetched
    response = client.get("/sign-in")
    # then it sets an HTTP-only, strict pre-session cookie whose value the form carries
    assert response.status_code == 200
    cookie = _set_cookies(response)["guanxi_pre"]
    attributes = _attributes(cookie)
    assert {"httponly", "secure"} <= set(attributes)
    assert attributes["samesite"].lower() == "strict"
    pre = client.cookies.get("guanxi_pre")
    assert f'name="pre_token" value="{pre}"' in response.text


def test_good_credentials_open_a_session_in_a_strict_http_only_secure_cookie(client, users):
    # when the compliance officer signs in, asking for the audit page
    response = _sign_in(client, "chen", next="/audit")
    # then they are sent on to the page they asked for
    assert response.status_code == 303
    assert response.headers["location"] == "/audit"
    # and the session travels in an HTTP-only, Secure, SameSite=Strict cookie for the whole site
    cookies = _set_cookies(response)
    session_cookie = cookies["guanxi_session"]
    attributes = _attributes(session_cookie)
    assert {"httponly", "secure"} <= set(attributes)
    assert attributes["samesite"].lower() == "strict"
    assert attributes["path"] == "/"
    assert attributes["max-age"] == str(get_settings().session_max_hours * 3600)
    # and the pre-session cookie is removed
    assert _attributes(cookies["guanxi_pre"])["max-age"] == "0"
    # and the home page greets them
    home = client.get("/")
    assert home.status_code == 200
    assert 'Welcome, <span translate="no">chen</span>' in home.text
    assert "compliance officer" in home.text


def test_the_session_is_an_ordinary_session_token_of_the_user(client, users, session):
    # given a signed-in browser
    _sign_in(client, "chen")
    token = _session_token(client)
    # then its cookie holds a session token of that user (an API token would not do)
    actor = auth.authenticate_token(session=session, settings=get_settings(), token=token, kinds=("session",))
    session.rollback()
    assert (actor.username, actor.role) == ("chen", "compliance_officer")


def test_home_without_a_session_redirects_to_sign_in(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/"


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example", "///evil.example", "/\\evil.example", "http:/evil.example"]
)
def test_next_never_leaves_the_site(client, users, target):
    # when a sign-in link carries another site as "next"
    response = _sign_in(client, "chen", next=target)
    # then the browser lands on the home page
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_the_form_does_not_echo_an_external_next(client):
    # when the sign-in page is opened with another site as "next"
    response = client.get("/sign-in", params={"next": "https://evil.example"})
    # then the form goes on to "/" instead
    assert 'name="next" value="/"' in response.text
    assert "evil.example" not in response.text


def test_a_bad_password_shows_the_error_and_opens_no_session(client, users):
    # when the password is wrong
    response = _sign_in(client, "chen", password="Not-The-Password-1")
    # then the form comes back with the error, a fresh pre-session cookie and no session
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text
    cookies = _set_cookies(response)
    assert "guanxi_session" not in cookies
    assert "guanxi_pre" in cookies
    assert client.cookies.get("guanxi_session") is None
    # and the user name is kept, the password is not
    assert 'value="chen"' in response.text
    assert "Not-The-Password-1" not in response.text


def test_posting_without_the_pre_session_cookie_says_the_form_has_expired(client, users):
    # given a form fetched earlier, whose cookie the browser no longer has
    client.get("/sign-in")
    pre = client.cookies.get("guanxi_pre")
    client.cookies.clear()
    # when it is submitted with good credentials
    response = client.post(
        "/sign-in",
        data={"username": "chen", "password": PASSWORD, "pre_token": pre, "next": "/"},
        follow_redirects=False,
    )
    # then it is refused as expired, without even checking the password
    assert response.status_code == 401
    assert "This form has expired. Please try again." in response.text
    assert "guanxi_session" not in _set_cookies(response)


def test_a_pre_token_that_does_not_match_the_cookie_is_refused(client, users):
    # given the form's cookie, and a token from elsewhere
    client.get("/sign-in")
    # when the form is posted with another pre_token
    response = client.post(
        "/sign-in",
        data={"username": "chen", "password": PASSWORD, "pre_token": "forged", "next": "/"},
        follow_redirects=False,
    )
    # then it is refused as expired
    assert response.status_code == 401
    assert "This form has expired. Please try again." in response.text
    assert "guanxi_session" not in _set_cookies(response)


def test_the_page_carries_the_sessions_csrf_token(client, users):
    # given a signed-in browser
    _sign_in(client, "chen")
    token = _session_token(client)
    # when a page is shown, then its sign-out form carries the session's CSRF token
    home = client.get("/")
    expected = csrf_token(get_settings().secret_key, token)
    assert f'name="csrf_token" value="{expected}"' in home.text


def test_sign_out_without_the_csrf_token_is_refused_and_the_session_lives_on(client, users):
    # given a signed-in browser
    _sign_in(client, "chen")
    # when sign-out is posted without a CSRF token (as a forged form on another site would)
    response = client.post("/sign-out", data={}, follow_redirects=False)
    # then it is refused as a CSRF failure, on an error page
    assert response.status_code == 403
    assert CSRF_PAGE in response.text
    # and the session still works
    assert client.get("/").status_code == 200


def test_sign_out_with_a_wrong_csrf_token_is_refused(client, users):
    # given a signed-in browser
    _sign_in(client, "chen")
    # when sign-out is posted with a token that is not the session's
    response = client.post("/sign-out", data={"csrf_token": "not-the-token"}, follow_redirects=False)
    # then it is refused and the session still works
    assert response.status_code == 403
    assert CSRF_PAGE in response.text
    assert client.get("/").status_code == 200


def test_sign_out_with_the_csrf_token_revokes_the_session(client, users, session):
    # given a signed-in browser
    _sign_in(client, "chen")
    token = _session_token(client)
    # when sign-out is posted with the session's CSRF token
    response = client.post(
        "/sign-out", data={"csrf_token": csrf_token(get_settings().secret_key, token)}, follow_redirects=False
    )
    # then the browser goes to the sign-in page and forgets the cookie
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    assert _attributes(_set_cookies(response)["guanxi_session"])["max-age"] == "0"
    # and the token itself is revoked: presented again, it does not open the home page
    with session.begin():
        row = session.scalars(select(AuthToken).where(AuthToken.digest == auth.digest(token))).one()
        assert row.revoked_at is not None
    client.cookies.set("guanxi_session", token, domain="testserver")
    again = client.get("/", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/sign-in?next=/"


def test_a_cookie_authenticated_api_write_needs_the_csrf_header(client, users, session):
    # given a customer and a signed-in browser
    with session.begin():
        party = make_party(session)
    _sign_in(client, "chen")
    token = _session_token(client)
    url = f"/api/v1/parties/{party.id}/consents"
    # when the API is written to with the cookie only
    response = client.post(url, json=CONSENT)
    # then it is refused
    assert response.status_code == 403
    assert response.json() == CSRF_FAILED
    # when the header carries a CSRF token of another session, then it is refused too
    other = client.post(url, json=CONSENT, headers={"X-CSRF-Token": csrf_token(get_settings().secret_key, "gx_x")})
    assert other.status_code == 403
    assert other.json() == CSRF_FAILED
    # when it carries the session's CSRF token, then the write goes through
    ok = client.post(url, json=CONSENT, headers={"X-CSRF-Token": csrf_token(get_settings().secret_key, token)})
    assert ok.status_code == 201
    assert (ok.json()["purpose"], ok.json()["status"]) == ("marketing", "withdrawn")


def test_a_cookie_authenticated_api_read_needs_no_csrf_header(client, users, session):
    # given a customer and a signed-in browser
    with session.begin():
        party = make_party(session)
    _sign_in(client, "chen")
    # when the API is read with the cookie only, then it answers
    response = client.get(f"/api/v1/parties/{party.id}/consents")
    assert response.status_code == 200
    assert response.json()["party_id"] == party.id


def _audit_count(session: Session) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_the_auditor_sees_the_audit_log_and_can_verify_the_chain(client, users, session):
    # given a signed-in auditor
    _sign_in(client, "audrey")
    # when they open the audit page
    page = client.get("/audit")
    # then the entries are listed, their own sign-in among them
    assert page.status_code == 200
    assert "auth.session_opened" in page.text
    assert "user.create" in page.text
    total = _audit_count(session)
    assert f'<p>Entries: <span translate="no">{total:,}</span></p>' in page.text
    assert '<a href="/audit" aria-current="page">Audit log</a>' in page.text
    # when they ask for the chain to be verified
    checked = client.get("/audit", params={"verify": "true"})
    # then the page says it is intact, naming how many entries were checked
    assert checked.status_code == 200
    match = re.search(
        r'The audit chain is intact. Entries verified: <span translate="no">([\d,]+)</span>', checked.text
    )
    assert match is not None
    assert int(match.group(1).replace(",", "")) == _audit_count(session)


def test_the_audit_page_filters_by_action(client, users):
    # given a signed-in auditor
    _sign_in(client, "audrey")
    # when they search for sign-ins only
    page = client.get("/audit", params={"action": "auth.session_opened"})
    # then only those are listed
    assert page.status_code == 200
    assert "auth.session_opened" in page.text
    assert "<td>user.create</td>" not in page.text


def test_a_relationship_manager_may_not_open_the_audit_page(client, users):
    # given a signed-in relationship manager
    _sign_in(client, "rm-lin")
    # when they open the audit page
    response = client.get("/audit")
    # then it is refused, on an error page in the user's language
    assert response.status_code == 403
    assert "Your role may not do this." in response.text
    assert '<code translate="no">permission_denied</code>' in response.text
    # and their pages do not offer it
    assert '<a href="/audit">' not in client.get("/").text


def test_the_audit_page_without_a_session_goes_to_sign_in(client):
    response = client.get("/audit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/audit"
