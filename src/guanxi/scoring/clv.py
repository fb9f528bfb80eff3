"""Customer lifetime value: the expected relationship margin over the next 12 months.

Each account open at the cut-off earns its product's margin rate on its last known balance (in
base currency, a debt as much as a deposit); the customer's yearly margin is the sum. The churn
model's 90-day probability turns into a 12-month survival ``(1 − p) ** (365 / 90)``, and the value
is the margin times the survival: a profitable customer about to leave is worth less than one who
stays. Money is rounded to cents only when written back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi.analytics.engine import as_of_literal
from guanxi.scoring.outcomes import HORIZON_DAYS, connect_inputs

YEAR_DAYS = 365


def yearly_margin(inputs: dict[str, pa.Table], lake_root: Path, as_of: dt.date) -> pd.Series:
    """Expected yearly margin per customer (base currency), from balances before ``as_of``."""
    cut = as_of_literal(as_of)
    con = connect_inputs(inputs, lake_root)
    try:
        frame = con.sql(  # type: ignore[attr-defined]
            f"""
WITH open_accounts AS (
    SELECT r.party_id, a.id AS account_id, p.margin_rate
    FROM account_roles r JOIN accounts a ON a.id = r.account_id JOIN products p ON p.id = a.product_id
    WHERE r.role IN ('owner', 'joint') AND a.opened_on < CAST({cut} AS DATE)
      AND (a.closed_on IS NULL OR a.closed_on >= CAST({cut} AS DATE))
),
last_balance AS (
    SELECT t.account_id,
           arg_max(CAST(t.balance_after AS DOUBLE) * fx.rate, struct_pack(at := t.booked_at, seq := t.source_key))
               FILTER (WHERE t.balance_after IS NOT NULL) AS balance
    FROM transactions t JOIN fx ON fx.currency = t.currency
    WHERE t.booked_at < {cut} AND t.account_id IN (SELECT account_id FROM open_accounts)
    GROUP BY t.account_id
)
SELECT o.party_id, sum(abs(coalesce(b.balance, 0)) * coalesce(o.margin_rate, 0)) AS margin
FROM open_accounts o LEFT JOIN last_balance b ON b.account_id = o.account_id
GROUP BY o.party_id
"""
        ).to_df()
    finally:
        con.close()  # type: ignore[attr-defined]
    return frame.set_index("party_id")["margin"]


def lifetime_value(margin: np.ndarray, churn_probability: np.ndarray) -> np.ndarray:
    """12-month value: the yearly margin times the chance of still being a customer in a year."""
    survival = np.power(np.clip(1.0 - churn_probability, 0.0, 1.0), YEAR_DAYS / HORIZON_DAYS)
    return np.asarray(margin, dtype=float) * survival
