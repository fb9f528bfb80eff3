"""Personal data at rest: the vault's encryption, masks and blind indexes, and the acceptance test
"PII never appears in plaintext in the database file, logs or error messages".
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from backends import PG_URL, REQUIRE_PG
from extracts import canonical_rows, write_canonical
from factories import vault
from guanxi.app import create_app
from guanxi.audit.models import AuditEvent
from guanxi.config import Settings, get_settings
from guanxi.db import make_engine, session_factory, unit_of_work
from guanxi.ingest.mapping import builtin_mapping
from guanxi.ingest.service import IngestReport, ingest_extract
from guanxi.migrate import upgrade
from guanxi.parties.models import ContactPoint, IdentityDocument, Party
from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
from guanxi.security import auth
from guanxi.security.permissions import Role
from guanxi.security.pii import (
    DecryptionFailed,
    KeyUnavailable,
    Vault,
    derive_key,
    mask,
    mask_date,
)
from guanxi.security.service import SYSTEM, create_user

WITHHELD = "[personal data withheld]"
PASSWORD = "Correct-Horse-Battery-9"


# == the vault ==================================================================================
def test_a_value_encrypts_and_decrypts_back():
    # given a customer's data key
    keys = vault()
    dek, wrapped = keys.new_data_key()
    # when a phone number is encrypted for its column
    blob = keys.encrypt(dek, "13812345678", CONTACT_COLUMN)
    # then the ciphertext does not hold it, and it decrypts back exactly
    assert b"13812345678" not in blob
    assert keys.decrypt(dek, blob, CONTACT_COLUMN) == "13812345678"
    # and the wrapped key opens back to the same data key
    assert keys.unwrap(wrapped) == dek


def test_encrypting_twice_gives_different_ciphertexts():
    keys = vault()
    dek, _ = keys.new_data_key()
    first, second = keys.encrypt(dek, "王小明", CONTACT_COLUMN), keys.encrypt(dek, "王小明", CONTACT_COLUMN)
    assert first != second
    assert keys.decrypt(dek, first, CONTACT_COLUMN) == keys.decrypt(dek, second, CONTACT_COLUMN) == "王小明"


@pytest.mark.parametrize("other_column", [DOCUMENT_COLUMN, BIRTH_DATE_COLUMN, "contact_points.label"])
def test_a_ciphertext_moved_to_another_column_does_not_open(other_column):
    # given a phone number encrypted for the contact column
    keys = vault()
    dek, _ = keys.new_data_key()
    blob = keys.encrypt(dek, "13812345678", CONTACT_COLUMN)
    # when it is decrypted as another column's value
    with pytest.raises(DecryptionFailed) as failure:
        keys.decrypt(dek, blob, other_column)
    # then it fails to authenticate
    assert failure.value.message == "ciphertext does not authenticate under this key"
    assert failure.value.code == "decryption_failed"


def test_another_customers_key_does_not_open_a_value():
    keys = vault()
    dek, _ = keys.new_data_key()
    other_dek, _ = keys.new_data_key()
    blob = keys.encrypt(dek, "13812345678", CONTACT_COLUMN)
    with pytest.raises(DecryptionFailed, match="ciphertext does not authenticate under this key"):
        keys.decrypt(other_dek, blob, CONTACT_COLUMN)


def test_a_tampered_ciphertext_does_not_open():
    keys = vault()
    dek, _ = keys.new_data_key()
    blob = bytearray(keys.encrypt(dek, "13812345678", CONTACT_COLUMN))
    blob[-1] ^= 0x01
    with pytest.raises(DecryptionFailed, match="ciphertext does not authenticate under this key"):
        keys.decrypt(dek, bytes(blob), CONTACT_COLUMN)


def test_something_that_is_not_a_ciphertext_does_not_open():
    keys = vault()
    dek, _ = keys.new_data_key()
    with pytest.raises(DecryptionFailed, match=r"not a Guanxi ciphertext \(unknown format\)"):
        keys.decrypt(dek, b"13812345678", CONTACT_COLUMN)


def _keyring(pii_key: str, previous: tuple[str, ...] = ()) -> Vault:
    return Vault.from_settings(
        Settings(environment="test", pii_key=pii_key, pii_previous_keys=list(previous), pii_index_key="index-key")
    )


def test_unwrapping_needs_the_kek_that_wrapped_the_key():
    # given a data key wrapped under the old KEK
    old = _keyring("old-pii-key")
    dek, wrapped = old.new_data_key()
    # when the keyring holds only the new KEK
    new_only = _keyring("new-pii-key")
    # then the data key cannot be unwrapped, and the error names the missing key, not the key itself
    with pytest.raises(KeyUnavailable) as failure:
        new_only.unwrap(wrapped)
    assert failure.value.message == f"data key was wrapped by key {old.kek_id}, which is not configured"
    assert failure.value.code == "key_unavailable"
    # and with the old key among the previous keys it can
    rotating = _keyring("new-pii-key", previous=("old-pii-key",))
    assert rotating.unwrap(wrapped) == dek
    # and re-wrapping puts it under the new KEK
    assert rotating.wrapped_by(rotating.wrap(dek)) == new_only.kek_id
    assert new_only.unwrap(rotating.wrap(dek)) == dek


def test_a_wrapped_key_whose_kek_id_was_forged_does_not_open():
    # given a data key wrapped under one KEK, relabelled with another configured KEK's id
    first, second = _keyring("first-key"), _keyring("second-key")
    both = _keyring("second-key", previous=("first-key",))
    _, wrapped = first.new_data_key()
    forged = second.kek_id.encode("ascii") + wrapped[len(first.kek_id) :]
    # then it does not authenticate under the key it names
    with pytest.raises(DecryptionFailed):
        both.unwrap(forged)


def test_system_secrets_sealed_with_the_kek_open_only_for_their_column():
    keys = vault()
    blob = keys.seal_with_kek("JBSWY3DPEHPK3PXP", "users.totp_secret")
    assert b"JBSWY3DPEHPK3PXP" not in blob
    assert keys.open_with_kek(blob, "users.totp_secret") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(DecryptionFailed):
        keys.open_with_kek(blob, "users.other")
    with pytest.raises(KeyUnavailable):
        _keyring("another-key").open_with_kek(blob, "users.totp_secret")


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("phone", "13812345678", "138****5678"),
        ("phone", "+86 138 0013 8000", "+86 138 **** 8000"),
        ("id_number", "A123456(7)", "A12****(7)"),
        ("email", "wang@example.com", "w***@example.com"),
        ("address", "1 Nathan Road, Kowloon", "****"),
    ],
)
def test_masks(kind, value, masked):
    assert mask(kind, value) == masked


def test_a_birth_date_shows_only_its_year():
    assert mask_date(dt.date(1985, 4, 12)) == "1985-**-**"


@pytest.mark.parametrize(
    ("kind", "written", "searched"),
    [
        ("phone", "138 1234 5678", "13812345678"),
        ("phone", "+86 138-1234-5678", "8613812345678"),
        ("email", "Wang@Example.COM", "wang@example.com"),
        ("email", " wang@example.com ", "WANG@EXAMPLE.COM"),
        ("id_number", "a123456(7)", "A1234567"),
    ],
)
def test_the_blind_index_matches_the_normalised_value(kind, written, searched):
    keys = vault()
    assert keys.blind_index(kind, written) == keys.blind_index(kind, searched)


def test_the_blind_index_is_keyed_and_separates_kinds():
    keys = vault()
    digest = keys.blind_index("phone", "13812345678")
    # it is not a plain hash: another index key gives another digest
    other = Vault(kek=keys.kek, index_key=derive_key("another-index-key", "blind-index"))
    assert other.blind_index("phone", "13812345678") != digest
    # the same text as another kind is another digest
    assert keys.blind_index("wechat", "13812345678") != digest
    # a different number is a different digest, and the digest holds no digits of the number
    assert keys.blind_index("phone", "13812345679") != digest
    assert "13812345678" not in digest
    assert len(digest) == 32


# == the acceptance test ========================================================================
PHONE = "13987654321"
EMAIL = "zhao.secret@example.org"
ID_NUMBER = "Z9876543(2)"
BIRTH_DATE = "1979-08-23"
BAD_BIRTH_DATE = "1979-02-30"
SECRETS = (PHONE, EMAIL, ID_NUMBER, BIRTH_DATE, BAD_BIRTH_DATE, "zhao.secret", "Z98765432")
REASON = "KYC review ref. CMP-2026-0042"


def _extract(directory: Path) -> Path:
    """The tiny bank plus 趙 with distinctive personal data, and a row whose birth date is impossible."""
    data = canonical_rows()
    data["parties"] += [
        {
            "key": "C9",
            "party_type": "individual",
            "full_name": "趙秘",
            "latin_name": "Zhao Mi",
            "birth_date": BIRTH_DATE,
            "kyc_status": "verified",
            "home_branch_key": "BR1",
        },
        {
            "key": "C10",
            "party_type": "individual",
            "full_name": "錢不對",
            "birth_date": BAD_BIRTH_DATE,
            "kyc_status": "pending",
        },
    ]
    data["contact_points"] += [
        {"key": "CP9", "party_key": "C9", "kind": "phone", "value": PHONE, "is_primary": "true"},
        {"key": "CP10", "party_key": "C9", "kind": "email", "value": EMAIL},
    ]
    data["identity_documents"] = [
        {"key": "ID9", "party_key": "C9", "doc_type": "national_id", "number": ID_NUMBER, "issuing_country": "HK"}
    ]
    return write_canonical(directory, data)


def _token(engine: Engine, username: str, role: Role) -> dict[str, str]:
    with unit_of_work(engine) as session:
        create_user(
            session=session, actor=SYSTEM, username=username, display_name=username, role=role, password=PASSWORD
        )
    with unit_of_work(engine) as session:
        issued = auth.issue_api_token(
            session=session, settings=get_settings(), actor=SYSTEM, username=username, name="tests"
        )
    return {"Authorization": f"Bearer {issued.token}"}


def _exercise(engine: Engine, tmp_path: Path) -> dict[str, Any]:
    """Migrate, ingest the extract for real (committed), and use the API on 趙's record."""
    upgrade(engine)
    report: IngestReport = ingest_extract(
        directory=_extract(tmp_path / "extract"),
        mapping=builtin_mapping("canonical", "core"),
        bind=engine,
        lake_root=tmp_path / "lake",
        work_dir=tmp_path / "w",
        quarantine_dir=tmp_path / "q",
    )
    compliance = _token(engine, "compliance.pii", Role.COMPLIANCE_OFFICER)
    analyst = _token(engine, "analyst.pii", Role.MARKETING_ANALYST)
    app = create_app(Settings(var_dir=tmp_path / "var", environment="test"), bind=engine, lake_root=tmp_path / "lake")
    errors: list[httpx.Response] = []
    with TestClient(app, base_url="https://testserver") as client:
        by_phone = client.get("/api/v1/parties", params={"q": PHONE}, headers=compliance)
        by_email = client.get("/api/v1/parties", params={"q": EMAIL.upper()}, headers=compliance)
        by_document = client.get("/api/v1/parties", params={"q": ID_NUMBER}, headers=compliance)
        party_id = by_phone.json()["items"][0]["id"]
        detail = client.get(f"/api/v1/parties/{party_id}", headers=compliance)
        reveal = client.post(
            f"/api/v1/parties/{party_id}/reveal", json={"fields": ["all"], "reason": REASON}, headers=compliance
        )
        errors.append(client.get("/api/v1/parties", params={"q": PHONE * 10}, headers=compliance))
        errors.append(
            client.post(
                f"/api/v1/parties/{party_id}/reveal",
                json={"fields": ["contact_point:999999"], "reason": REASON},
                headers=compliance,
            )
        )
        errors.append(
            client.post(
                f"/api/v1/parties/{party_id}/reveal", json={"fields": ["all"], "reason": REASON}, headers=analyst
            )
        )
        errors.append(client.get("/api/v1/parties", params={"q": PHONE}))
    return {
        "report": report,
        "party_id": party_id,
        "by_phone": by_phone,
        "by_email": by_email,
        "by_document": by_document,
        "detail": detail,
        "reveal": reveal,
        "errors": errors,
    }


