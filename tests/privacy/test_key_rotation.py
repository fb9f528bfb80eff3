"""Rotating the PII keys: every data key and second factor moves to the new KEK, data still opens;
and the ``guanxi keys rotate`` / ``guanxi customers export|erase`` commands end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from extracts import write_canonical
from factories import make_contact, make_document, make_party
from guanxi.audit.models import AuditEvent
from guanxi.cli.common import ExitCode
from guanxi.cli.main import app
from guanxi.config import Settings, get_settings
from guanxi.db import make_engine, session_factory
from guanxi.parties.models import ContactPoint, IdentityDocument, Party
from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
from guanxi.privacy.keys import RotationReport, count_keyed_parties, rotate_keys
from guanxi.security.actor import SYSTEM
from guanxi.security.auth import TOTP_COLUMN
from guanxi.security.models import User
from guanxi.security.pii import DecryptionFailed, KeyUnavailable, Vault, derive_key, key_id
from guanxi.security.service import create_user, enable_totp

runner = CliRunner()
PASSWORD = "Correct-Horse-Battery-9"
PHONE, EMAIL, NUMBER = "13812345678", "wang@example.com", "A123456(7)"


def vault_of(pii_key: str, previous: tuple[str, ...] = ()) -> Vault:
    """The vault of settings with this PII key (and the test index key, as in tests/conftest.py)."""
    settings = Settings(
        environment="test",
        secret_key="test-secret-key",
        audit_key="test-audit-key",
        pii_index_key="test-pii-index-key",
        pii_key=pii_key,
        pii_previous_keys=list(previous),
    )
    return Vault.from_settings(settings)


OLD = vault_of("old")
NEW = vault_of("new", ("old",))  # during the rotation: new key current, old still readable
NEW_ONLY = vault_of("new")  # after the rotation: the old key is dropped


def use_key(monkeypatch: pytest.MonkeyPatch, pii_key: str, previous: str | None = None) -> None:
    monkeypatch.setenv("GUANXI_PII_KEY", pii_key)
    if previous is None:
        monkeypatch.delenv("GUANXI_PII_PREVIOUS_KEYS", raising=False)
    else:
        monkeypatch.setenv("GUANXI_PII_PREVIOUS_KEYS", previous)
    get_settings.cache_clear()


def read(bind: Connection, model: Any, *where: Any) -> list[Any]:
    """ORM rows, read in a session of their own (sees every commit on the test connection)."""
    with session_factory(bind)() as reader:
        return list(reader.scalars(select(model).where(*where).order_by(model.id)))


def clear_values(vault: Vault, bind: Connection, party_id: int) -> tuple[Any, ...]:
    """A party's personal data in clear, opened with ``vault`` only."""
    [party] = read(bind, Party, Party.id == party_id)
    dek = vault.unwrap(party.data_key)
    born = None if party.birth_date_enc is None else vault.decrypt(dek, party.birth_date_enc, BIRTH_DATE_COLUMN)
    contacts = [
        vault.decrypt(dek, c.value_enc, CONTACT_COLUMN)
        for c in read(bind, ContactPoint, ContactPoint.party_id == party_id)
    ]
    documents = [
        vault.decrypt(dek, d.number_enc, DOCUMENT_COLUMN)
        for d in read(bind, IdentityDocument, IdentityDocument.party_id == party_id)
    ]
    return born, contacts, documents


