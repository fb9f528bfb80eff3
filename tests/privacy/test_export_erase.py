"""Data-subject rights on a bank loaded through the ingest: export everything, and erase for good.

Erasure is crypto-shredding: after it, the customer's ciphertexts must not open under any key
Guanxi still holds, while the bank's statistics still add up and a reload brings nothing back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from extracts import canonical_rows, write_canonical
from factories import vault
from guanxi.accounts.models import Account
from guanxi.audit.models import AuditEvent
from guanxi.db import session_factory
from guanxi.errors import NotFound, PermissionDenied
from guanxi.ingest.mapping import builtin_mapping
from guanxi.ingest.service import IngestReport, ingest_extract
from guanxi.lake.duck import connect
from guanxi.lake.layout import scan_sql
from guanxi.parties.models import ContactPoint, Household, IdentityDocument, Party
from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
from guanxi.parties.service import list_parties, reveal_pii
from guanxi.privacy.service import EXPORT_FORMAT, erase_party, export_party
from guanxi.security.actor import SYSTEM, Actor
from guanxi.security.models import ConsentRecord
from guanxi.security.permissions import Role
from guanxi.security.pii import ERASED, DecryptionFailed

COMPLIANCE = Actor(username="compliance.chan", role=Role.COMPLIANCE_OFFICER, source="test")
PHONE = "+86 138 0013 8000"
ID_NUMBER = "310101198504120012"
REASON = "DSR-2026-0042: erasure requested in branch"


def bank() -> dict[str, list[dict[str, Any]]]:
    """The canonical bank with an id document, a consent, free text in the lake and an account of C2's own."""
    data = canonical_rows()
    data["identity_documents"] = [
        {"key": "ID1", "party_key": "C1", "doc_type": "national_id", "number": ID_NUMBER, "issuing_country": "CN"},
        {"key": "ID2", "party_key": "C2", "doc_type": "passport", "number": "K12345678", "issuing_country": "HK"},
    ]
    data["consents"] = [
        {
            "key": "K1",
            "party_key": "C1",
            "purpose": "marketing",
            "channel": "sms",
            "status": "given",
            "recorded_at": "2025-01-02T10:00:00Z",
            "captured_via": "paper",
            "evidence": "signed form 2025/001, 王小明",
        }
    ]
    data["accounts"].append(
        {
            "key": "A3",
            "account_number": "6222000055556666",
            "product_key": "CUR",
            "currency": "CNY",
            "status": "active",
            "opened_on": "2020-01-01",
            "balance": "500.00",
        }
    )
    data["account_roles"].append({"key": "R4", "account_key": "A3", "party_key": "C2", "role": "owner"})
    data["transactions"][0]["description"] = "salary 王小明 October"
    data["transactions"].append(
        {
            "key": "T4",
            "account_key": "A3",
            "booked_at": "2026-10-04T10:00:00Z",
            "amount": "450.00",
            "currency": "CNY",
            "direction": "debit",
            "channel": "online",
            "txn_type": "transfer_out",
            "counterparty": "Mary's landlord",
            "description": "rent November",
            "balance_after": "500.00",
        }
    )
    data["digital_events"][0] |= {"page": "/funds/growth", "search_term": "growth fund for 王"}
    data["digital_events"].append(
        {
            "key": "E2",
            "party_key": "C2",
            "occurred_at": "2026-10-02T21:00:00Z",
            "channel": "web",
            "event_type": "search",
            "session_id": "s2",
            "page": "/loans",
            "search_term": "mortgage",
        }
    )
    return data


def load(bind: Connection, lake_root: Path, tmp_path: Path, name: str) -> IngestReport:
    report = ingest_extract(
        directory=write_canonical(tmp_path / name, bank()),
        mapping=builtin_mapping("canonical", "core"),
        bind=bind,
        lake_root=lake_root,
        work_dir=tmp_path / "w",
        quarantine_dir=tmp_path / "q",
    )
    assert report.rows_rejected == 0, report.to_dict()
    return report


