"""Proactive insights: each rule on a hand-made lake, point in time, and a generated bank whose
planted insights are all found again (``guanxi eval insights``)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from guanxi.analytics.insight_evaluation import evaluate_insights, extract_source, read_truth
from guanxi.analytics.insights import INSIGHT_KINDS, Insight, InsightSource, detect_insights, insight_table
from guanxi.cli.common import ExitCode
from guanxi.cli.main import app
from guanxi.config import get_settings
from guanxi.errors import NotFound, ValidationFailed
from guanxi.ingest.synth import generate_bank

AS_OF = dt.date(2026, 7, 1)
UTC = dt.UTC
runner = CliRunner()

TXN_SCHEMA = pa.schema(
    [
        ("account_id", pa.int64()),
        ("booked_at", pa.timestamp("us", tz="UTC")),
        ("source_key", pa.string()),
        ("amount", pa.decimal128(18, 4)),
        ("currency", pa.string()),
        ("direction", pa.string()),
        ("txn_type", pa.string()),
        ("counterparty", pa.string()),
        ("description", pa.string()),
        ("balance_after", pa.decimal128(18, 4)),
    ]
)


def _t(
    key: str,
    account: int,
    when: str,
    amount: str,
    direction: str,
    kind: str,
    payee: str | None = None,
    balance: str = "50000",
) -> tuple:
    return (
        account,
        dt.datetime.fromisoformat(when).replace(tzinfo=UTC),
        key,
        Decimal(amount),
        "USD" if account == 20 else "CNY",
        direction,
        kind,
        payee,
        None,
        Decimal(balance),
    )


def _card(key: str, account: int, when: str, amount: str, merchant: str, balance: str = "50000") -> tuple:
    return _t(key, account, when, amount, "debit", "card_purchase", merchant, balance)


# Customer 1 (account 10, CNY): usual purchases of about 115, the largest 2,000.
USUAL_1 = [
    _card("u1", 10, "2026-01-05 12:00", "80", "永辉超市"),
    _card("u2", 10, "2026-02-07 12:00", "120", "海底捞"),
    _card("u3", 10, "2026-03-09 12:00", "95", "永辉超市"),
    _card("u4", 10, "2026-04-11 12:00", "150", "优衣库"),
    _card("u5", 10, "2026-05-13 12:00", "110", "星巴克"),
    _card("u6", 10, "2026-05-20 12:00", "2000", "华为商城"),
]
DUPLICATES = [
    _card("d1", 10, "2026-06-10 12:00:00", "119", "海底捞"),
    _card("d2", 10, "2026-06-10 12:05:00", "119", "海底捞"),  # the same charge five minutes later
    _card("d3", 10, "2026-06-12 09:00", "35", "星巴克"),
    _card("d4", 10, "2026-06-12 09:40", "35", "星巴克"),  # forty minutes later: a second coffee
    _card("d5", 10, "2026-06-14 13:00", "42", "麦当劳"),
    _card("d6", 10, "2026-06-14 13:02", "45", "麦当劳"),  # another amount
]
PREMIUMS = [
    _t(f"p{m}", 10, f"2026-0{m}-15 02:00", "500", "debit", "insurance_premium", "中国平安") for m in (2, 3, 4, 5)
] + [_t("p6", 10, "2026-06-15 02:00", "575", "debit", "insurance_premium", "中国平安")]
REFUND = [
    _t("r1", 10, "2026-06-05 10:00", "800", "debit", "card_purchase", "Apple Store"),
    _t("r2", 10, "2026-06-20 15:00", "800", "credit", "card_purchase", "Apple Store"),
]
LARGE = [_card("l1", 10, "2026-06-25 19:00", "20000", "携程旅行")]
SALARY = [_t(f"s{m}", 10, f"2026-0{m}-25 09:00", "8000", "credit", "salary", "ACME Ltd") for m in range(1, 7)]
# Customer 2 (account 20, USD): paid only twice, a 5 % dearer subscription, a large purchase with no habits.
CUSTOMER_2 = [
    _t("s20a", 20, "2026-05-25 09:00", "2000", "credit", "salary", "Globex"),
    _t("s20b", 20, "2026-06-25 09:00", "2000", "credit", "salary", "Globex"),
    *[_card(f"n{m}", 20, f"2026-0{m}-01 08:00", "100", "Netflix") for m in (3, 4, 5)],
    _card("n6", 20, "2026-06-01 08:00", "105", "Netflix"),
    _card("b20", 20, "2026-06-22 20:00", "2000", "Booking.com"),  # 14,000 in CNY: over the floor
    _card("c20", 20, "2026-06-23 20:00", "1000", "Apple Store"),  # 7,000 in CNY: under it
]
# Customer 3 (account 30, CNY, held jointly with customer 4): rent due on the 3rd, 1,000 left.
CUSTOMER_3 = [
    *[
        _t(f"rent{m}", 30, f"2026-0{m}-03 03:00", "3000", "debit", "bill_payment", "链家 房屋租赁")
        for m in (3, 4, 5, 6)
    ],
    *[
        _t(f"e{m}", 30, f"2026-0{m}-10 03:00", amount, "debit", "bill_payment", "国家电网")
        for m, amount in ((3, "200"), (4, "260"), (5, "180"), (6, "300"))
    ],
    *[
        _card(f"h{m}", 30, f"2026-0{m}-08 12:00", a, "永辉超市")
        for m, a in ((1, "100"), (2, "90"), (3, "110"), (4, "120"))
    ],
    _card("h5", 30, "2026-05-08 12:00", "9000", "Apple Store"),
    _card("h6", 30, "2026-06-15 12:00", "12000", "Apple Store"),  # large, but not twice the largest before
    _card("h7", 30, "2026-06-28 12:00", "50", "永辉超市", balance="1000"),
]
BEFORE = USUAL_1 + DUPLICATES + PREMIUMS + REFUND + LARGE + SALARY + CUSTOMER_2 + CUSTOMER_3
AFTER = [
    _card("x1", 10, "2026-07-01 00:00:00", "119", "海底捞"),  # at the cut-off: not before it
    _card("x2", 10, "2026-07-02 12:00", "50000", "Apple Store"),
    _t("x3", 30, "2026-07-01 08:00", "100000", "credit", "transfer_in", "Family", balance="101000"),
    _t("x4", 20, "2026-07-25 09:00", "2000", "credit", "salary", "Globex"),
    _t("x5", 10, "2026-07-03 10:00", "119", "credit", "card_purchase", "海底捞"),
]
ROLES = pa.table(
    {
        "account_id": pa.array([10, 20, 30, 30, 30], pa.int64()),
        "party_id": pa.array([1, 2, 3, 4, 5], pa.int64()),
        "role": ["owner", "owner", "owner", "joint", "authorised_user"],
    }
)
FX = pa.table({"currency": ["CNY", "USD"], "rate": [1.0, 7.0]})


def _lake(root: Path, rows: list[tuple]) -> InsightSource:
    by_month: dict[str, list[tuple]] = {}
    for row in rows:
        by_month.setdefault(row[1].strftime("%Y-%m"), []).append(row)
    for month, month_rows in by_month.items():
        folder = root / "transactions" / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        columns = list(zip(*month_rows, strict=True))
        arrays = [pa.array(c, f.type) for c, f in zip(columns, TXN_SCHEMA, strict=True)]
        pq.write_table(pa.Table.from_arrays(arrays, schema=TXN_SCHEMA), folder / "part-0.parquet")
    return InsightSource(root, ROLES, FX)


def _summary(insights: list[Insight], kind: str | None = None) -> list[tuple]:
    return [
        (i.party_id, i.kind, i.occurred_on.isoformat(), i.amount, i.currency, i.account_id)
        for i in insights
        if kind is None or i.kind == kind
    ]


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> list[Insight]:
    return detect_insights(_lake(tmp_path_factory.mktemp("lake"), BEFORE), AS_OF)


def test_every_rule_finds_exactly_its_cases(found):
    # given the hand-made lake
    # then each customer gets exactly the insights planted for them, sorted by customer and kind
    assert _summary(found) == [
        (1, "duplicate_charge", "2026-06-10", Decimal("119"), "CNY", 10),
        (1, "large_purchase", "2026-06-25", Decimal("20000"), "CNY", 10),
        (1, "recurring_increase", "2026-06-15", Decimal("575"), "CNY", 10),
        (1, "refund_posted", "2026-06-20", Decimal("800"), "CNY", 10),
        (1, "salary_received", "2026-06-25", Decimal("8000"), "CNY", 10),
        (2, "large_purchase", "2026-06-22", Decimal("2000"), "USD", 20),
        (3, "low_balance_forecast", "2026-07-01", Decimal("2000"), "CNY", 30),
        (4, "low_balance_forecast", "2026-07-01", Decimal("2000"), "CNY", 30),
    ]


def test_duplicate_names_both_charges(found):
    # given two identical charges five minutes apart, a repeat after forty minutes, a repeat for another amount
    # then only the first pair is a duplicate, pointing at the original
    (duplicate,) = [i for i in found if i.kind == "duplicate_charge"]
    assert duplicate.details == {
        "merchant": "海底捞",
        "reference": "d2",
        "original_reference": "d1",
        "minutes_apart": 5.0,
    }


def test_recurring_increase_needs_a_steady_price_and_a_real_rise(found):
    # given a premium of 500 for four months then 575, a bill that varies, a subscription up 5 %
    # then only the premium is a rise, of 15 % over the previous payment
    (rise,) = [i for i in found if i.kind == "recurring_increase"]
    assert rise.details == {
        "payee": "中国平安",
        "reference": "p6",
        "previous_reference": "p5",
        "previous_amount": "500.0000",
        "increase_pct": 15.0,
    }


def test_refund_points_at_the_purchase(found):
    # given an 800 purchase and its refund fifteen days later
    (refund,) = [i for i in found if i.kind == "refund_posted"]
    # then the refund names the purchase it reverses
    assert refund.details == {
        "merchant": "Apple Store",
        "reference": "r2",
        "original_reference": "r1",
        "original_amount": "800.0000",
        "original_on": "2026-06-05",
    }


def test_large_purchase_compares_with_habits_and_a_floor(found):
    # given 20,000 against a usual 115 and a largest 2,000; 14,000 in CNY from someone with no habits;
    # 12,000 from someone who spent 9,000 before; 7,000 in CNY (under the floor)
    large = {i.party_id: i for i in found if i.kind == "large_purchase"}
    # then the first two are large, the others not
    assert sorted(large) == [1, 2]
    assert large[1].details == {
        "merchant": "携程旅行",
        "reference": "l1",
        "usual_purchase_base": 115.0,
        "largest_before_base": 2000.0,
        "times_usual": 173.9,
    }
    assert (large[2].details["reference"], large[2].details["usual_purchase_base"]) == ("b20", 700.0)


def test_low_balance_forecast_subtracts_the_debits_falling_due(found):
    # given rent of 3,000 paid on the 3rd for four months and 1,000 left on the account
    forecasts = [i for i in found if i.kind == "low_balance_forecast"]
    # then both holders (not the authorised user) hear that 2,000 will be missing on the 3rd
    assert [i.party_id for i in forecasts] == [3, 4]
    assert forecasts[0].details == {
        "balance": "1000.0000",
        "due_total": "3000.0000",
        "below_zero_on": "2026-07-03",
        "debits": [{"payee": "链家 房屋租赁", "amount": "3000.0000", "due_on": "2026-07-03"}],
    }


def test_salary_needs_a_regular_salary(found):
    # given six monthly salaries on account 10 and only two on account 20
    (salary,) = [i for i in found if i.kind == "salary_received"]
    # then only the regular one counts, with its payer and how many months it was paid
    assert salary.details == {"payers": ["ACME Ltd"], "references": ["s6"], "months_paid": 6}


def test_transactions_at_or_after_the_cut_off_change_nothing(tmp_path, found):
    # given the same lake with bookings at and after the cut-off: a duplicate, a large purchase,
    # money in on the forecast account, a salary, a refund
    later = detect_insights(_lake(tmp_path / "lake", BEFORE + AFTER), AS_OF)
    # then the insights are exactly the same
    assert later == found


def test_an_earlier_cut_off_sees_only_its_own_past(tmp_path):
    # given the lake, analysed as of 15 June
    source = _lake(tmp_path / "lake", BEFORE + AFTER)
    earlier = detect_insights(source, dt.date(2026, 6, 15), lookback_days=14)
    # then only what happened from 1 to 14 June counts; the rise of 15 June has not happened yet
    assert _summary(earlier) == [(1, "duplicate_charge", "2026-06-10", Decimal("119"), "CNY", 10)]


def test_party_ids_limit_the_customers(tmp_path):
    # given the lake
    source = _lake(tmp_path / "lake", BEFORE)
    # when detection is asked about customers 2 and 4 only (and no one)
    picked = detect_insights(source, AS_OF, party_ids=[4, 2])
    nobody = detect_insights(source, AS_OF, party_ids=[])
    # then only their insights come back
    assert [(i.party_id, i.kind) for i in picked] == [(2, "large_purchase"), (4, "low_balance_forecast")]
    assert nobody == []


def test_the_table_has_a_fixed_schema_and_an_empty_lake_gives_none(tmp_path):
    # given a lake, and a lake with no transactions yet
    table = insight_table(_lake(tmp_path / "lake", BEFORE), AS_OF, kinds=["refund_posted"])
    empty = detect_insights(InsightSource(tmp_path / "empty", ROLES, FX), AS_OF)
    # then the table holds one row per insight with exact amounts; the empty lake has none
    assert table.column_names == ["party_id", "kind", "occurred_on", "amount", "currency", "account_id", "details"]
    assert table.column("amount").to_pylist() == [Decimal("800.0000")]
    assert empty == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kinds": ["duplicate_charge", "lottery_win"]}, "unknown insight kind lottery_win"),
        ({"lookback_days": 0}, "lookback_days must be between 1 and 180, not 0"),
        ({"as_of": dt.datetime(2026, 7, 1, tzinfo=UTC)}, "as_of must be a date"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, arguments, message):
    # given a lake
    source = _lake(tmp_path / "lake", BEFORE)
    # when detection is called with a bad argument
    with pytest.raises(ValidationFailed) as raised:
        insight_table(source, arguments.pop("as_of", AS_OF), **arguments)
    # then the error says which and why
    assert message in raised.value.message


def test_missing_inputs_are_named():
    # when the analytics inputs lack the exchange rates
    with pytest.raises(ValidationFailed) as raised:
        InsightSource.from_inputs(Path("lake"), {"account_roles": ROLES})
    # then the error names them
    assert raised.value.message == "insight inputs missing: fx"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("party_key,kind\nP1,refund_posted\n", "truth.csv: missing column event_date"),
        ("party_key,date\nP1,2026-06-01\n", "truth.csv: missing columns kind, event_date"),
        ("party_key,kind,event_date\nP1,lottery_win,2026-06-01\n", "truth.csv: line 2: unknown kind 'lottery_win'"),
        ("party_key,kind,event_date\nP1,refund_posted,01/06/2026\n", "line 2: event_date '01/06/2026' is not a date"),
        ("party_key,kind,event_date\n,refund_posted,2026-06-01\n", "truth.csv: line 2: party_key is empty"),
    ],
)
def test_bad_truth_files_are_refused(tmp_path, text, message):
    # given a ground-truth file with a problem
    path = tmp_path / "truth.csv"
    path.write_text(text, encoding="utf-8")
    # when it is read
    with pytest.raises(ValidationFailed) as raised:
        read_truth(path)
    # then the error names the file, the line and the reason
    assert message in raised.value.message


def test_a_missing_truth_file_or_extract_is_not_found(tmp_path):
    # when the truth file or the extract folder does not exist
    with pytest.raises(NotFound):
        read_truth(tmp_path / "nowhere.csv")
    with pytest.raises(NotFound):
        extract_source(tmp_path / "no-bank", {"CNY": 1.0})


# A generated bank: every planted insight must be found again.
END = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank") / "bank"
    generate_bank(customers=1500, months=6, seed=11, out=out, end=END)
    return out


def test_a_generated_bank_plants_a_handful_of_each_kind(bank):
    # given a generated bank of 1,500 customers
    truth = read_truth(bank / "ground_truth" / "insights.csv")
    counts = {kind: sum(1 for r in truth if r.kind == kind) for kind in INSIGHT_KINDS}
    # then it holds six of each planted kind (seven forecasts: one account is held jointly), every
    # regular salary of the last 30 days, all in those 30 days (the forecast: on the end date)
    assert counts == {
        "duplicate_charge": 6,
        "recurring_increase": 6,
        "refund_posted": 6,
        "low_balance_forecast": 7,
        "large_purchase": 6,
        "salary_received": 800,
    }
    assert {r.event_date for r in truth if r.kind == "low_balance_forecast"} == {END}
    assert all(END - dt.timedelta(days=30) <= r.event_date < END for r in truth if r.kind != "low_balance_forecast")


def test_planted_references_name_the_booked_transactions(bank):
    # given the bank's extract and its ground truth
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{bank}/transactions/*.parquet')")
    con.execute(f"CREATE VIEW g AS SELECT * FROM read_csv('{bank}/ground_truth/insights.csv', all_varchar = true)")
    # then every reference is a transaction of the named account, of the kind planted
    rows = con.execute(
        """
        WITH r AS (SELECT kind, account_key, amount, unnest(string_split("references", ';')) AS ref FROM g)
        SELECT r.kind, count(*), count(t.key), count(*) FILTER (WHERE t.account_key = r.account_key),
               count(DISTINCT t.txn_type || t.direction)
        FROM r LEFT JOIN t ON t.key = r.ref GROUP BY r.kind ORDER BY r.kind
        """
    ).fetchall()
    assert [(k, n == found == same) for k, n, found, same, _ in rows] == [(k, True) for k in sorted(INSIGHT_KINDS)]
    kinds = {k: types for k, *_, types in rows}
    assert (kinds["duplicate_charge"], kinds["large_purchase"], kinds["refund_posted"]) == (1, 1, 2)
    # and a forecast account ends with less than the lease due, by the planted amount
    gaps = con.execute(
        """
        WITH last AS (SELECT account_key, arg_max(balance_after, (booked_at, key)) AS balance FROM t GROUP BY 1)
        SELECT count(*) FILTER (WHERE last.balance + CAST(g.amount AS DECIMAL(18, 2)) <> lease.amount)
        FROM g JOIN last USING (account_key) JOIN t AS lease ON lease.key = g."references"
        WHERE g.kind = 'low_balance_forecast'
        """
    ).fetchone()
    assert gaps == (0,)


def test_every_planted_insight_is_found_in_the_generated_bank(bank):
    # given the generated extract, read in place
    extract = extract_source(bank, get_settings().fx_rates)
    assert extract.as_of == END
    # when the insights are evaluated as of the day after its latest booking (the end of its history)
    result = evaluate_insights(
        source=extract.source, party_keys=extract.party_keys, truth_path=bank / "ground_truth" / "insights.csv"
    )
    # then recall is 1.0 for every kind and nothing planted is missed; precision is reported
    assert result.as_of == END
    assert {s.kind: s.recall for s in result.scores} == dict.fromkeys(INSIGHT_KINDS, 1.0)
    assert result.missed == []
    assert all(s.precision is not None and 0 < s.precision <= 1 for s in result.scores)


def test_the_command_scores_an_extract_and_an_ingested_lake_alike(bank):
    # given the generated extract
    direct = runner.invoke(app, ["eval", "insights", "--bank", str(bank), "--json"])
    assert direct.exit_code == ExitCode.OK, direct.output
    scores = json.loads(direct.stdout)
    # when it is ingested, and evaluated from the lake with the database's ids
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == ExitCode.OK
    assert runner.invoke(app, ["ingest", str(bank), "--json"]).exit_code == ExitCode.OK
    truth = bank / "ground_truth" / "insights.csv"
    loaded = runner.invoke(app, ["eval", "insights", "--truth", str(truth), "--as-of", END.isoformat(), "--json"])
    assert loaded.exit_code == ExitCode.OK, loaded.output
    # then both give the same counts, with every planted insight found
    assert json.loads(loaded.stdout)["kinds"] == scores["kinds"]
    assert {k["kind"]: k["recall"] for k in scores["kinds"]} == dict.fromkeys(INSIGHT_KINDS, 1.0)
    # and the table view prints one row per kind
    shown = runner.invoke(app, ["eval", "insights", "--bank", str(bank)])
    assert shown.exit_code == ExitCode.OK
    assert all(kind in shown.stdout for kind in INSIGHT_KINDS)


def test_a_csv_extract_scores_like_the_parquet_one(bank, tmp_path):
    # given the same bank written as CSV
    generate_bank(customers=1500, months=6, seed=11, out=tmp_path / "csv", fmt="csv", end=END)
    # when both are evaluated
    scores = [
        json.loads(runner.invoke(app, ["eval", "insights", "--bank", str(folder), "--json"]).stdout)["kinds"]
        for folder in (bank, tmp_path / "csv")
    ]
    # then they score the same
    assert scores[0] == scores[1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--bank", "b", "--lake", "l"], "give --bank or --lake, not both"),
        ([], "--truth is required unless --bank names a generated extract"),
    ],
)
def test_the_command_refuses_contradictory_options(arguments, message):
    # when the options contradict each other or the truth cannot be found
    result = runner.invoke(app, ["eval", "insights", *arguments])
    # then it exits with a usage error that says why
    assert result.exit_code == ExitCode.BAD_INPUT
    assert message in " ".join(result.output.split())


def test_the_command_reports_a_missing_extract(tmp_path):
    # when the extract folder does not exist
    result = runner.invoke(app, ["eval", "insights", "--bank", str(tmp_path / "nope")])
    # then it exits with a clear message
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "extract folder not found" in result.output