@pytest.fixture
def bank(session: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Customers and users protected under the old key (one of each already moved to the new key)."""
    use_key(monkeypatch, "old")
    with session.begin():
        p1 = make_party(session)
        make_contact(session, p1, kind="phone", value=PHONE)
        make_document(session, p1, number=NUMBER)
        p2 = make_party(session, birth_date=dt.date(1990, 11, 30), full_name="Mary Chan")
        make_contact(session, p2, kind="email", value=EMAIL)
        p3 = make_party(session, birth_date=None, full_name="Already moved")
        p3.data_key = NEW.wrap(OLD.unwrap(p3.data_key))  # rotated earlier, e.g. by a run that was interrupted
        erased = make_party(session, birth_date=None, full_name="Erased customer", data_key=None)
        for name in ("totp.old", "totp.new", "no.totp"):
            create_user(
                session=session, actor=SYSTEM, username=name, display_name=name, role="auditor", password=PASSWORD
            )
        enable_totp(session=session, actor=SYSTEM, vault=OLD, username="totp.old")
        enable_totp(session=session, actor=SYSTEM, vault=NEW, username="totp.new")
        sealed = session.scalar(select(User.totp_secret_enc).where(User.username == "totp.old"))
        secret = OLD.open_with_kek(sealed, TOTP_COLUMN)
        ids = {"p1": p1.id, "p2": p2.id, "p3": p3.id, "erased": erased.id}
    use_key(monkeypatch, "test-pii-key")
    return {"ids": ids, "totp_secret": secret}


def test_rotation_rewraps_every_data_key_and_second_factor_under_the_new_key(bind, lake_root, bank):
    ids = bank["ids"]
    before = {p.id: p for p in read(bind, Party)}
    deks = {pid: OLD.unwrap(p.data_key) for pid, p in before.items() if pid in (ids["p1"], ids["p2"])}
    assert {OLD.wrapped_by(before[ids[k]].data_key) for k in ("p1", "p2")} == {OLD.kek_id}
    progress: list[int] = []
    # when the keys are rotated (in batches of two)
    report = rotate_keys(
        bind=bind, vault=NEW, actor=SYSTEM, lake_root=lake_root, batch_size=2, on_progress=progress.append
    )
    # then the report counts exactly what changed: three keyed parties, two still under the old key, one TOTP
    assert report == RotationReport(parties_checked=3, keys_rewrapped=2, parties_rekeyed=0, totp_resealed=1)
    assert progress == [2, 1]
    after = {p.id: p for p in read(bind, Party)}
    # every data key is now wrapped by the new KEK; the erased party still has none
    assert {NEW.wrapped_by(after[ids[k]].data_key) for k in ("p1", "p2", "p3")} == {NEW.kek_id}
    assert after[ids["erased"]].data_key is None
    # the data keys themselves did not change, nor did the ciphertexts
    assert {pid: NEW_ONLY.unwrap(after[pid].data_key) for pid in deks} == deks
    assert after[ids["p1"]].birth_date_enc == before[ids["p1"]].birth_date_enc
    # everything opens with a vault that holds ONLY the new key
    assert clear_values(NEW_ONLY, bind, ids["p1"]) == ("1985-04-12", [PHONE], [NUMBER])
    assert clear_values(NEW_ONLY, bind, ids["p2"]) == ("1990-11-30", [EMAIL], [])
    assert clear_values(NEW_ONLY, bind, ids["p3"]) == (None, [], [])
    # and nothing opens with the old key alone any more
    with pytest.raises(KeyUnavailable) as raised:
        clear_values(OLD, bind, ids["p1"])
    assert raised.value.message == f"data key was wrapped by key {NEW.kek_id}, which is not configured"
    # the second factors: resealed under the new key, same secret
    users = {u.username: u for u in read(bind, User)}
    assert NEW_ONLY.wrapped_by(users["totp.old"].totp_secret_enc) == NEW.kek_id
    assert NEW_ONLY.open_with_kek(users["totp.old"].totp_secret_enc, TOTP_COLUMN) == bank["totp_secret"]
    assert NEW_ONLY.wrapped_by(users["totp.new"].totp_secret_enc) == NEW.kek_id
    assert users["no.totp"].totp_secret_enc is None


def test_a_second_rotation_rewraps_nothing(bind, lake_root, bank):
    first = rotate_keys(bind=bind, vault=NEW, actor=SYSTEM, lake_root=lake_root)
    keys_after_first = {p.id: p.data_key for p in read(bind, Party)}
    second = rotate_keys(bind=bind, vault=NEW, actor=SYSTEM, lake_root=lake_root)
    assert first == RotationReport(parties_checked=3, keys_rewrapped=2, parties_rekeyed=0, totp_resealed=1)
    assert second == RotationReport(parties_checked=3, keys_rewrapped=0, parties_rekeyed=0, totp_resealed=0)
    assert {p.id: p.data_key for p in read(bind, Party)} == keys_after_first
    # the rotation also works with only the new key once everything is under it
    assert rotate_keys(bind=bind, vault=NEW_ONLY, actor=SYSTEM, lake_root=lake_root) == second


def test_rekey_gives_every_customer_a_new_data_key_and_reencrypts(bind, lake_root, bank):
    ids = bank["ids"]
    before = {p.id: p for p in read(bind, Party)}
    old_deks = {pid: NEW.unwrap(p.data_key) for pid, p in before.items() if p.data_key is not None}
    old_phone = read(bind, ContactPoint, ContactPoint.party_id == ids["p1"])[0].value_enc
    # when rotated with rekey
    report = rotate_keys(bind=bind, vault=NEW, actor=SYSTEM, lake_root=lake_root, rekey=True)
    # then every keyed party got a fresh data key, wrapped by the new KEK
    assert report == RotationReport(parties_checked=3, keys_rewrapped=0, parties_rekeyed=3, totp_resealed=1)
    after = {p.id: p for p in read(bind, Party)}
    new_deks = {pid: NEW_ONLY.unwrap(after[pid].data_key) for pid in old_deks}
    assert all(new_deks[pid] != old_deks[pid] for pid in old_deks)
    assert len(set(new_deks.values())) == 3
    # the values were re-encrypted and still read the same, with only the new key
    assert after[ids["p1"]].birth_date_enc != before[ids["p1"]].birth_date_enc
    new_phone = read(bind, ContactPoint, ContactPoint.party_id == ids["p1"])[0].value_enc
    assert new_phone != old_phone
    assert clear_values(NEW_ONLY, bind, ids["p1"]) == ("1985-04-12", [PHONE], [NUMBER])
    assert clear_values(NEW_ONLY, bind, ids["p2"]) == ("1990-11-30", [EMAIL], [])
    # and the old data key no longer opens the new ciphertext
    with pytest.raises(DecryptionFailed):
        NEW.decrypt(old_deks[ids["p1"]], new_phone, CONTACT_COLUMN)


def test_each_rotation_is_audited(bind, lake_root, bank):
    rotate_keys(bind=bind, vault=NEW, actor=SYSTEM, lake_root=lake_root)
    rotate_keys(bind=bind, vault=NEW, actor=SYSTEM, lake_root=lake_root, rekey=True)
    entries = read(bind, AuditEvent, AuditEvent.action == "keys.rotate")
    assert [(e.actor, e.entity, e.entity_id, e.data) for e in entries] == [
        (
            "system",
            "keyring",
            NEW.kek_id,
            {"rekey": False, "parties_checked": 3, "keys_rewrapped": 2, "parties_rekeyed": 0, "totp_resealed": 1},
        ),
        (
            "system",
            "keyring",
            NEW.kek_id,
            {"rekey": True, "parties_checked": 3, "keys_rewrapped": 0, "parties_rekeyed": 3, "totp_resealed": 0},
        ),
    ]


def test_rotation_without_the_old_key_fails_and_changes_nothing(bind, lake_root, bank):
    # given the operator forgot GUANXI_PII_PREVIOUS_KEYS
    before = {p.id: p.data_key for p in read(bind, Party)}
    with pytest.raises(KeyUnavailable) as raised:
        rotate_keys(bind=bind, vault=NEW_ONLY, actor=SYSTEM, lake_root=lake_root)
    assert raised.value.message == f"data key was wrapped by key {OLD.kek_id}, which is not configured"
    # then nothing was re-wrapped and nothing audited
    assert {p.id: p.data_key for p in read(bind, Party)} == before
    assert read(bind, AuditEvent, AuditEvent.action == "keys.rotate") == []


def test_count_keyed_parties(bind, bank):
    assert count_keyed_parties(bind) == 3


def test_key_ids_name_the_keys():
    assert (OLD.kek_id, NEW.kek_id) == (key_id(derive_key("old", "kek")), key_id(derive_key("new", "kek")))
    assert NEW.previous == (derive_key("old", "kek"),)


# -- the commands ---------------------------------------------------------------------------------------------------


@pytest.fixture
def migrated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A migrated SQLite file under GUANXI_VAR_DIR, with the old PII key configured."""
    use_key(monkeypatch, "old")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def file_db(migrated) -> Any:
    engine = make_engine(get_settings().resolved_database_url)
    yield engine
    engine.dispose()


def one_line(text: str) -> str:
    return " ".join(text.split())


def party_ids(engine: Any) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Party.source_key, Party.id)).all())