@pytest.fixture
def loaded(bind: Connection, lake_root: Path, tmp_path: Path) -> dict[str, int]:
    """The bank, loaded through the ingest; ids by source key."""
    load(bind, lake_root, tmp_path, "extract")
    ids = dict(bind.execute(select(Party.source_key, Party.id)).all())
    ids |= dict(bind.execute(select(Account.source_key, Account.id)).all())
    return ids


def lake_rows(lake_root: Path, table: str) -> dict[str, dict[str, Any]]:
    """Every lake row of ``table`` by source key."""
    con = connect()
    try:
        rows = con.sql(f"SELECT * EXCLUDE (month) FROM {scan_sql(lake_root, table)}").to_arrow_table().to_pylist()
    finally:
        con.close()
    return {r["source_key"]: r for r in rows}


def aggregates(bind: Connection, lake_root: Path) -> tuple[int, Decimal, int, Decimal]:
    con = connect()
    try:
        count, total = con.execute(
            f"SELECT count(*), sum(amount) FROM {scan_sql(lake_root, 'transactions')}"
        ).fetchone()
    finally:
        con.close()
    return (
        bind.scalar(select(func.count()).select_from(Party)),
        bind.scalar(select(func.sum(Account.balance))),
        count,
        Decimal(total),
    )


def rows(bind: Connection, model: Any, *where: Any) -> list[Any]:
    """ORM rows read in a session of their own on the test connection (seeing every commit so far)."""
    with session_factory(bind)() as reader:
        return list(reader.scalars(select(model).where(*where).order_by(model.id)))


def one(bind: Connection, model: Any, *where: Any) -> Any:
    [row] = rows(bind, model, *where)
    return row


def audit(bind: Connection, action: str) -> list[AuditEvent]:
    return rows(bind, AuditEvent, AuditEvent.action == action)


# -- export ---------------------------------------------------------------------------------------------------------


def test_export_holds_everything_about_the_customer_in_clear(session, loaded, lake_root):
    # given a compliance officer looked at the birth date once
    reveal_pii(
        session=session, actor=COMPLIANCE, vault=vault(), party_id=loaded["C1"], fields=["birth_date"], reason="DSR"
    )
    # when the customer is exported
    data = export_party(session=session, actor=COMPLIANCE, vault=vault(), lake_root=lake_root, party_id=loaded["C1"])
    # then the export holds decrypted personal data and the rest of the record
    assert data["format"] == EXPORT_FORMAT == "guanxi.customer-export/1"
    party = data["party"]
    assert (party["id"], party["full_name"], party["birth_date"], party["birth_date_masked"]) == (
        loaded["C1"],
        "王小明",
        "1985-04-12",
        "1985-**-**",
    )
    assert [(c["kind"], c["value"], c["value_masked"]) for c in data["contact_points"]] == [
        ("phone", PHONE, "+86 138 **** 8000")
    ]
    assert [(d["doc_type"], d["number"], d["issuing_country"]) for d in data["identity_documents"]] == [
        ("national_id", ID_NUMBER, "CN")
    ]
    # no key, ciphertext or blind index ever leaves
    for section in (party, *data["contact_points"], *data["identity_documents"]):
        assert not {"data_key", "birth_date_enc", "value_enc", "value_index", "number_enc", "number_index"} & set(
            section
        )
    assert sorted((a["source_key"], a["balance"]) for a in data["accounts"]) == [
        ("A1", Decimal("10250.75")),
        ("A2", Decimal("88.10")),
    ]
    assert sorted((r["source_key"], r["role"]) for r in data["account_roles"]) == [("R1", "owner"), ("R3", "joint")]
    assert [(c["purpose"], c["channel"], c["status"], c["evidence"]) for c in data["consents"]] == [
        ("marketing", "sms", "given", "signed form 2025/001, 王小明")
    ]
    assert [(h["name"], h["role"]) for h in data["households"]] == [("Wang household", "head")]
    assert data["relationships"] == [
        {"kind": "director_of", "from_party_id": loaded["C1"], "to_party_id": loaded["C3"]}
    ]
    # the lake: every transaction of both accounts (owner and joint), and the customer's browsing
    assert [(t["source_key"], t["amount"], t["counterparty"], t["description"]) for t in data["transactions"]] == [
        ("T1", "12000.0000", None, "salary 王小明 October"),
        ("T2", "2000.0000", "海底撈", None),
        ("T3", "11.9000", None, None),
    ]
    assert [(e["source_key"], e["page"], e["search_term"]) for e in data["digital_events"]] == [
        ("E1", "/funds/growth", "growth fund for 王")
    ]
    assert [(e["actor"], e["action"]) for e in data["access_log"]] == [("compliance.chan", "customer.pii.reveal")]
    assert (data["cards"], data["loans"], data["standing_orders"], data["cases"]) == ([], [], [], [])