def _check_api(run: dict[str, Any], engine: Engine) -> None:
    """The API found 趙 by each kind of personal data, masked it, revealed it, and erred without it."""
    party_id = run["party_id"]
    for name in ("by_phone", "by_email", "by_document"):
        response = run[name]
        assert response.status_code == 200, response.text
        assert [(p["id"], p["full_name"]) for p in response.json()["items"]] == [(party_id, "趙秘")]
    detail = run["detail"]
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["birth_date_masked"] == "1979-**-**"
    assert [(c["kind"], c["value_masked"]) for c in body["contact_points"]] == [
        ("email", "z***@example.org"),
        ("phone", "139****4321"),
    ]
    assert [d["number_masked"] for d in body["identity_documents"]] == ["Z98*****(2)"]
    assert not [s for s in SECRETS if s in detail.text]
    # a reveal by compliance returns the values in clear: that is its purpose
    reveal = run["reveal"]
    assert reveal.status_code == 200, reveal.text
    shown = reveal.json()
    assert shown["birth_date"] == BIRTH_DATE
    assert sorted(c["value"] for c in shown["contact_points"]) == [PHONE, EMAIL]
    assert [d["number"] for d in shown["identity_documents"]] == [ID_NUMBER]
    # errors say what went wrong without echoing personal data
    too_long, missing, forbidden, anonymous = run["errors"]
    assert too_long.status_code == 422
    assert too_long.json()["code"] == "invalid_request"
    assert missing.status_code == 404
    assert missing.json()["message"] == f"party {party_id} has no such contact point or document: [999999]"
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"
    assert anonymous.status_code == 401
    for response in run["errors"]:
        assert not [s for s in SECRETS if s in response.text], response.text
    # and the reveal's audit entry lists the fields and the reason, never a value
    with session_factory(engine)() as session:
        contact_ids = sorted(session.scalars(select(ContactPoint.id).where(ContactPoint.party_id == party_id)))
        document_ids = list(session.scalars(select(IdentityDocument.id).where(IdentityDocument.party_id == party_id)))
        entries = session.scalars(select(AuditEvent).where(AuditEvent.action == "customer.pii.reveal")).all()
        assert [(e.actor, e.entity, e.entity_id, e.data) for e in entries] == [
            (
                "compliance.pii",
                "party",
                str(party_id),
                {
                    "fields": ["birth_date"]
                    + [f"contact_point:{i}" for i in contact_ids]
                    + [f"identity_document:{i}" for i in document_ids],
                    "reason": REASON,
                },
            )
        ]
        every_entry = json.dumps([e.data for e in session.scalars(select(AuditEvent))], ensure_ascii=False, default=str)
        assert not [s for s in SECRETS if s in every_entry]
        # and the stored columns hold ciphertext, masks and indexes only
        zhao = session.get(Party, party_id)
        assert zhao is not None
        assert (zhao.birth_date_masked, zhao.birth_year) == ("1979-**-**", 1979)
        assert session.scalar(select(Party.id).where(Party.source_key == "C10")) is None