def ingest(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(write_canonical(tmp_path / "extract")), "--json"])
    assert result.exit_code == ExitCode.OK, result.output


def test_cli_keys_rotate(tmp_path, monkeypatch, file_db):
    # given the bank was loaded under the old key, and a user has a second factor
    ingest(tmp_path)
    assert runner.invoke(app, ["users", "create", "cc", "--role", "auditor", "--password", PASSWORD]).exit_code == 0
    assert runner.invoke(app, ["users", "totp", "cc"]).exit_code == 0
    # when the operator configures the new key, keeps the old one readable, and rotates
    use_key(monkeypatch, "new", '["old"]')
    result = runner.invoke(app, ["keys", "rotate"])
    # then every key moved and the summary says so
    assert result.exit_code == ExitCode.OK, result.output
    assert (
        f"3 customers checked: 3 keys re-wrapped, 0 re-keyed, 1 second factors re-sealed under key {NEW.kek_id}"
        in one_line(result.stdout)
    )
    with file_db.connect() as connection:
        wrapped = connection.scalars(select(Party.data_key)).all()
        totp = connection.scalar(select(User.totp_secret_enc).where(User.username == "cc"))
    assert [NEW_ONLY.wrapped_by(k) for k in wrapped] == [NEW.kek_id] * 3
    assert NEW_ONLY.wrapped_by(totp) == NEW.kek_id
    # and running it again re-wraps nothing
    again = runner.invoke(app, ["keys", "rotate"])
    assert again.exit_code == ExitCode.OK, again.output
    assert "3 customers checked: 0 keys re-wrapped, 0 re-keyed, 0 second factors re-sealed" in one_line(again.stdout)
    # and --rekey gives everyone a new data key
    rekeyed = runner.invoke(app, ["keys", "rotate", "--rekey"])
    assert rekeyed.exit_code == ExitCode.OK, rekeyed.output
    assert "3 customers checked: 0 keys re-wrapped, 3 re-keyed, 0 second factors re-sealed" in one_line(rekeyed.stdout)
    # and with the old key dropped, the customer still exports in clear
    use_key(monkeypatch, "new")
    out = tmp_path / "c1.json"
    exported = runner.invoke(app, ["customers", "export", str(party_ids(file_db)["C1"]), "--out", str(out)])
    assert exported.exit_code == ExitCode.OK, exported.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["party"]["birth_date"], [c["value"] for c in data["contact_points"]]) == (
        "1985-04-12",
        ["+86 138 0013 8000"],
    )
    with file_db.connect() as connection:
        actions = connection.scalars(select(AuditEvent.action).where(AuditEvent.action == "keys.rotate")).all()
    assert actions == ["keys.rotate"] * 3


