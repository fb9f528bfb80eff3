"""What the customer 360 reads from the lake for one customer, in one DuckDB connection:
month-end balances, recent transactions, spending by merchant category and channel mix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from guanxi.lake.duck import connect
from guanxi.lake.layout import has_data, scan_sql

NOTABLE_COLUMNS = "booked_at, amount, currency, direction, channel, txn_type, merchant_category, counterparty"


@dataclass
class LakeProfile:
    """A customer's history from the lake, ready to chart."""

    # (month "YYYY-MM", currency, summed month-end balance of the customer's accounts)
    monthly_balances: list[tuple[str, str, Decimal]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)
    spending: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (category, currency, amount)
    channels: list[tuple[str, int]] = field(default_factory=list)  # (channel, transactions)
    notable: list[dict[str, Any]] = field(default_factory=list)  # the largest, for the timeline


def month_end_totals(per_account: list[tuple[int, str, str, Any]]) -> list[tuple[str, str, Decimal]]:
    """Sum accounts' month-end balances per month and currency; a month without a transaction
    keeps the account's previous balance (carried forward), so quiet months do not dip."""
    months = sorted({month for _, _, month, _ in per_account})
    last: dict[tuple[int, str], dict[str, Decimal]] = {}
    for account_id, currency, month, balance in per_account:
        last.setdefault((account_id, currency), {})[month] = Decimal(str(balance))
    totals: dict[tuple[str, str], Decimal] = {}
    for (_, currency), by_month in last.items():
        carried: Decimal | None = None
        for month in months:
            carried = by_month.get(month, carried)
            if carried is not None:
                totals[(month, currency)] = totals.get((month, currency), Decimal(0)) + carried
    return [(month, currency, total) for (month, currency), total in sorted(totals.items())]


def customer_history(
    root: Path, account_ids: list[int], *, since: dt.date, recent: int = 10, notable_amount: Decimal | None = None
) -> LakeProfile:
    """The customer's lake history since ``since`` (month-end balances, spending, channels, and the
    transactions of at least ``notable_amount`` when it is given)."""
    profile = LakeProfile()
    if not account_ids or not has_data(root, "transactions"):
        return profile
    con = connect()
    try:
        con.register("profile_accounts", pa.table({"id": pa.array(account_ids, pa.int64())}))
        # The month partition prunes files first; the account filter then uses row-group statistics.
        rows = (
            f"(SELECT * FROM {scan_sql(root, 'transactions')} "
            f"WHERE month >= '{since:%Y-%m}' AND account_id IN (SELECT id FROM profile_accounts))"
        )
        con.execute(f"CREATE TEMP TABLE mine AS SELECT * FROM {rows}")
        per_account = con.execute(
            "SELECT account_id, currency, month, arg_max(balance_after, booked_at) FROM mine "
            "WHERE balance_after IS NOT NULL GROUP BY account_id, currency, month ORDER BY account_id, month"
        ).fetchall()
        profile.monthly_balances = month_end_totals(per_account)
        columns = (
            "source_key, account_id, booked_at, amount, currency, direction, channel, txn_type, "
            "merchant_category, counterparty, description"
        )
        result = con.execute(f"SELECT {columns} FROM mine ORDER BY booked_at DESC, source_key DESC LIMIT {int(recent)}")
        names = [d[0] for d in result.description]
        profile.recent = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        profile.spending = [
            (category, currency, Decimal(str(total)))
            for category, currency, total in con.execute(
                "SELECT merchant_category, currency, sum(amount) FROM mine "
                "WHERE direction = 'debit' AND merchant_category IS NOT NULL "
                "GROUP BY merchant_category, currency ORDER BY sum(amount) DESC"
            ).fetchall()
        ]
        if notable_amount is not None:
            result = con.execute(
                f"SELECT {NOTABLE_COLUMNS} FROM mine WHERE amount >= ? ORDER BY amount DESC, booked_at DESC LIMIT 10",
                [notable_amount],
            )
            names = [d[0] for d in result.description]
            profile.notable = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        profile.channels = [
            (channel, int(count))
            for channel, count in con.execute(
                "SELECT channel, count(*) FROM mine GROUP BY channel ORDER BY count(*) DESC, channel"
            ).fetchall()
        ]
    finally:
        con.close()
    return profile


def notable_transactions(
    root: Path, account_ids: list[int], *, since: dt.date, min_amount: Decimal, limit: int = 10
) -> list[dict[str, Any]]:
    """The customer's largest transactions since ``since`` of at least ``min_amount``, newest first."""
    if not account_ids or not has_data(root, "transactions"):
        return []
    con = connect()
    try:
        con.register("notable_accounts", pa.table({"id": pa.array(account_ids, pa.int64())}))
        result = con.execute(
            f"SELECT {NOTABLE_COLUMNS} FROM {scan_sql(root, 'transactions')} "
            f"WHERE month >= '{since:%Y-%m}' AND booked_at >= ? AND amount >= ? "
            "AND account_id IN (SELECT id FROM notable_accounts) "
            f"ORDER BY amount DESC, booked_at DESC LIMIT {int(limit)}",
            [dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC), min_amount],
        )
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    return sorted(rows, key=lambda row: row["booked_at"], reverse=True)
