"""Hardening: security headers on every response, the request size limit, no internals in a 500,
and an API documentation page that needs no inline script and no other site."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from guanxi.api.hardening import CONTENT_SECURITY_POLICY
from guanxi.app import create_app
from guanxi.config import Settings

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
TOO_LARGE = {"code": "request_too_large", "message": "request body over 1000 bytes", "details": {"limit_bytes": 1000}}


def _app(bind: Connection, lake_root: Path, tmp_path: Path, **settings) -> FastAPI:
    return create_app(
        Settings(var_dir=tmp_path / "var", environment="test", **settings), bind=bind, lake_root=lake_root
    )


@pytest.fixture
def small(bind: Connection, lake_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app that accepts request bodies of at most 1000 bytes."""
    with TestClient(_app(bind, lake_root, tmp_path, max_request_bytes=1000), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def boom(bind: Connection, lake_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app with a route that fails unexpectedly; server errors become responses."""
    app = _app(bind, lake_root, tmp_path)

    def explode() -> dict:
        raise RuntimeError("secret detail: 王小明 +86 138 0013 8000")

    app.add_api_route("/boom", explode, methods=["GET"])
    app.add_api_route("/api/v1/boom", explode, methods=["GET"])
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def _assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/health", 200, "application/json"),
        ("/api/v1/auth/me", 401, "application/json"),
        ("/api/v1/no-such-endpoint", 404, "application/json"),
        ("/sign-in", 200, "text/html; charset=utf-8"),
        ("/docs", 200, "text/html; charset=utf-8"),
        ("/static/css/guanxi.css", 200, "text/css; charset=utf-8"),
        ("/static/swagger-init.js", 200, "text/javascript; charset=utf-8"),
        ("/no-such-page", 404, "application/json"),
        ("/static/no-such-file.css", 404, "application/json"),
    ],
)
def test_every_response_carries_the_security_headers(client, path, status, content_type):
    # when anything is fetched: JSON, a page, a static file, something missing
    response = client.get(path)
    # then it carries the security headers
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    _assert_security_headers(response)


def test_api_responses_are_not_cached(client):
    for path in ("/api/v1/auth/me", "/api/v1/no-such-endpoint"):
        response = client.get(path)
        assert response.headers["cache-control"] == "no-store", path


def test_pages_keep_their_own_caching(client):
    # a static file is not an API response, so it may be cached
    response = client.get("/static/css/guanxi.css")
    assert response.headers.get("cache-control") != "no-store"


def test_each_response_has_its_own_request_id(client):
    first, second = client.get("/health"), client.get("/health")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_a_declared_body_over_the_limit_is_413(small):
    # when a body of 1001 bytes is sent with its Content-Length
    response = small.post("/api/v1/auth/tokens", content=b"x" * 1001, headers={"Content-Type": "application/json"})
    # then it is refused before it is read
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_413_carries_the_security_headers(small):
    # when a body over the limit is refused
    response = small.post("/api/v1/auth/tokens", content=b"x" * 1001, headers={"Content-Type": "application/json"})
    # then the refusal is hardened like every other response
    assert response.status_code == 413
    _assert_security_headers(response)
    assert response.headers["cache-control"] == "no-store"


def test_a_body_at_the_limit_is_read(small):
    # when a body of exactly 1000 bytes is sent
    body = b'{"username": "nobody", "password": "' + b"p" * 962 + b'"}'
    assert len(body) == 1000
    response = small.post("/api/v1/auth/tokens", content=body, headers={"Content-Type": "application/json"})
    # then it gets as far as the credentials check (the password is over its length limit)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_a_streamed_body_over_the_limit_is_413(small):
    # when a body without Content-Length (chunked) grows past the limit
    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b"x" * 100

    response = small.post("/api/v1/auth/tokens", content=chunks(), headers={"Content-Type": "application/json"})
    # then it is refused as too large, not as a malformed body
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_streamed_body_over_the_limit_is_413_on_a_form_too(small):
    # when a chunked form post grows past the limit
    def chunks() -> Iterator[bytes]:
        yield b"username=a&password="
        for _ in range(11):
            yield b"p" * 100

    response = small.post("/sign-in", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    # then it is refused as too large
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_an_unexpected_error_is_500_without_internals(boom, caplog):
    # when a route fails unexpectedly
    with caplog.at_level(logging.ERROR, logger="guanxi.http"):
        response = boom.get("/api/v1/boom")
    # then the client gets a generic 500 naming the request, and nothing of the error
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "code": "internal_error",
        "message": "something went wrong on our side; the error has been logged",
        "details": {"request_id": body["details"]["request_id"]},
    }
    assert re.fullmatch(r"[0-9a-f]{16}", body["details"]["request_id"])
    for leak in ("secret detail", "RuntimeError", "Traceback", "王小明", "138"):
        assert leak not in response.text
    # and the log names the error type and the request, never the error's text
    records = [r for r in caplog.records if r.name == "guanxi.http"]
    assert [r.levelno for r in records] == [logging.ERROR]
    message = records[0].getMessage()
    assert message == f"unexpected RuntimeError on GET /api/v1/boom (request {body['details']['request_id']})"
    assert "secret detail" not in caplog.text
    assert "王小明" not in caplog.text
    assert records[0].exc_info is None


def test_a_500_carries_the_security_headers_and_its_request_id(boom):
    # when a route fails unexpectedly
    response = boom.get("/api/v1/boom")
    # then the error response is hardened like every other, and its id is the one in the body
    assert response.status_code == 500
    _assert_security_headers(response)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-request-id"] == response.json()["details"]["request_id"]


def test_the_error_is_not_handed_on_to_the_server(bind, lake_root, tmp_path):
    # given the app with a failing route, under a client that re-raises what the app lets escape
    app = _app(bind, lake_root, tmp_path)

    def explode() -> dict:
        raise RuntimeError("secret detail")

    app.add_api_route("/api/v1/boom", explode, methods=["GET"])
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=True) as strict:
        # when the route fails
        response = strict.get("/api/v1/boom")
    # then the app answered 500 itself and let nothing escape: a server such as uvicorn would
    # otherwise log the whole traceback, exception text ("secret detail") included
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"


def test_a_500_outside_the_api_is_generic_too(boom):
    response = boom.get("/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "secret detail" not in response.text


def test_the_docs_page_has_no_inline_script_and_no_other_host(client):
    # when the API documentation page is fetched
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    # then every script is a file of this site
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S | re.I)
    assert len(scripts) == 2
    for attributes, inline in scripts:
        assert re.search(r'\bsrc="/[^/]', attributes), attributes
        assert inline.strip() == ""
    # and nothing is loaded from another host, nor any inline handler or style used
    references = re.findall(r'\b(?:src|href)="([^"]*)"', html)
    assert references
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
    assert "http://" not in html
    assert "https://" not in html
    assert not re.search(r"\son[a-z]+=", html, flags=re.I)
    assert "<style" not in html.lower()
    # and what it references is served
    for ref in references:
        assert client.get(ref).status_code == 200, ref


def test_the_openapi_document_is_served_under_the_policy(client):
    # the docs page's script reads the OpenAPI document from this site
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Guanxi API"
    _assert_security_headers(response)