def test_export_is_audited_with_its_section_counts(session, bind, loaded, lake_root):
    export_party(session=session, actor=SYSTEM, vault=vault(), lake_root=lake_root, party_id=loaded["C1"])
    [entry] = audit(bind, "customer.export")
    assert (entry.actor, entry.entity, entry.entity_id) == (
        "system",
        "party",
        str(loaded["C1"]),
    )
    assert entry.data == {
        "sections": {
            "contact_points": 1,
            "identity_documents": 1,
            "households": 1,
            "relationships": 1,
            "accounts": 2,
            "account_roles": 2,
            "cards": 0,
            "loans": 0,
            "standing_orders": 0,
            "consents": 1,
            "cases": 0,
            "case_events": 0,
            "interactions": 0,
            "conversations": 0,
            "conversation_messages": 0,
            "surveys": 0,
            "appointments": 0,
            "event_invitations": 0,
            "messages": 0,
            "tasks": 0,
            "transactions": 3,
            "digital_events": 1,
            "access_log": 0,
        }
    }


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.RELATIONSHIP_MANAGER, Role.SERVICE_AGENT, Role.OPERATOR])
def test_export_needs_customer_export(session, bind, loaded, lake_root, role):
    actor = Actor(username="someone", role=role)
    with pytest.raises(PermissionDenied) as raised:
        export_party(session=session, actor=actor, vault=vault(), lake_root=lake_root, party_id=loaded["C1"])
    assert raised.value.message == f"your role ({role.value}) may not use customer.export"
    assert audit(bind, "customer.export") == []


def test_export_of_an_unknown_party_is_not_found(session, loaded, lake_root):
    with pytest.raises(NotFound) as raised:
        export_party(session=session, actor=COMPLIANCE, vault=vault(), lake_root=lake_root, party_id=999_999)
    assert raised.value.message == "no party with id 999999"


# -- erasure: the acceptance test -----------------------------------------------------------------------------------


