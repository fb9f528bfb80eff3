"""Rule-based segmentations over the feature table: value tier, channel preference, risk band and
lifecycle stage. Each customer gets one segment per segmentation and the reason, as a code with
the figures behind it, so the workspace can say it in words in any language.

The rules are plain thresholds, documented here and configurable per bank (:class:`Rules`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from guanxi.lake.duck import connect

RULE_SEGMENTATIONS = ("value_tier", "channel_preference", "risk_band", "lifecycle_stage")
# Every segmentation a run produces: the rule-based ones and the behavioural clusters.
SEGMENTATIONS = (*RULE_SEGMENTATIONS, "needs_cluster")


@dataclass(frozen=True)
class Rules:
    """Thresholds of the rule-based segmentations (money in the bank's base currency)."""

    # value tier by assets held: the first threshold reached wins
    value_tiers: tuple[tuple[str, float], ...] = (
        ("private", 6_000_000.0),
        ("affluent", 600_000.0),
        ("mass_affluent", 100_000.0),
    )
    digital_first_share: float = 0.7  # digital share of customer-initiated transactions
    branch_first_share: float = 0.5  # branch + ATM share
    high_risk_days_past_due: int = 90
    elevated_risk_days_past_due: int = 30
    new_customer_days: int = 180
    dormant_days: int = 90  # no transaction and no log-in for this long
    declining_trend: float = -0.05  # month-end balance trend per month, relative to its average
    growing_trend: float = 0.03
    # activity falling: the last 90 days under this share of the 365-day quarterly average
    declining_activity: float = 0.5


def _sql(rules: Rules) -> str:
    tiers = " ".join(f"WHEN coalesce(aum, 0) >= {threshold} THEN '{name}'" for name, threshold in rules.value_tiers)
    tier_reason = " ".join(
        f"WHEN coalesce(aum, 0) >= {threshold} THEN {threshold}" for _, threshold in rules.value_tiers
    )
    lowest = rules.value_tiers[-1][1]
    r = rules
    return f"""
SELECT party_id, 'value_tier' AS segmentation,
       CASE {tiers} ELSE 'mass' END AS segment,
       CASE WHEN coalesce(aum, 0) >= {lowest} THEN 'aum_at_least' ELSE 'aum_below' END AS reason,
       json_object('aum', round(coalesce(aum, 0), 2),
                   'threshold', CASE {tier_reason} ELSE {lowest} END) AS detail
FROM features
UNION ALL
SELECT party_id, 'channel_preference',
       CASE WHEN txn_count_90d = 0 AND logins_30d = 0 THEN 'inactive'
            WHEN digital_share >= {r.digital_first_share} THEN 'digital_first'
            WHEN coalesce(share_branch, 0) + coalesce(share_atm, 0) >= {r.branch_first_share} THEN 'branch_first'
            ELSE 'omnichannel' END,
       CASE WHEN txn_count_90d = 0 AND logins_30d = 0 THEN 'no_activity_90d'
            WHEN digital_share >= {r.digital_first_share} THEN 'digital_share_high'
            WHEN coalesce(share_branch, 0) + coalesce(share_atm, 0) >= {r.branch_first_share} THEN 'branch_share_high'
            ELSE 'mixed_channels' END,
       json_object('digital_share', round(coalesce(digital_share, 0), 4),
                   'branch_share', round(coalesce(share_branch, 0) + coalesce(share_atm, 0), 4))
FROM features
UNION ALL
SELECT party_id, 'risk_band',
       CASE WHEN max_days_past_due >= {r.high_risk_days_past_due} THEN 'high'
            WHEN max_days_past_due >= {r.elevated_risk_days_past_due} OR loans_in_arrears > 0 THEN 'elevated'
            WHEN coalesce(liabilities, 0) > 0 OR holds_mortgage = 1 OR holds_personal_loan = 1
                 OR holds_credit_card = 1 THEN 'standard'
            ELSE 'no_credit' END,
       CASE WHEN max_days_past_due >= {r.elevated_risk_days_past_due} THEN 'days_past_due'
            WHEN loans_in_arrears > 0 THEN 'loan_in_arrears'
            WHEN coalesce(liabilities, 0) > 0 OR holds_mortgage = 1 OR holds_personal_loan = 1
                 OR holds_credit_card = 1 THEN 'credit_in_good_standing'
            ELSE 'no_credit_products' END,
       json_object('max_days_past_due', max_days_past_due, 'loans_in_arrears', loans_in_arrears)
FROM features
UNION ALL
SELECT party_id, 'lifecycle_stage',
       CASE WHEN is_closed = 1 THEN 'closed'
            WHEN coalesce(days_since_last_txn, 100000) >= {r.dormant_days}
                 AND coalesce(days_since_last_login, 100000) >= {r.dormant_days} THEN 'dormant'
            WHEN tenure_days < {r.new_customer_days} THEN 'new'
            WHEN balance_trend_6m <= {r.declining_trend}
                 OR (txn_count_365d >= 8 AND txn_count_90d < {r.declining_activity} * txn_count_365d / 4.0)
                 THEN 'declining'
            WHEN balance_trend_6m >= {r.growing_trend} THEN 'growing'
            ELSE 'mature' END,
       CASE WHEN is_closed = 1 THEN 'relationship_closed'
            WHEN coalesce(days_since_last_txn, 100000) >= {r.dormant_days}
                 AND coalesce(days_since_last_login, 100000) >= {r.dormant_days} THEN 'no_activity'
            WHEN tenure_days < {r.new_customer_days} THEN 'recent_customer'
            WHEN balance_trend_6m <= {r.declining_trend} THEN 'balance_falling'
            WHEN txn_count_365d >= 8 AND txn_count_90d < {r.declining_activity} * txn_count_365d / 4.0
                 THEN 'activity_falling'
            WHEN balance_trend_6m >= {r.growing_trend} THEN 'balance_rising'
            ELSE 'steady' END,
       json_object('balance_trend_6m', round(coalesce(balance_trend_6m, 0), 4),
                   'days_since_last_txn', days_since_last_txn, 'tenure_days', tenure_days,
                   'txn_count_90d', txn_count_90d, 'txn_count_365d', txn_count_365d)
FROM features
ORDER BY party_id, segmentation
"""


def segment(features: pa.Table, rules: Rules | None = None) -> pa.Table:
    """One row per customer and segmentation: ``party_id, segmentation, segment, reason, detail``."""
    con = connect()
    try:
        con.register("features", features)
        return con.sql(_sql(rules or Rules())).to_arrow_table()
    finally:
        con.close()
