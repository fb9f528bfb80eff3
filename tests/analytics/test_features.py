"""The feature engine: exact values on a hand-made bank, point-in-time correctness, and the
catalogue's promises (every feature declared, described in English and Chinese)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from guanxi.analytics.catalogue import features
from guanxi.analytics.engine import INPUT_COLUMNS, compute_features

AS_OF = dt.date(2026, 7, 1)
UTC = dt.UTC


def _inputs() -> dict[str, pa.Table]:
    """Two customers: 1 holds a current account (10) and a card (11); 2 holds a savings account (20)."""
    return {
        "parties": pa.table(
            {
                "id": pa.array([1, 2, 3], pa.int64()),
                "party_type": ["individual"] * 3,
                "birth_year": pa.array([1980, 1995, 2000], pa.int32()),
                "income_band": ["high", "low", None],
                "risk_tolerance": pa.array([4, 2, None], pa.int32()),
                # customer 3 joins after the cut-off: not in the population
                "customer_since": pa.array([dt.date(2020, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 8, 1)]),
                "status": ["active", "active", "active"],
                "closed_on": pa.array([None, None, None], pa.date32()),
            }
        ),
        "account_roles": pa.table(
            {
                "account_id": pa.array([10, 11, 20], pa.int64()),
                "party_id": pa.array([1, 1, 2], pa.int64()),
                "role": ["owner", "owner", "owner"],
            }
        ),
        "accounts": pa.table(
            {
                "id": pa.array([10, 11, 20], pa.int64()),
                "product_id": pa.array([100, 101, 102], pa.int64()),
                "currency": ["CNY", "CNY", "USD"],
                "status": ["active"] * 3,
                "opened_on": pa.array([dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2026, 3, 1)]),
                # the card closes after the cut-off, so it was still held
                "closed_on": pa.array([None, dt.date(2026, 9, 1), None], pa.date32()),
            }
        ),
        "products": pa.table(
            {
                "id": pa.array([100, 101, 102], pa.int64()),
                "family": ["current", "credit_card", "savings"],
                "margin_rate": pa.array([0.01, 0.05, 0.005]),
            }
        ),
        "loans": pa.table(
            {
                "account_id": pa.array([], pa.int64()),
                "status": pa.array([], pa.string()),
                "days_past_due": pa.array([], pa.int32()),
            }
        ),
        "cases": pa.table(
            {
                "party_id": pa.array([1], pa.int64()),
                "case_type": ["complaint"],
                "opened_at": pa.array([dt.datetime(2026, 6, 1, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
                "closed_at": pa.array([None], pa.timestamp("us", tz="UTC")),
            }
        ),
        "fx": pa.table({"currency": ["CNY", "USD"], "rate": [1.0, 7.0]}),
    }


TXN_SCHEMA = pa.schema(
    [
        ("account_id", pa.int64()),
        ("booked_at", pa.timestamp("us", tz="UTC")),
        ("amount", pa.decimal128(18, 4)),
        ("currency", pa.string()),
        ("direction", pa.string()),
        ("channel", pa.string()),
        ("txn_type", pa.string()),
        ("merchant_category", pa.string()),
        ("balance_after", pa.decimal128(18, 4)),
        ("source_key", pa.string()),
    ]
)


def _write_transactions(lake: Path, rows: list[tuple]) -> None:
    by_month: dict[str, list[tuple]] = {}
    for row in rows:
        by_month.setdefault(row[1].strftime("%Y-%m"), []).append(row)
    for month, month_rows in by_month.items():
        folder = lake / "transactions" / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        columns = list(zip(*month_rows, strict=True))
        table = pa.Table.from_arrays(
            [pa.array(c, f.type) for c, f in zip(columns, TXN_SCHEMA, strict=True)], schema=TXN_SCHEMA
        )
        pq.write_table(table, folder / f"part-{len(list(folder.iterdir()))}.parquet")


def _t(
    account: int,
    when: dt.datetime,
    amount: str,
    direction: str,
    channel: str,
    kind: str,
    category,
    balance: str,
    key: str,
) -> tuple:
    return (
        account,
        when,
        Decimal(amount),
        "USD" if account == 20 else "CNY",
        direction,
        channel,
        kind,
        category,
        Decimal(balance),
        key,
    )


BEFORE = [
    # customer 1: salary each month (mobile), card purchases, a branch withdrawal
    _t(10, dt.datetime(2026, 4, 25, 9, tzinfo=UTC), "8000", "credit", "system", "salary", None, "9000", "t1"),
    _t(10, dt.datetime(2026, 5, 25, 9, tzinfo=UTC), "8000", "credit", "system", "salary", None, "15000", "t2"),
    _t(10, dt.datetime(2026, 6, 25, 9, tzinfo=UTC), "8000", "credit", "system", "salary", None, "21000", "t3"),
    _t(
        10,
        dt.datetime(2026, 6, 26, 12, tzinfo=UTC),
        "2000",
        "debit",
        "branch",
        "cash_withdrawal",
        "cash",
        "19000",
        "t4",
    ),
    _t(11, dt.datetime(2026, 6, 20, 18, tzinfo=UTC), "300", "debit", "pos", "card_purchase", "groceries", "-300", "t5"),
    _t(
        11,
        dt.datetime(2026, 6, 30, 23, 59, tzinfo=UTC),
        "700",
        "debit",
        "mobile",
        "card_purchase",
        "travel",
        "-1000",
        "t6",
    ),
    # customer 2: one savings deposit in USD
    _t(20, dt.datetime(2026, 3, 2, 10, tzinfo=UTC), "100", "credit", "online", "transfer_in", None, "100", "t7"),
]
AFTER = [
    # at and after the cut-off: must change nothing
    _t(10, dt.datetime(2026, 7, 1, 0, tzinfo=UTC), "99999", "debit", "atm", "cash_withdrawal", "cash", "-80999", "t8"),
    _t(20, dt.datetime(2026, 8, 1, 0, tzinfo=UTC), "5000", "credit", "branch", "transfer_in", None, "5100", "t9"),
]


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    _write_transactions(tmp_path / "lake", BEFORE)
    return tmp_path / "lake"


def _by_party(table: pa.Table) -> dict[int, dict[str, float | None]]:
    return {row["party_id"]: row for row in table.to_pylist()}


def test_features_are_exact_on_a_hand_made_bank(lake):
    # when the features are computed as of 1 July 2026
    table, steps = compute_features(inputs=_inputs(), lake_root=lake, as_of=AS_OF)
    rows = _by_party(table)
    # then the population is the customers who had joined by then
    assert sorted(rows) == [1, 2]
    one, two = rows[1], rows[2]
    # (the salary of 25 April is 67 days old; the other five are within 37 days, four within 30)
    assert (one["txn_count_30d"], one["txn_count_90d"], one["txn_count_365d"]) == (4.0, 6.0, 6.0)
    assert (one["spend_30d"], one["inflow_90d"], one["days_since_last_txn"]) == (3000.0, 24000.0, 1.0)
    # month-end positions: the current account 19,000 held, the card 1,000 owed
    assert (one["aum"], one["liabilities"], one["balance_eom"]) == (19000.0, 1000.0, 18000.0)
    # month-ends 9,000 → 15,000 → 18,000: rising 4,500 a month against an average of 14,000
    assert one["balance_trend_6m"] == pytest.approx(4500 / 14000, rel=1e-12)
    assert (one["balance_avg_6m"], one["balance_min_6m"]) == (14000.0, 9000.0)
    # channels over customer-initiated transactions (salary credits are the bank's own)
    assert (one["share_branch"], one["share_pos"], one["share_mobile"]) == (1 / 3, 1 / 3, 1 / 3)
    assert one["digital_share"] == 1 / 3
    # spending shares of card and bill spending; salary found in 3 of the last 6 months
    assert (one["spend_share_cash"], one["spend_share_travel"], one["spend_share_groceries"]) == (
        2000 / 3000,
        700 / 3000,
        300 / 3000,
    )
    assert (one["salary_months_6m"], one["salary_detected"], one["salary_avg_3m"]) == (3.0, 0.0, 8000.0)
    assert (one["products_held"], one["holds_credit_card"], one["holds_savings"]) == (2.0, 1.0, 0.0)
    assert (one["age"], one["income_band_rank"], one["tenure_days"]) == (46.0, 5.0, 2373.0)
    assert (one["cases_365d"], one["complaints_365d"], one["open_cases"]) == (1.0, 1.0, 1.0)
    # customer 2's USD balance is converted at 7.0; nothing in 30 days counts as zero, not unknown
    assert (two["aum"], two["txn_count_30d"], two["spend_30d"], two["days_since_last_txn"]) == (700.0, 0.0, 0.0, 121.0)
    # and with no customer-initiated transaction in 90 days, channel shares are unknown, not zero
    assert two["salary_detected"] == 0.0 and two["share_branch"] is None
    # one month-end is no trend
    assert two["balance_trend_6m"] is None
    # and each group reports its rows
    assert [s.step for s in steps][-1] == "assemble"


def test_transactions_at_or_after_the_cut_off_change_nothing(lake):
    # given the features as of the cut-off
    before, _ = compute_features(inputs=_inputs(), lake_root=lake, as_of=AS_OF)
    # when transactions dated at and after the cut-off arrive
    _write_transactions(lake, AFTER)
    after, _ = compute_features(inputs=_inputs(), lake_root=lake, as_of=AS_OF)
    # then every feature of every customer is the same
    assert after.equals(before)
    # while a later cut-off does see them
    later, _ = compute_features(inputs=_inputs(), lake_root=lake, as_of=dt.date(2026, 8, 2))
    assert _by_party(later)[2]["aum"] == 5100 * 7.0


def test_an_empty_lake_still_gives_every_customer_a_row(tmp_path):
    table, _ = compute_features(inputs=_inputs(), lake_root=tmp_path / "empty", as_of=AS_OF)
    rows = _by_party(table)
    assert sorted(rows) == [1, 2]
    assert (rows[1]["txn_count_365d"], rows[1]["aum"], rows[1]["products_held"]) == (0.0, None, 2.0)


def test_the_catalogue_declares_every_column_in_both_languages():
    catalogue = features()
    assert len(catalogue) >= 60
    assert all(f.en and f.zh and f.unit and f.owner for f in catalogue)
    table_columns = {"party_id", *(f.name for f in catalogue)}
    assert len(table_columns) == len(catalogue) + 1
    assert set(INPUT_COLUMNS) == {"parties", "account_roles", "accounts", "products", "loans", "cases", "fx"}


def test_the_feature_document_matches_the_catalogue():
    from guanxi.analytics.featuredoc import render_feature_catalogue

    document = Path(__file__).parents[2] / "docs" / "features.md"
    assert document.read_text(encoding="utf-8") == render_feature_catalogue()