def test_erasure_shreds_the_customer_and_keeps_the_statistics(session, bind, loaded, lake_root, tmp_path):
    keys = vault()
    c1 = loaded["C1"]
    # given: what an attacker could have copied before the erasure
    wrapped = bind.scalar(select(Party.data_key).where(Party.id == c1))
    birth_blob = bind.scalar(select(Party.birth_date_enc).where(Party.id == c1))
    phone_blob = bind.scalar(select(ContactPoint.value_enc).where(ContactPoint.party_id == c1))
    number_blob = bind.scalar(select(IdentityDocument.number_enc).where(IdentityDocument.party_id == c1))
    captured = [(birth_blob, BIRTH_DATE_COLUMN), (phone_blob, CONTACT_COLUMN), (number_blob, DOCUMENT_COLUMN)]
    # (sanity: with the wrapped key the copies open, so the checks below can tell a survivor)
    dek = keys.unwrap(wrapped)
    assert [keys.decrypt(dek, blob, column) for blob, column in captured] == ["1985-04-12", PHONE, ID_NUMBER]
    before = aggregates(bind, lake_root)
    assert before == (3, Decimal("10838.8500"), 4, Decimal("14461.90"))
    with session.begin():
        found, total = list_parties(session=session, actor=COMPLIANCE, vault=keys, query=PHONE)
    assert (total, [p.id for p in found]) == (1, [c1])
    others = {sk: row for sk, row in lake_rows(lake_root, "transactions").items() if sk == "T4"}
    other_events = {sk: row for sk, row in lake_rows(lake_root, "digital_events").items() if sk == "E2"}

    # when the customer is erased
    report = erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=c1, reason=REASON)

    # then the report says what was removed
    assert (
        report.party_id,
        report.contact_points,
        report.identity_documents,
        report.consents_cleared,
        report.cases_cleared,
        report.lake_rows_redacted,
    ) == (c1, 1, 1, 1, 0, 4)
    # (a) the party is a de-identified stub
    party = one(bind, Party, Party.id == c1)
    assert party.erased_at == report.erased_at
    assert (party.data_key, party.birth_date_enc, party.birth_date_masked, party.birth_year) == (
        None,
        None,
        ERASED,
        1980,
    )
    assert (party.full_name, party.given_name, party.family_name, party.latin_name, party.occupation) == (
        f"Erased customer {c1}",
        None,
        None,
        None,
        None,
    )
    contact = one(bind, ContactPoint, ContactPoint.party_id == c1)
    assert (contact.value_enc, contact.value_index, contact.value_masked, contact.label) == (None, None, ERASED, None)
    document = one(bind, IdentityDocument, IdentityDocument.party_id == c1)
    assert (document.number_enc, document.number_index, document.number_masked) == (None, None, ERASED)
    assert bind.scalar(select(ConsentRecord.evidence).where(ConsentRecord.party_id == c1)) is None
    # (b) the copies open under no key that remains: the KEKs, the index key, every other customer's data key
    remaining = [keys.kek, *keys.previous, keys.index_key]
    remaining += [keys.unwrap(k) for k in bind.scalars(select(Party.data_key).where(Party.data_key.is_not(None)))]
    assert len(remaining) == 2 + 2  # the KEK, the index key, and C2's and C3's data keys
    for blob, column in captured:
        for key in remaining:
            with pytest.raises(DecryptionFailed):
                keys.decrypt(key, blob, column)
    # and the wrapped key itself is held nowhere any more
    stored_keys = list(bind.scalars(select(Party.data_key)))
    assert len(stored_keys) == 3
    assert not any(k is not None and (k == wrapped or wrapped in k) for k in stored_keys)
    # (c) the statistics still add up
    assert aggregates(bind, lake_root) == before
    # (d) the customer's free text is gone from the lake, other customers' rows are untouched
    transactions = lake_rows(lake_root, "transactions")
    assert {sk: (r["counterparty"], r["description"]) for sk, r in transactions.items() if sk != "T4"} == {
        "T1": (None, None),
        "T2": (None, None),
        "T3": (None, None),
    }
    assert (transactions["T1"]["amount"], transactions["T2"]["merchant_category"]) == (
        Decimal("12000.0000"),
        "restaurants",
    )
    assert transactions["T4"] == others["T4"]
    events = lake_rows(lake_root, "digital_events")
    assert (events["E1"]["page"], events["E1"]["search_term"], events["E1"]["event_type"]) == (
        None,
        None,
        "product_view",
    )
    assert events["E2"] == other_events["E2"]
    # (e) the erasure is audited with its reason
    [entry] = audit(bind, "customer.erase")
    assert (entry.actor, entry.entity_id, entry.data) == (
        "compliance.chan",
        str(c1),
        {"reason": REASON, "contact_points": 1, "identity_documents": 1},
    )
    # (f) searching by the erased phone, id number or name finds nobody
    for query in (PHONE, "13800138000", ID_NUMBER, "王小明", "Wang"):
        with session.begin():
            assert list_parties(session=session, actor=COMPLIANCE, vault=keys, query=query) == ([], 0), query


def test_an_export_after_erasure_holds_no_personal_data(session, loaded, lake_root):
    c1 = loaded["C1"]
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=c1, reason=REASON)
    data = export_party(session=session, actor=COMPLIANCE, vault=vault(), lake_root=lake_root, party_id=c1)
    assert (data["party"]["full_name"], data["party"]["birth_date"], data["party"]["birth_year"]) == (
        f"Erased customer {c1}",
        None,
        1980,
    )
    assert [(c["value"], c["value_masked"]) for c in data["contact_points"]] == [(None, ERASED)]
    assert [(d["number"], d["number_masked"]) for d in data["identity_documents"]] == [(None, ERASED)]
    assert [(t["source_key"], t["counterparty"], t["description"]) for t in data["transactions"]] == [
        ("T1", None, None),
        ("T2", None, None),
        ("T3", None, None),
    ]
    assert [c["evidence"] for c in data["consents"]] == [None]


