"""The segments API: a customer's features and segment history, sizes, migration and rules."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.analytics.catalogue import features
from guanxi.analytics.segmentation import RULE_SEGMENTATIONS
from guanxi.security.permissions import Role

DATES = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))


@pytest.fixture
def analysed(analyse) -> None:
    analyse(*DATES)


def test_a_customers_features_come_from_the_latest_analysis(client, world, analysed):
    own = world.ids["own_party"]
    body = client.get(f"/api/v1/parties/{own}/features", headers=world.headers(Role.RELATIONSHIP_MANAGER)).json()
    assert body["as_of"] == "2026-11-01"
    assert set(body["features"]) == {f.name for f in features()}
    assert body["features"]["txn_count_30d"] == 0.0
    other = world.ids["other_party"]
    refused = client.get(f"/api/v1/parties/{other}/features", headers=world.headers(Role.RELATIONSHIP_MANAGER))
    assert refused.status_code == 404


def test_a_customers_segment_history_lists_every_analysed_date(client, world, analysed):
    own = world.ids["own_party"]
    body = client.get(f"/api/v1/parties/{own}/segments/history", headers=world.headers(Role.AUDITOR)).json()
    assert [(e["as_of"], e["segmentation"]) for e in body] == [
        (day.isoformat(), s) for day in DATES for s in sorted(RULE_SEGMENTATIONS)
    ]


def test_sizes_migration_and_rules(client, world, analysed):
    analyst = world.headers(Role.MARKETING_ANALYST)
    sizes = client.get("/api/v1/segments", headers=analyst).json()
    assert sizes["as_of"] == "2026-11-01"
    assert {k: sum(v.values()) for k, v in sizes["sizes"].items()} == dict.fromkeys(RULE_SEGMENTATIONS, 2)
    moved = client.get(
        "/api/v1/segments/migration",
        params={"segmentation": "risk_band", "from": "2026-10-01", "to": "2026-11-01"},
        headers=analyst,
    ).json()
    assert moved == [{"from_segment": "no_credit", "to_segment": "no_credit", "customers": 2}]
    counted = client.post("/api/v1/segments/rules/count", json={"expression": "txn_count_30d = 0"}, headers=analyst)
    assert counted.json() == {"expression": "txn_count_30d = 0", "size": 2, "as_of": "2026-11-01"}
    bad = client.post("/api/v1/segments/rules/count", json={"expression": "wealth > 1"}, headers=analyst)
    assert bad.status_code == 422
    assert bad.json()["message"] == "unknown feature 'wealth' (guanxi features list shows them)"
    unknown = client.get(
        "/api/v1/segments/migration",
        params={"segmentation": "mood", "from": "2026-10-01", "to": "2026-11-01"},
        headers=analyst,
    )
    assert (unknown.status_code, unknown.json()["details"]) == (422, {"field": "segmentation"})
