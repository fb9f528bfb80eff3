"""Proactive customer insights, computed from the lake as of a cut-off date.

Six kinds, each one set-based DuckDB query in ``analytics/insights/<kind>.sql`` over every
account at once (no per-customer loop), reading only transactions strictly before the cut-off:

- ``duplicate_charge``: the same card purchase booked twice within minutes;
- ``recurring_increase``: a monthly payment, steady for months, now dearer;
- ``refund_posted``: a merchant's refund credited to a card;
- ``low_balance_forecast``: the balance less the recurring debits due within a week is below zero;
- ``large_purchase``: a card purchase far above the customer's usual spending;
- ``salary_received``: a salary credited to an account paid a regular salary.

Events are "recent" when they happened in the ``lookback_days`` before the cut-off; the forecast
looks ahead from it. The lake holds transactions per account; who holds each account, and the
exchange rates, come from the operational database as Arrow tables (the analytics never reads the ORM).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from guanxi.analytics.engine import as_of_literal
from guanxi.errors import ValidationFailed
from guanxi.lake.duck import connect
from guanxi.lake.layout import has_data, scan_sql
from guanxi.money import STORAGE_PRECISION, STORAGE_SCALE

INSIGHT_KINDS = (
    "duplicate_charge",
    "recurring_increase",
    "refund_posted",
    "low_balance_forecast",
    "large_purchase",
    "salary_received",
)
LOOKBACK_DAYS = 30  # "recent": what happened in the last month is still worth raising

# A terminal retry or a double submission books again within minutes; a customer buying the same
# thing twice at one merchant for exactly the same amount rarely does it so soon.
DUPLICATE_MINUTES = 10
# Consecutive payments of a monthly charge: about a month apart, allowing for month lengths,
# weekends and billing dates that drift by a few days.
MONTHLY_GAP_DAYS = (20, 40)
# A price rise needs a price first: at least three payments in a row at the old price.
RECURRING_MIN_PRIOR = 3
# Fixed-price charges (subscriptions, premiums, rent, instalments) repeat to the cent; metered
# bills and transfers of varying size do not, and are not price rises.
RECURRING_STABLE = 0.01
# Smaller changes are rounding, FX or tax; 10 % is a rise a customer wants to hear about.
RECURRING_MIN_RISE = 0.10
# More than double is not a new price but another payment under the same payee (a one-off
# transfer, a lump-sum repayment): not reported as a rise.
RECURRING_MAX_RISE = 1.0
# Debit types that carry recurring charges. Cash and card statement repayments are excluded:
# their amounts follow the customer's own spending, not a price.
RECURRING_TYPES = (
    "bill_payment",
    "insurance_premium",
    "transfer_out",
    "card_purchase",
    "loan_repayment",
    "investment",
    "fee",
)
# The purchase a refund reverses: a few weeks back at most, within card schemes' dispute windows.
REFUND_MATCH_DAYS = 90
# The customer's usual purchase: the median card purchase over the half-year before the window,
# long enough to even out seasons and holidays.
LARGE_BASELINE_DAYS = 180
# Unusual: at least the floor (in the base currency), below which no purchase is worth an alert
# whatever the habit; five times the usual purchase; and twice the largest of the half-year before,
# because a flight or a phone easily costs five times a median made of groceries and meals, and a
# customer who travels often need not hear about every ticket.
LARGE_FLOOR = 10_000
LARGE_MULTIPLE = 5
LARGE_OVER_LARGEST = 2
# With fewer purchases than this there is no usual amount to compare with: the floor decides.
LARGE_MIN_BASELINE = 5
# The forecast looks a week ahead: time enough to move money before a debit bounces.
FORECAST_DAYS = 7
# A recurring debit for the forecast: three payments about a month apart, for amounts within 20 %
# of each other (utility bills vary; a one-off transfer does not repeat).
FORECAST_MIN_PAYMENTS = 3
FORECAST_SPREAD = 0.20
# A regular salary, as features/salary.sql detects it: paid in 4 of the 6 months before.
SALARY_MONTHS = 6
SALARY_MIN_MONTHS = 4
# Transactions read: six whole calendar months before the cut-off's month (salary), and the
# recurring series before the window; the purchase baseline may reach further back.
HISTORY_DAYS = 7 * 31

_MONEY = f"DECIMAL({STORAGE_PRECISION},{STORAGE_SCALE})"
_LAKE_COLUMNS = (
    "account_id",
    "booked_at",
    "source_key",
    "amount",
    "currency",
    "direction",
    "txn_type",
    "counterparty",
    "description",
    "balance_after",
)
OUTPUT_SCHEMA = pa.schema(
    [
        ("party_id", pa.int64()),
        ("kind", pa.string()),
        ("occurred_on", pa.date32()),
        ("amount", pa.decimal128(STORAGE_PRECISION, STORAGE_SCALE)),
        ("currency", pa.string()),
        ("account_id", pa.int64()),
        ("details", pa.string()),
    ]
)


@dataclass(frozen=True)
class Insight:
    """One thing worth telling a customer, with what it is based on."""

    party_id: int  # the database (and lake) id of the customer
    kind: str  # one of INSIGHT_KINDS
    occurred_on: dt.date  # when it happened; for a forecast, the cut-off it was made on
    amount: Decimal  # the charge, rise, refund, purchase or salary; for a forecast, the shortfall
    currency: str
    account_id: int
    # References and figures behind it: money as exact decimal strings; ratios and base-currency
    # comparisons as numbers.
    details: dict[str, Any]


@dataclass(frozen=True)
class InsightSource:
    """What detection reads: booked transactions, who holds each account, exchange rates.

    ``transactions`` is a lake root (its Hive-partitioned Parquet) or a DuckDB ``SELECT`` giving
    the lake's transaction columns. ``account_roles`` (account_id, party_id, role) and ``fx``
    (currency, rate: one unit's value in the base currency) come from the operational database.
    """

    transactions: Path | str
    account_roles: pa.Table
    fx: pa.Table

    @classmethod
    def from_inputs(cls, lake_root: Path, inputs: Mapping[str, pa.Table]) -> InsightSource:
        """The lake with the analytics inputs the feature run reads (``account_roles`` and ``fx``)."""
        missing = sorted({"account_roles", "fx"} - set(inputs))
        if missing:
            raise ValidationFailed(f"insight inputs missing: {', '.join(missing)}")
        return cls(lake_root, inputs["account_roles"], inputs["fx"])


@cache
def rule_sql(name: str) -> str:
    """The text of one rule (or ``_base``) from ``analytics/insights/``."""
    return resources.files("guanxi.analytics").joinpath("insights", f"{name}.sql").read_text(encoding="utf-8")


def _parameters(as_of: dt.date, lookback_days: int) -> dict[str, str]:
    since = as_of - dt.timedelta(days=lookback_days)
    return {
        "as_of": as_of_literal(as_of),
        "since": as_of_literal(since),
        "duplicate_minutes": str(DUPLICATE_MINUTES),
        "gap_min": str(MONTHLY_GAP_DAYS[0]),
        "gap_max": str(MONTHLY_GAP_DAYS[1]),
        "recurring_min_prior": str(RECURRING_MIN_PRIOR),
        "recurring_gap_rows": str(RECURRING_MIN_PRIOR - 1),  # the gaps from the first prior payment on
        "recurring_stable": repr(RECURRING_STABLE),
        "recurring_stable_pct": f"{RECURRING_STABLE * 100:g}",
        "recurring_min_rise": repr(RECURRING_MIN_RISE),
        "recurring_min_rise_pct": f"{RECURRING_MIN_RISE * 100:g}",
        "recurring_max_rise": repr(RECURRING_MAX_RISE),
        "recurring_max_rise_pct": f"{RECURRING_MAX_RISE * 100:g}",
        "recurring_types": ", ".join(f"'{t}'" for t in RECURRING_TYPES),
        # the series either rule looks at: paid within the window, or recently enough to fall due
        "recurring_recent_days": str(max(lookback_days, 31)),
        "refund_match_days": str(REFUND_MATCH_DAYS),
        "large_baseline_days": str(LARGE_BASELINE_DAYS),
        "large_multiple": str(LARGE_MULTIPLE),
        "large_floor": str(LARGE_FLOOR),
        "large_over_largest": str(LARGE_OVER_LARGEST),
        "large_min_baseline": str(LARGE_MIN_BASELINE),
        "forecast_days": str(FORECAST_DAYS),
        "forecast_min_payments": str(FORECAST_MIN_PAYMENTS),
        "series_min_payments": str(min(FORECAST_MIN_PAYMENTS, RECURRING_MIN_PRIOR + 1)),
        "forecast_rows": str(FORECAST_MIN_PAYMENTS - 1),
        "forecast_gap_rows": str(FORECAST_MIN_PAYMENTS - 2),
        "forecast_spread": repr(FORECAST_SPREAD),
        "forecast_spread_pct": f"{FORECAST_SPREAD * 100:g}",
        "salary_months": str(SALARY_MONTHS),
        "salary_min_months": str(SALARY_MIN_MONTHS),
    }


def _transactions_sql(source: Path | str, as_of: dt.date, days: int) -> str:
    """The transactions of the reading window, from the lake (pruning month folders) or a query."""
    first = as_of - dt.timedelta(days=days)
    window = f"booked_at < {as_of_literal(as_of)} AND booked_at >= {as_of_literal(first)}"
    columns = ", ".join(_LAKE_COLUMNS)
    if isinstance(source, Path):
        months = f"month >= '{first:%Y-%m}' AND month <= '{as_of:%Y-%m}'"
        return f"SELECT {columns} FROM {scan_sql(source, 'transactions')} WHERE {months} AND {window}"
    return f"SELECT {columns} FROM ({source}) WHERE {window}"


def _check(as_of: dt.date, lookback_days: int, kinds: Iterable[str]) -> tuple[str, ...]:
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise ValidationFailed(f"as_of must be a date, not {as_of!r}")
    if lookback_days < 1 or lookback_days > LARGE_BASELINE_DAYS:
        raise ValidationFailed(f"lookback_days must be between 1 and {LARGE_BASELINE_DAYS}, not {lookback_days}")
    chosen = tuple(kinds)
    unknown = sorted(set(chosen) - set(INSIGHT_KINDS))
    if unknown:
        raise ValidationFailed(f"unknown insight kind {', '.join(unknown)} (one of: {', '.join(INSIGHT_KINDS)})")
    return chosen


def insight_table(
    lake: InsightSource,
    as_of: dt.date,
    *,
    lookback_days: int = LOOKBACK_DAYS,
    party_ids: Iterable[int] | None = None,
    kinds: Iterable[str] = INSIGHT_KINDS,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> pa.Table:
    """Every insight as of ``as_of`` as one Arrow table (``OUTPUT_SCHEMA``; details as JSON text).

    Sorted by party, kind, date and account. ``party_ids`` limits detection to those customers;
    ``memory_limit`` and ``threads`` are DuckDB's (for a whole bank, the analytics settings).
    """
    chosen = _check(as_of, lookback_days, kinds)
    wanted = None if party_ids is None else sorted({int(p) for p in party_ids})
    empty_lake = isinstance(lake.transactions, Path) and not has_data(lake.transactions, "transactions")
    if empty_lake or wanted == [] or not chosen:
        return OUTPUT_SCHEMA.empty_table()
    params = _parameters(as_of, lookback_days)
    config: dict[str, str | int] = {"memory_limit": memory_limit} if memory_limit else {}
    if threads:
        config["threads"] = threads
    con = connect(config)
    try:
        con.register("in_roles", lake.account_roles)
        con.register("fx", lake.fx)
        holders = "SELECT account_id, party_id FROM in_roles WHERE role IN ('owner', 'joint')"
        days = max(HISTORY_DAYS, lookback_days + LARGE_BASELINE_DAYS)
        txn = _transactions_sql(lake.transactions, as_of, days)
        if wanted is not None:
            con.register("wanted", pa.table({"party_id": pa.array(wanted, pa.int64())}))
            holders += " AND party_id IN (SELECT party_id FROM wanted)"
            txn += " AND account_id IN (SELECT account_id FROM holders)"
        con.execute(f"CREATE TEMP TABLE holders AS {holders}")
        con.execute(f"CREATE TEMP VIEW txn AS {txn}")
        con.execute(rule_sql("_base").format(**params))
        parts = [
            f"SELECT party_id, '{kind}' AS kind, occurred_on, CAST(amount AS {_MONEY}) AS amount, currency, "
            f"account_id, CAST(details AS VARCHAR) AS details FROM ({rule_sql(kind).format(**params)})"
            for kind in chosen
        ]
        query = " UNION ALL ".join(f"({p})" for p in parts)
        table = con.sql(f"SELECT * FROM ({query}) ORDER BY party_id, kind, occurred_on, account_id, details")
        return table.to_arrow_table().cast(OUTPUT_SCHEMA)
    except duckdb.BinderException as exc:
        raise ValidationFailed(f"the transactions lack a column the insight rules need: {exc}") from exc
    finally:
        con.close()


def detect_insights(
    lake: InsightSource,
    as_of: dt.date,
    *,
    lookback_days: int = LOOKBACK_DAYS,
    party_ids: Iterable[int] | None = None,
) -> list[Insight]:
    """Every insight as of ``as_of``, computed from transactions strictly before it."""
    table = insight_table(lake, as_of, lookback_days=lookback_days, party_ids=party_ids)
    return [
        Insight(
            party_id=row["party_id"],
            kind=row["kind"],
            occurred_on=row["occurred_on"],
            amount=row["amount"],
            currency=row["currency"],
            account_id=row["account_id"],
            details=json.loads(row["details"]),
        )
        for row in table.to_pylist()
    ]