def test_revealing_an_erased_customer_is_not_found(session, loaded, lake_root):
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=loaded["C1"], reason=REASON)
    with pytest.raises(NotFound) as raised:
        reveal_pii(
            session=session, actor=COMPLIANCE, vault=vault(), party_id=loaded["C1"], fields=["all"], reason="look"
        )
    assert raised.value.message == f"party {loaded['C1']} has no personal data (erased or never held)"


def test_reloading_the_extract_does_not_bring_the_customer_back(session, bind, loaded, lake_root, tmp_path):
    # given the customer was erased
    c1 = loaded["C1"]
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=c1, reason=REASON)
    # when core banking sends the same extract again
    report = load(bind, lake_root, tmp_path, "again")
    # then the erased customer's rows are skipped, and counted as such
    skipped = {e.entity: e.skipped_erased for e in report.entities if e.skipped_erased}
    assert skipped == {"parties": 1, "contact_points": 1, "identity_documents": 1}
    assert (report.entity("parties").read, report.entity("parties").new) == (3, 0)
    # and the party stays erased
    party = one(bind, Party, Party.id == c1)
    assert (party.full_name, party.latin_name, party.data_key, party.birth_date_enc, party.birth_year) == (
        f"Erased customer {c1}",
        None,
        None,
        None,
        1980,
    )
    contact = one(bind, ContactPoint, ContactPoint.party_id == c1)
    assert (contact.value_enc, contact.value_index, contact.value_masked) == (None, None, ERASED)
    document = one(bind, IdentityDocument, IdentityDocument.party_id == c1)
    assert (document.number_enc, document.number_index, document.number_masked) == (None, None, ERASED)
    with session.begin():
        assert list_parties(session=session, actor=COMPLIANCE, vault=vault(), query=PHONE) == ([], 0)
    # and the lake keeps its cleared free text
    transactions = lake_rows(lake_root, "transactions")
    assert (transactions["T1"]["description"], transactions["T2"]["counterparty"]) == (None, None)
    assert (lake_rows(lake_root, "digital_events")["E1"]["search_term"]) is None
    # and other customers are still loaded as before
    mary = one(bind, Party, Party.id == loaded["C2"])
    assert (mary.full_name, mary.data_key is not None) == ("Mary Chan", True)


def test_reloading_does_not_restore_the_consent_evidence(session, bind, loaded, lake_root, tmp_path):
    # given the customer was erased: the consent's evidence (which names them) was cleared
    c1 = loaded["C1"]
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=c1, reason=REASON)
    assert bind.scalar(select(ConsentRecord.evidence).where(ConsentRecord.party_id == c1)) is None
    # when the same extract is loaded again
    load(bind, lake_root, tmp_path, "again")
    # then the evidence does not come back
    assert bind.scalar(select(ConsentRecord.evidence).where(ConsentRecord.party_id == c1)) is None


def test_reloading_does_not_restore_the_household_name(session, bind, loaded, lake_root, tmp_path):
    # given the customer was erased: their household ("Wang household") was renamed
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=loaded["C1"], reason=REASON)
    household_id = bind.scalar(select(Household.id).where(Household.source_key == "H1"))
    assert bind.scalar(select(Household.name).where(Household.id == household_id)) == f"Household {household_id}"
    # when the same extract is loaded again
    load(bind, lake_root, tmp_path, "again")
    # then the family's name does not come back
    assert bind.scalar(select(Household.name).where(Household.id == household_id)) == f"Household {household_id}"


