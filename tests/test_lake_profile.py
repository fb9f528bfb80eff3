"""Month-end balances for the customer 360: quiet months carry the last balance forward."""

from __future__ import annotations

from decimal import Decimal

from guanxi.lake.profile import month_end_totals


def test_a_month_without_transactions_keeps_the_previous_balance():
    # given two accounts: the first quiet in February, the second opened in February
    per_account = [
        (1, "CNY", "2026-01", 100.0),
        (1, "CNY", "2026-03", 130.5),
        (2, "CNY", "2026-02", 50.0),
        (3, "USD", "2026-01", 10.0),
    ]
    # then every month sums each account's latest balance so far, per currency
    assert month_end_totals(per_account) == [
        ("2026-01", "CNY", Decimal("100.0")),
        ("2026-01", "USD", Decimal("10.0")),
        ("2026-02", "CNY", Decimal("150.0")),
        ("2026-02", "USD", Decimal("10.0")),
        ("2026-03", "CNY", Decimal("180.5")),
        ("2026-03", "USD", Decimal("10.0")),
    ]
