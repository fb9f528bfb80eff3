"""Data-subject rights over HTTP: export a customer, erase them, and what the API shows afterwards."""

from __future__ import annotations

from sqlalchemy import select

from factories import vault
from guanxi.audit.models import AuditEvent
from guanxi.db import session_factory
from guanxi.parties.models import Party
from guanxi.security.permissions import Role

DSR = "DSR-2026-0042"


def test_export_as_compliance_officer(client, world, bind):
    # when the compliance officer exports their customer
    party_id = world.ids["own_party"]
    response = client.get(f"/api/v1/parties/{party_id}/export", headers=world.headers(Role.COMPLIANCE_OFFICER))
    # then the JSON holds the personal data in clear, in the export format
    assert response.status_code == 200
    body = response.json()
    assert body["format"] == "guanxi.customer-export/1"
    assert (body["party"]["id"], body["party"]["full_name"], body["party"]["birth_date"]) == (
        party_id,
        "王小明",
        "1985-04-12",
    )
    assert [(c["kind"], c["value"]) for c in body["contact_points"]] == [("phone", "13812345678")]
    assert [d["number"] for d in body["identity_documents"]] == ["A123456(7)"]
    assert [a["id"] for a in body["accounts"]] == [world.ids["own_account"]]
    assert (body["transactions"], body["digital_events"]) == ([], [])
    assert "data_key" not in body["party"] and "birth_date_enc" not in body["party"]
    # and the export is audited as the officer
    with session_factory(bind)() as reader:
        entries = reader.scalars(select(AuditEvent).where(AuditEvent.action == "customer.export")).all()
        assert [(e.actor, e.entity_id) for e in entries] == [(world.usernames[Role.COMPLIANCE_OFFICER], str(party_id))]


def test_export_is_refused_without_customer_export(client, world):
    response = client.get(
        f"/api/v1/parties/{world.ids['own_party']}/export", headers=world.headers(Role.RELATIONSHIP_MANAGER)
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "your role (relationship_manager) may not use customer.export",
        "details": {},
    }


def test_erase_then_the_party_is_an_erased_stub(client, world, bind):
    party_id = world.ids["own_party"]
    officer = world.headers(Role.COMPLIANCE_OFFICER)
    # when the compliance officer erases the customer
    response = client.post(f"/api/v1/parties/{party_id}/erase", json={"reason": DSR}, headers=officer)
    # then the report says what was removed
    assert response.status_code == 200
    report = response.json()
    assert {k: v for k, v in report.items() if k != "erased_at"} == {
        "party_id": party_id,
        "contact_points": 1,
        "identity_documents": 1,
        "consents_cleared": 0,
        "cases_cleared": 1,
        "lake_rows_redacted": 0,
        "storage_cleared": None,  # the test database is a connection, not a file the eraser owns
    }
    # and the party detail shows a de-identified stub
    detail = client.get(f"/api/v1/parties/{party_id}", headers=officer)
    assert detail.status_code == 200
    body = detail.json()
    assert (body["full_name"], body["latin_name"], body["birth_date_masked"]) == (
        f"Erased customer {party_id}",
        None,
        "[erased]",
    )
    assert [c["value_masked"] for c in body["contact_points"]] == ["[erased]"]
    assert [d["number_masked"] for d in body["identity_documents"]] == ["[erased]"]
    # and an export now holds nothing personal
    export = client.get(f"/api/v1/parties/{party_id}/export", headers=officer).json()
    assert (export["party"]["birth_date"], [c["value"] for c in export["contact_points"]]) == (None, [None])
    # and the stored key is gone
    assert bind.scalar(select(Party.data_key).where(Party.id == party_id)) is None


def test_reveal_after_erase_is_404(client, world):
    party_id = world.ids["own_party"]
    officer = world.headers(Role.COMPLIANCE_OFFICER)
    before = client.post(
        f"/api/v1/parties/{party_id}/reveal", json={"fields": ["all"], "reason": "checking the DSR"}, headers=officer
    )
    assert before.status_code == 200
    assert before.json()["birth_date"] == "1985-04-12"
    assert client.post(f"/api/v1/parties/{party_id}/erase", json={"reason": DSR}, headers=officer).status_code == 200
    # when personal data is revealed after the erasure
    after = client.post(
        f"/api/v1/parties/{party_id}/reveal", json={"fields": ["all"], "reason": "checking the DSR"}, headers=officer
    )
    # then there is none to reveal
    assert after.status_code == 404
    assert after.json() == {
        "code": "not_found",
        "message": f"party {party_id} has no personal data (erased or never held)",
        "details": {},
    }


def test_search_by_the_erased_phone_finds_nothing(client, world):
    officer = world.headers(Role.COMPLIANCE_OFFICER)
    assert client.get("/api/v1/parties", params={"q": "13812345678"}, headers=officer).json()["total"] == 1
    client.post(f"/api/v1/parties/{world.ids['own_party']}/erase", json={"reason": DSR}, headers=officer)
    assert client.get("/api/v1/parties", params={"q": "13812345678"}, headers=officer).json()["total"] == 0


def test_erasing_twice_over_http_is_harmless(client, world, bind):
    party_id = world.ids["own_party"]
    officer = world.headers(Role.COMPLIANCE_OFFICER)
    first = client.post(f"/api/v1/parties/{party_id}/erase", json={"reason": DSR}, headers=officer)
    second = client.post(f"/api/v1/parties/{party_id}/erase", json={"reason": DSR + " again"}, headers=officer)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["erased_at"] == first.json()["erased_at"]
    with session_factory(bind)() as reader:
        actions = reader.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity == "party", AuditEvent.entity_id == str(party_id))
            .order_by(AuditEvent.seq)
        ).all()
    assert [a for a in actions if a.startswith("customer.erase")] == ["customer.erase", "customer.erase_repeated"]


def test_erase_needs_customer_erase_and_a_reason(client, world, bind):
    party_id = world.ids["own_party"]
    denied = client.post(
        f"/api/v1/parties/{party_id}/erase", json={"reason": DSR}, headers=world.headers(Role.BRANCH_MANAGER)
    )
    assert denied.status_code == 403
    assert denied.json()["message"] == "your role (branch_manager) may not use customer.erase"
    no_reason = client.post(
        f"/api/v1/parties/{party_id}/erase", json={"reason": "x"}, headers=world.headers(Role.COMPLIANCE_OFFICER)
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "invalid_request"
    # nothing was erased
    assert bind.scalar(select(Party.full_name).where(Party.id == party_id)) == "王小明"
    assert vault().unwrap(bind.scalar(select(Party.data_key).where(Party.id == party_id)))