def _check_quarantine(report: IngestReport) -> None:
    """The impossible birth date was rejected, and the quarantine file withholds the value."""
    assert report.entity("parties").rejected == 1
    assert report.quarantine_path is not None
    content = Path(report.quarantine_path).read_text(encoding="utf-8")
    with Path(report.quarantine_path).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["entity"], r["key"], r["field"], r["reason"], r["value"]) for r in rows] == [
        ("parties", "C10", "birth_date", "not a date (expected YYYY-MM-DD)", WITHHELD)
    ]
    assert not [s for s in SECRETS if s in content]


# Records of the test's own HTTP client (httpx logs each request line, query string included).
# In production that client is the user's browser, so they are not Guanxi's logs.
CLIENT_LOGGERS = ("httpx", "httpcore")


def _leaks_in_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if not r.name.startswith(CLIENT_LOGGERS) and any(s in r.getMessage() for s in SECRETS)
    ]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every logger at DEBUG (including the guanxi and uvicorn ones)."""
    caplog.set_level(logging.DEBUG)
    for name in ("guanxi", "uvicorn", "alembic", "duckdb"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_pii_never_appears_in_plaintext_in_the_sqlite_file_logs_or_errors(tmp_path, debug_logs):
    # given a real file-backed database that the extract is ingested into and the API used on
    path = tmp_path / "pii.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        run = _exercise(engine, tmp_path)
        _check_api(run, engine)
    finally:
        engine.dispose()
    # when the database files are read byte by byte
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    raw = b"".join(p.read_bytes() for p in files)
    # then the masks are there in clear (so this is the right file) but no value is
    assert b"139****4321" in raw
    assert "趙秘".encode() in raw
    assert [s for s in SECRETS if s.encode("utf-8") in raw] == []
    # and the quarantine file withholds the bad value
    _check_quarantine(run["report"])
    # and no log record holds any of it
    assert debug_logs.records, "nothing was captured: the capture is not working"
    assert _leaks_in_logs(debug_logs) == []


PG_SCHEMA = "guanxi_pii_test"


def _pg_dump_command() -> str:
    found = shutil.which("pg_dump")
    if found is None:
        if REQUIRE_PG:
            pytest.fail("pg_dump is not installed but the PostgreSQL run is required", pytrace=False)
        pytest.skip("pg_dump is not installed")
    return found


@pytest.mark.postgres
@pytest.mark.skipif(PG_URL is None, reason="PostgreSQL run not configured (GUANXI_TEST_DATABASE_URL)")
def test_pii_never_appears_in_plaintext_in_a_postgresql_dump_logs_or_errors(tmp_path, debug_logs):
    # given a private schema, so the shared test database is untouched
    assert PG_URL is not None
    pg_dump = _pg_dump_command()
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={PG_SCHEMA}"})
    try:
        # and the extract ingested into it and the API used on it
        run = _exercise(engine, tmp_path)
        _check_api(run, engine)
        # when the schema's data is dumped
        url = make_url(PG_URL).set(drivername="postgresql")
        dumped = subprocess.run(
            [
                pg_dump,
                "--data-only",
                f"--schema={PG_SCHEMA}",
                f"--dbname={url.render_as_string(hide_password=False)}",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout.decode("utf-8")
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()
    # then the dump holds the masks (so it is the right data) but no value
    assert "139****4321" in dumped
    assert "趙秘" in dumped
    assert [s for s in SECRETS if s in dumped] == []
    _check_quarantine(run["report"])
    assert _leaks_in_logs(debug_logs) == []


def test_sqlalchemy_statement_logs_hold_no_searched_personal_data(tmp_path, caplog):
    # given SQL logging switched on, as an operator may do to debug (GUANXI logs nothing of its own here)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    engine = make_engine(f"sqlite:///{tmp_path / 'sql.db'}")
    try:
        upgrade(engine)
        headers = _token(engine, "compliance.sql", Role.COMPLIANCE_OFFICER)
        app = create_app(Settings(var_dir=tmp_path / "var", environment="test"), bind=engine, lake_root=tmp_path)
        # when a customer is searched by phone number
        with TestClient(app, base_url="https://testserver") as client:
            response = client.get("/api/v1/parties", params={"q": PHONE}, headers=headers)
        assert response.status_code == 200
    finally:
        engine.dispose()
    # then the statement log does not hold the number (parameters should be hidden)
    statements = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert statements, "SQL logging captured nothing"
    assert [m for m in statements if PHONE in m] == []


# == the server's access log ====================================================================
@pytest.fixture
def uvicorn_loggers() -> Iterator[None]:
    """uvicorn sets its loggers' levels when it starts; put them back afterwards."""
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
    levels = {n: logging.getLogger(n).level for n in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_the_server_access_log_holds_no_searched_personal_data(tmp_path, caplog, uvicorn_loggers):
    import uvicorn

    # given the app served as `guanxi serve` serves it (uvicorn, log level info)
    caplog.set_level(logging.DEBUG)
    engine = make_engine(f"sqlite:///{tmp_path / 'served.db'}")
    upgrade(engine)
    headers = _token(engine, "compliance.served", Role.COMPLIANCE_OFFICER)
    app = create_app(Settings(var_dir=tmp_path / "var", environment="test"), bind=engine, lake_root=tmp_path)
    # log_config=None keeps uvicorn from replacing the test's log handlers; the records are the same
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info", log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        # when a customer is searched by phone number
        response = httpx.get(f"http://127.0.0.1:{port}/api/v1/parties", params={"q": PHONE}, headers=headers)
        assert response.status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    # then the server logged the request, but not the number searched for
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any("GET /api/v1/parties" in m for m in access), access
    assert [m for m in access if PHONE in m] == []