def test_cli_keys_rotate_without_the_old_key_exits_2(tmp_path, monkeypatch, file_db):
    ingest(tmp_path)
    use_key(monkeypatch, "new")
    result = runner.invoke(app, ["keys", "rotate"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"error: data key was wrapped by key {OLD.kek_id}, which is not configured" in one_line(result.stderr)


def test_cli_customers_export_and_erase(tmp_path, file_db):
    ingest(tmp_path)
    c1 = party_ids(file_db)["C1"]
    # when a customer is exported
    out = tmp_path / "export" / "c1.json"
    out.parent.mkdir()
    exported = runner.invoke(app, ["customers", "export", str(c1), "--out", str(out)])
    # then the file holds everything, in clear
    assert exported.exit_code == ExitCode.OK, exported.output
    assert f"customer {c1} exported to {out}" in one_line(exported.stdout)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "guanxi.customer-export/1"
    assert (data["party"]["full_name"], data["party"]["birth_date"]) == ("王小明", "1985-04-12")
    assert [c["value"] for c in data["contact_points"]] == ["+86 138 0013 8000"]
    assert [a["source_key"] for a in data["accounts"]] == ["A1", "A2"]
    assert [t["source_key"] for t in data["transactions"]] == ["T1", "T2", "T3"]
    assert [e["source_key"] for e in data["digital_events"]] == ["E1"]
    # when the customer is erased
    erased = runner.invoke(app, ["customers", "erase", str(c1), "--reason", "DSR-7", "--yes"])
    # then the summary says what went, and a new export holds nothing personal
    assert erased.exit_code == ExitCode.OK, erased.output
    assert f"customer {c1} erased: 1 contact points, 0 documents, 4 lake rows cleared of free text" in one_line(
        erased.stdout
    )
    again = tmp_path / "export" / "c1-after.json"
    assert runner.invoke(app, ["customers", "export", str(c1), "--out", str(again)]).exit_code == ExitCode.OK
    after = json.loads(again.read_text(encoding="utf-8"))
    assert (after["party"]["full_name"], after["party"]["birth_date"], after["party"]["birth_year"]) == (
        f"Erased customer {c1}",
        None,
        1980,
    )
    assert [c["value"] for c in after["contact_points"]] == [None]
    assert [t["counterparty"] for t in after["transactions"]] == [None, None, None]
    with file_db.connect() as connection:
        entries = connection.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.data).where(
                AuditEvent.entity == "party", AuditEvent.entity_id == str(c1)
            )
        ).all()
    assert [(a, who) for a, who, _ in entries] == [
        ("customer.export", "operator"),
        ("customer.erase", "operator"),
        ("customer.export", "operator"),
    ]
    assert entries[1][2] == {"reason": "DSR-7", "contact_points": 1, "identity_documents": 0}


