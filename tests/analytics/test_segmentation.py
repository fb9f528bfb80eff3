"""The rule-based segmentations: each boundary, and the reason given with each segment."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from guanxi.analytics.catalogue import features
from guanxi.analytics.segmentation import Rules, segment

ACTIVE = {
    "txn_count_90d": 30.0,
    "txn_count_365d": 120.0,
    "days_since_last_txn": 2.0,
    "logins_30d": 4.0,
    "days_since_last_login": 1.0,
    "tenure_days": 900.0,
    "balance_trend_6m": 0.0,
    "digital_share": 0.5,
    "share_branch": 0.1,
    "share_atm": 0.1,
    "max_days_past_due": 0.0,
    "loans_in_arrears": 0.0,
    "is_closed": 0.0,
    "aum": 50_000.0,
    "liabilities": 0.0,
}


def _table(*customers: dict[str, float | None]) -> pa.Table:
    names = [f.name for f in features()]
    rows = [{"party_id": n + 1, **dict.fromkeys(names, 0.0), **ACTIVE, **c} for n, c in enumerate(customers)]
    return pa.table({k: [r[k] for r in rows] for k in ["party_id", *names]})


def _segments(table: pa.Table, segmentation: str) -> list[tuple[str, str, dict]]:
    return [
        (r["segment"], r["reason"], json.loads(r["detail"]))
        for r in segment(table).to_pylist()
        if r["segmentation"] == segmentation
    ]


@pytest.mark.parametrize(
    ("aum", "tier"),
    [
        (6_000_000.0, "private"),
        (5_999_999.99, "affluent"),
        (600_000.0, "affluent"),
        (100_000.0, "mass_affluent"),
        (99_999.0, "mass"),
        (None, "mass"),
    ],
)
def test_value_tier_by_assets_held(aum, tier):
    [(segment_, reason, detail)] = _segments(_table({"aum": aum}), "value_tier")
    assert segment_ == tier
    assert reason == ("aum_below" if tier == "mass" else "aum_at_least")
    assert detail["aum"] == (aum or 0)


def test_value_tier_thresholds_are_configurable():
    rules = Rules(value_tiers=(("gold", 1000.0),))
    rows = [
        r
        for r in segment(_table({"aum": 1500.0}, {"aum": 10.0}), rules).to_pylist()
        if r["segmentation"] == "value_tier"
    ]
    assert [(r["segment"], json.loads(r["detail"])["threshold"]) for r in rows] == [("gold", 1000.0), ("mass", 1000.0)]


def test_channel_preference():
    table = _table(
        {"digital_share": 0.7},
        {"digital_share": 0.2, "share_branch": 0.3, "share_atm": 0.2},
        {"digital_share": 0.4},
        {"txn_count_90d": 0.0, "logins_30d": 0.0},
    )
    assert [s for s, _, _ in _segments(table, "channel_preference")] == [
        "digital_first",
        "branch_first",
        "omnichannel",
        "inactive",
    ]


def test_risk_band_from_the_credit_record():
    table = _table(
        {"max_days_past_due": 90.0},
        {"max_days_past_due": 30.0},
        {"loans_in_arrears": 1.0},
        {"liabilities": 5000.0},
        {},
    )
    assert [(s, r) for s, r, _ in _segments(table, "risk_band")] == [
        ("high", "days_past_due"),
        ("elevated", "days_past_due"),
        ("elevated", "loan_in_arrears"),
        ("standard", "credit_in_good_standing"),
        ("no_credit", "no_credit_products"),
    ]


def test_lifecycle_stage_rules_in_order():
    table = _table(
        {"is_closed": 1.0},
        {"days_since_last_txn": 90.0, "days_since_last_login": 120.0},
        {"tenure_days": 100.0},
        {"balance_trend_6m": -0.05},
        {"txn_count_90d": 10.0, "txn_count_365d": 120.0},
        {"balance_trend_6m": 0.03},
        {},
    )
    assert [(s, r) for s, r, _ in _segments(table, "lifecycle_stage")] == [
        ("closed", "relationship_closed"),
        ("dormant", "no_activity"),
        ("new", "recent_customer"),
        ("declining", "balance_falling"),
        ("declining", "activity_falling"),
        ("growing", "balance_rising"),
        ("mature", "steady"),
    ]