def test_new_free_text_for_an_erased_customer_is_not_stored_in_the_lake(session, bind, loaded, lake_root, tmp_path):
    # given the customer was erased
    c1 = loaded["C1"]
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=c1, reason=REASON)
    # when a later extract carries a new transaction and a new search of theirs, with free text
    data = bank()
    data["transactions"] = [
        {
            "key": "T9",
            "account_key": "A1",
            "booked_at": "2026-11-05T09:00:00Z",
            "amount": "88.00",
            "currency": "CNY",
            "direction": "debit",
            "channel": "wechat_pay",
            "txn_type": "card_purchase",
            "counterparty": "王小明's gym",
            "description": "membership 王小明",
        }
    ]
    data["digital_events"] = [
        {
            "key": "E9",
            "party_key": "C1",
            "occurred_at": "2026-11-05T21:00:00Z",
            "channel": "app",
            "event_type": "search",
            "page": "/search",
            "search_term": "how to close my account 王小明",
        }
    ]
    ingest_extract(
        directory=write_canonical(tmp_path / "later", data),
        mapping=builtin_mapping("canonical", "core"),
        bind=bind,
        lake_root=lake_root,
        work_dir=tmp_path / "w",
        quarantine_dir=tmp_path / "q",
    )
    # then the rows are kept for the statistics, without the erased customer's words
    t9 = lake_rows(lake_root, "transactions")["T9"]
    assert (t9["amount"], t9["counterparty"], t9["description"]) == (Decimal("88.0000"), None, None)
    e9 = lake_rows(lake_root, "digital_events")["E9"]
    assert (e9["event_type"], e9["page"], e9["search_term"]) == ("search", None, None)


def test_erasing_twice_is_harmless(session, bind, loaded, lake_root):
    c1 = loaded["C1"]
    first = erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=c1, reason=REASON)
    second = erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=c1, reason="repeat")
    # the second erasure reports the same moment and repeats the clean-up (nothing left to clear in the consents)
    assert second.erased_at == first.erased_at
    assert (second.party_id, second.contact_points, second.identity_documents, second.consents_cleared) == (
        c1,
        1,
        1,
        0,
    )
    assert second.lake_rows_redacted == 4
    assert [e.data["reason"] for e in audit(bind, "customer.erase")] == [REASON]
    assert [e.data["reason"] for e in audit(bind, "customer.erase_repeated")] == ["repeat"]
    party = one(bind, Party, Party.id == c1)
    assert (party.full_name, party.birth_year, party.erased_at) == (f"Erased customer {c1}", 1980, first.erased_at)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.BRANCH_MANAGER, Role.RELATIONSHIP_MANAGER])
def test_erasure_needs_customer_erase(session, bind, loaded, lake_root, role):
    with pytest.raises(PermissionDenied) as raised:
        erase_party(
            session=session,
            actor=Actor(username="someone", role=role),
            lake_root=lake_root,
            party_id=loaded["C1"],
            reason=REASON,
        )
    assert raised.value.message == f"your role ({role.value}) may not use customer.erase"
    assert bind.scalar(select(Party.erased_at).where(Party.id == loaded["C1"])) is None
    assert bind.scalar(select(Party.data_key).where(Party.id == loaded["C1"])) is not None


def test_an_erasure_that_fails_midway_changes_nothing(session, bind, loaded, lake_root, monkeypatch):
    # given the audit step fails inside the erasure's transaction
    from guanxi.privacy import service

    def broken(**_kwargs) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(service, "record", broken)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=loaded["C1"], reason=REASON)
    # then the customer is intact: key, name, contact
    session.rollback()
    assert bind.scalar(select(Party.full_name).where(Party.id == loaded["C1"])) == "王小明"
    assert bind.scalar(select(Party.data_key).where(Party.id == loaded["C1"])) is not None
    assert bind.scalar(select(ContactPoint.value_masked).where(ContactPoint.party_id == loaded["C1"])) == (
        "+86 138 **** 8000"
    )
    assert lake_rows(lake_root, "transactions")["T2"]["counterparty"] == "海底撈"


def test_the_erased_birth_year_keeps_its_decade(session, bind, loaded, lake_root):
    # Mary was born in 1990: the decade is the year itself
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=loaded["C2"], reason=REASON)
    assert bind.scalar(select(Party.birth_year).where(Party.id == loaded["C2"])) == 1990
    # the company has no birth year, and keeps none
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=loaded["C3"], reason=REASON)
    c3 = one(bind, Party, Party.id == loaded["C3"])
    assert (c3.birth_year, c3.birth_date_masked, c3.incorporated_on) == (None, None, dt.date(2010, 6, 1))
