"""Reading parties, accounts, transactions, products and branches through the API."""

from __future__ import annotations

import pytest

from guanxi.security.permissions import Role


@pytest.fixture
def loaded(canonical_bank: dict[str, int]) -> dict[str, int]:
    """The tiny canonical bank, loaded through the ingest."""
    return canonical_bank


def test_search_parties_by_name(client, headers, loaded):
    response = client.get("/api/v1/parties", params={"q": "小明"}, headers=headers[Role.AUDITOR])
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert [(p["full_name"], p["latin_name"]) for p in body["items"]] == [("王小明", "Wang Xiaoming")]


def test_parties_are_paged(client, headers, loaded):
    response = client.get("/api/v1/parties", params={"limit": 2, "offset": 2}, headers=headers[Role.ADMIN])
    body = response.json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (3, 2, 2, 1)


def test_bad_paging_is_a_clear_422(client, headers, loaded):
    response = client.get("/api/v1/parties", params={"limit": 0}, headers=headers[Role.ADMIN])
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["details"]["problems"] == [
        {"field": "query.limit", "reason": "Input should be greater than or equal to 1"}
    ]


def test_party_detail(client, headers, loaded):
    body = client.get(f"/api/v1/parties/{loaded['wang']}", headers=headers[Role.AUDITOR]).json()
    assert (body["full_name"], body["risk_tolerance"], body["preferred_language"]) == ("王小明", 3, "zh-Hans")
    # personal data is masked: the birth date shows its year, the phone its ends
    assert (body["birth_date_masked"], body["birth_year"]) == ("1985-**-**", 1985)
    assert [(c["kind"], c["value_masked"], c["verified"]) for c in body["contact_points"]] == [
        ("phone", "+86 138 **** 8000", True)
    ]
    assert [(r["kind"], r["direction"], r["other_party_name"]) for r in body["relationships"]] == [
        ("director_of", "from", "明記茶餐廳有限公司")
    ]
    assert len(body["household_ids"]) == 1


def test_unknown_party_is_404(client, headers, loaded):
    response = client.get("/api/v1/parties/999999", headers=headers[Role.ADMIN])
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "no party with id 999999",
        "details": {"party_id": 999999},
    }


def test_accounts_and_transactions(client, headers, loaded):
    auth = headers[Role.COMPLIANCE_OFFICER]
    accounts = client.get(f"/api/v1/parties/{loaded['wang']}/accounts", headers=auth).json()
    assert [(a["account_number"], a["balance"], a["product_family"]) for a in accounts] == [
        ("6222000011112222", "10250.7500", "current"),
        ("6222000033334444", "88.1000", "current"),
    ]
    assert [(h["full_name"], h["role"]) for h in accounts[1]["holders"]] == [
        ("王小明", "joint"),
        ("Mary Chan", "owner"),
    ]
    page = client.get(f"/api/v1/accounts/{loaded['a1']}/transactions", headers=auth).json()
    assert page["total"] == 2
    assert [(t["source_key"], t["amount"], t["direction"], t["booked_at"]) for t in page["items"]] == [
        ("T2", "2000.0000", "debit", "2026-10-02T12:30:00Z"),
        ("T1", "12000.0000", "credit", "2026-09-30T09:00:00Z"),
    ]


def test_products_branches_and_ingest_runs(client, headers, loaded):
    auth = headers[Role.ADMIN]
    products = client.get("/api/v1/products", params={"family": "wealth_fund"}, headers=auth).json()
    assert [(p["name_zh"], p["risk_class"], p["interest_rate"]) for p in products] == [("成長基金", 4, "0.032500")]
    branches = client.get("/api/v1/branches", headers=auth).json()
    assert [(b["city"], b["staff"], b["customers"]) for b in branches] == [
        ("Shanghai", 1, 1),
        ("Hong Kong", 0, 1),
    ]
    runs = client.get("/api/v1/ingest/runs", headers=auth).json()
    assert [(r["source_system"], r["rows_new"], r["rows_rejected"]) for r in runs] == [("core", 22, 0)]


def test_health_and_offline_docs(client, loaded):
    assert client.get("/health").json()["status"] == "ok"
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
