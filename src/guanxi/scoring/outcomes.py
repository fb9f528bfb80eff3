"""What happened after a cut-off date: the labels the customer models learn from.

Analytics, not ORM: like the feature run, these queries take the operational tables as Arrow and
read the lake with DuckDB. Each label looks only at the ``horizon`` days from the cut-off on, and
the population only at data before it, so a label never leaks into the features of its date.

* **churn** — of the customers who were active in the 90 days before the cut-off and held an open
  account: all their accounts closed, or no customer-initiated activity, within the horizon.
* **take-up** — the product families a customer opened an account of within the horizon that
  they did not hold at the cut-off.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from guanxi.analytics.engine import as_of_literal
from guanxi.lake.duck import connect
from guanxi.lake.layout import has_data, scan_sql

HORIZON_DAYS = 90
# Activity the customer chose: not the bank's own postings (interest, fees) or money simply arriving.
CUSTOMER_INITIATED = "t.channel <> 'system' AND t.txn_type NOT IN ('salary', 'interest', 'fee')"


def connect_inputs(inputs: dict[str, pa.Table], lake_root: Path) -> object:
    """A DuckDB connection with the operational inputs registered and the lake's transactions as a view."""
    con = connect()
    for name in ("parties", "account_roles", "accounts", "products", "fx"):
        con.register(name, inputs[name])
    if has_data(lake_root, "transactions"):
        con.execute(f"CREATE TEMP VIEW transactions AS SELECT * FROM {scan_sql(lake_root, 'transactions')}")
    else:
        con.execute(
            "CREATE TEMP TABLE transactions (account_id BIGINT, booked_at TIMESTAMPTZ, channel VARCHAR, "
            "txn_type VARCHAR, source_key VARCHAR, currency VARCHAR, balance_after DECIMAL(18,4))"
        )
    return con


def _window(as_of: dt.date, horizon_days: int) -> tuple[str, str]:
    return as_of_literal(as_of), as_of_literal(as_of + dt.timedelta(days=horizon_days))


def churn_labels(
    inputs: dict[str, pa.Table], lake_root: Path, as_of: dt.date, horizon_days: int = HORIZON_DAYS
) -> pa.Table:
    """``party_id, churned`` (0/1) for every customer at risk at ``as_of`` (active and holding an account)."""
    start, end = _window(as_of, horizon_days)
    before = as_of_literal(as_of - dt.timedelta(days=HORIZON_DAYS))
    con = connect_inputs(inputs, lake_root)
    try:
        return con.sql(  # type: ignore[attr-defined]
            f"""
WITH owned AS (
    SELECT r.party_id, a.id AS account_id, a.closed_on
    FROM account_roles r JOIN accounts a ON a.id = r.account_id
    WHERE r.role IN ('owner', 'joint') AND a.opened_on < CAST({start} AS DATE)
      AND (a.closed_on IS NULL OR a.closed_on >= CAST({start} AS DATE))
),
activity AS (
    SELECT o.party_id,
           max(CASE WHEN t.booked_at < {start} THEN 1 ELSE 0 END) AS active_before,
           max(CASE WHEN t.booked_at >= {start} THEN 1 ELSE 0 END) AS active_after
    FROM transactions t JOIN owned o ON o.account_id = t.account_id
    WHERE t.booked_at >= {before} AND t.booked_at < {end} AND {CUSTOMER_INITIATED}
    GROUP BY o.party_id
),
holdings AS (
    SELECT party_id, bool_and(closed_on IS NOT NULL AND closed_on < CAST({end} AS DATE)) AS all_closed
    FROM owned GROUP BY party_id
)
SELECT h.party_id,
       CAST(CASE WHEN h.all_closed OR a.active_after = 0 THEN 1 ELSE 0 END AS TINYINT) AS churned
FROM holdings h
JOIN activity a ON a.party_id = h.party_id AND a.active_before = 1
JOIN parties p ON p.id = h.party_id AND p.party_type = 'individual'
ORDER BY h.party_id
"""
        ).to_arrow_table()
    finally:
        con.close()  # type: ignore[attr-defined]


def takeup_labels(
    inputs: dict[str, pa.Table], lake_root: Path, as_of: dt.date, horizon_days: int = HORIZON_DAYS
) -> pa.Table:
    """``party_id, family``: each product family a customer newly took up within the horizon."""
    start, end = _window(as_of, horizon_days)
    con = connect_inputs(inputs, lake_root)
    try:
        return con.sql(  # type: ignore[attr-defined]
            f"""
WITH held AS (
    SELECT DISTINCT r.party_id, p.family
    FROM account_roles r JOIN accounts a ON a.id = r.account_id JOIN products p ON p.id = a.product_id
    WHERE r.role IN ('owner', 'joint') AND a.opened_on < CAST({start} AS DATE)
      AND (a.closed_on IS NULL OR a.closed_on >= CAST({start} AS DATE))
),
opened AS (
    SELECT DISTINCT r.party_id, p.family
    FROM account_roles r JOIN accounts a ON a.id = r.account_id JOIN products p ON p.id = a.product_id
    WHERE r.role IN ('owner', 'joint') AND a.opened_on >= CAST({start} AS DATE)
      AND a.opened_on < CAST({end} AS DATE)
)
SELECT o.party_id, o.family FROM opened o
ANTI JOIN held h ON h.party_id = o.party_id AND h.family = o.family
ORDER BY o.party_id, o.family
"""
        ).to_arrow_table()
    finally:
        con.close()  # type: ignore[attr-defined]