def test_cli_erase_asks_for_confirmation(tmp_path, file_db):
    ingest(tmp_path)
    c1 = party_ids(file_db)["C1"]
    # when the operator answers no
    result = runner.invoke(app, ["customers", "erase", str(c1), "--reason", "DSR-7"], input="n\n")
    # then nothing is erased
    assert result.exit_code == 1
    assert f"erase customer {c1}? This cannot be undone" in result.output
    with file_db.connect() as connection:
        assert connection.scalar(select(Party.full_name).where(Party.id == c1)) == "王小明"
    # and answering yes erases
    confirmed = runner.invoke(app, ["customers", "erase", str(c1), "--reason", "DSR-7"], input="y\n")
    assert confirmed.exit_code == ExitCode.OK, confirmed.output
    with file_db.connect() as connection:
        assert connection.scalar(select(Party.full_name).where(Party.id == c1)) == f"Erased customer {c1}"


def test_cli_export_and_erase_of_an_unknown_customer_exit_2(tmp_path, file_db):
    exported = runner.invoke(app, ["customers", "export", "999999", "--out", str(tmp_path / "x.json")])
    assert exported.exit_code == ExitCode.BAD_INPUT
    assert "error: no party with id 999999" in exported.stderr
    assert not (tmp_path / "x.json").exists()
    erased = runner.invoke(app, ["customers", "erase", "999999", "--reason", "DSR-7", "--yes"])
    assert erased.exit_code == ExitCode.BAD_INPUT
    assert "error: no party with id 999999" in erased.stderr


def test_cli_erase_leaves_no_copy_of_the_wrapped_key_in_the_database_file(tmp_path, file_db):
    # given what an attacker with a copy of the database file would look for
    ingest(tmp_path)
    c1 = party_ids(file_db)["C1"]
    with file_db.connect() as connection:
        wrapped = connection.scalar(select(Party.data_key).where(Party.id == c1))
        phone = connection.scalar(select(ContactPoint.value_enc).where(ContactPoint.party_id == c1))
    # when the customer is erased
    assert runner.invoke(app, ["customers", "erase", str(c1), "--reason", "DSR-7", "--yes"]).exit_code == 0
    file_db.dispose()
    # then neither the wrapped data key nor the ciphertext is left in the file (or its write-ahead log)
    database = Path(get_settings().resolved_database_url.split("///", 1)[1])
    stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert wrapped not in stored, "the erased customer's wrapped data key is still in the SQLite file or its WAL"
    assert phone not in stored, "the erased customer's phone ciphertext is still in the SQLite file or its WAL"
