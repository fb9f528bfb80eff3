"""The synthetic bank: deterministic, in the canonical extract format, coherent, with planted ground truth."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from guanxi.codes import LIABILITY_FAMILIES
from guanxi.ingest.entities import ENTITIES, ENTITY_BY_NAME, EntitySpec
from guanxi.ingest.synth import GenerateReport, generate_bank

END = dt.date(2025, 1, 1)
CUSTOMERS, MONTHS, SEED = 200, 3, 42
LABELS = {"churner", "defaulter", "structuring", "rapid_in_out", "dormant_reactivated"}
ARROW_TYPES = {
    "str": pa.string(),
    "code": pa.string(),
    "currency": pa.string(),
    "json": pa.string(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "money": pa.decimal128(18, 2),
    "decimal": pa.decimal128(18, 6),
}


def _generate(out: Path, fmt: Literal["csv", "parquet"] = "parquet", seed: int = SEED) -> GenerateReport:
    return generate_bank(customers=CUSTOMERS, months=MONTHS, seed=seed, out=out, fmt=fmt, end=END)


@pytest.fixture(scope="module")
def parquet_bank(tmp_path_factory: pytest.TempPathFactory) -> GenerateReport:
    return _generate(tmp_path_factory.mktemp("bank") / "parquet")


@pytest.fixture(scope="module")
def csv_bank(tmp_path_factory: pytest.TempPathFactory) -> GenerateReport:
    return _generate(tmp_path_factory.mktemp("bank") / "csv", fmt="csv")


@pytest.fixture(scope="module")
def tables(parquet_bank: GenerateReport) -> dict[str, pa.Table]:
    out = parquet_bank.out
    return {
        spec.name: pq.read_table(out / spec.name if spec.target == "lake" else out / f"{spec.name}.parquet")
        for spec in ENTITIES
    }


@pytest.fixture(scope="module")
def duck(parquet_bank: GenerateReport) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for spec in ENTITIES:
        path = parquet_bank.out / (f"{spec.name}/*.parquet" if spec.target == "lake" else f"{spec.name}.parquet")
        con.execute(f"CREATE VIEW {spec.name} AS SELECT * FROM read_parquet('{path}')")
    labels = parquet_bank.out / "ground_truth" / "labels.csv"
    con.execute(f"CREATE VIEW labels AS SELECT * FROM read_csv('{labels}', header = true, all_varchar = true)")
    return con


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_the_same_inputs_give_byte_identical_files(parquet_bank, tmp_path):
    # given a bank generated once
    first = _files(parquet_bank.out)
    # when it is generated again with the same customers, months, seed and end
    _generate(tmp_path / "again")
    # then every file is byte for byte the same
    again = _files(tmp_path / "again")
    assert list(again) == list(first)
    assert [name for name in first if first[name] != again[name]] == []


def test_another_seed_gives_another_bank(parquet_bank, tmp_path):
    # given a bank from one seed
    # when another seed is used
    _generate(tmp_path / "other", seed=SEED + 1)
    # then the customers differ
    ours = pq.read_table(parquet_bank.out / "parties.parquet").column("full_name")
    theirs = pq.read_table(tmp_path / "other" / "parties.parquet").column("full_name")
    assert not ours.equals(theirs)


def test_every_entity_has_one_file_with_the_spec_columns_and_types(parquet_bank, tables):
    # given a generated bank
    out = parquet_bank.out
    # then db entities are single files and lake entities folders of parts
    for spec in ENTITIES:
        if spec.target == "db":
            assert (out / f"{spec.name}.parquet").is_file(), spec.name
        else:
            assert sorted(p.name for p in (out / spec.name).iterdir()) == ["part-00000.parquet"], spec.name
    # and each file has exactly the spec's columns, in order, with the canonical Arrow types
    for spec in ENTITIES:
        schema = tables[spec.name].schema
        assert schema.names == [f.name for f in spec.fields], spec.name
        assert [schema.field(f.name).type for f in spec.fields] == [ARROW_TYPES[f.kind] for f in spec.fields]
    # and the ground truth is kept apart from the extract
    assert (out / "ground_truth" / "labels.csv").is_file()
    assert not (out / "labels.parquet").exists()


def _check_values(spec: EntitySpec, table: pa.Table) -> list[str]:
    problems = []
    for f in spec.fields:
        column = table.column(f.name)
        if f.required and column.null_count:
            problems.append(f"{spec.name}.{f.name}: {column.null_count} nulls")
        present = pc.drop_null(column)
        if f.codes:
            unknown = set(pc.unique(present).to_pylist()) - set(f.codes)
            if unknown:
                problems.append(f"{spec.name}.{f.name}: unknown codes {sorted(unknown)}")
        if f.max_len is not None and len(present) and pc.max(pc.utf8_length(present)).as_py() > f.max_len:
            problems.append(f"{spec.name}.{f.name}: longer than {f.max_len}")
        if f.min_value is not None and len(present) and pc.min(present).as_py() < f.min_value:
            problems.append(f"{spec.name}.{f.name}: below {f.min_value}")
        if f.max_value is not None and len(present) and pc.max(present).as_py() > f.max_value:
            problems.append(f"{spec.name}.{f.name}: above {f.max_value}")
        if f.kind == "currency" and not pc.all(pc.match_substring_regex(present, r"^[A-Z]{3}$")).as_py():
            problems.append(f"{spec.name}.{f.name}: not ISO 4217")
    return problems


def test_required_fields_are_present_and_values_follow_the_spec(tables):
    # given a generated bank
    # then required fields are never null, codes come from the code lists, ints and lengths are in range
    problems = [p for spec in ENTITIES for p in _check_values(spec, tables[spec.name])]
    assert problems == []
    # and every entity has rows
    assert {name: t.num_rows > 0 for name, t in tables.items()} == {spec.name: True for spec in ENTITIES}


def test_keys_are_unique_and_references_resolve(tables):
    # given a generated bank
    keys = {name: set(t.column("key").to_pylist()) for name, t in tables.items()}
    # then every key is unique within its entity
    assert {name: len(keys[name]) for name in tables} == {name: t.num_rows for name, t in tables.items()}
    # and every reference names an existing row of the referenced entity
    broken = {}
    for spec in ENTITIES:
        for f in spec.refs:
            values = set(pc.drop_null(tables[spec.name].column(f.name)).to_pylist())
            missing = values - keys[f.ref]  # type: ignore[index]
            if missing:
                broken[f"{spec.name}.{f.name}"] = len(missing)
    assert broken == {}


def test_the_report_matches_what_was_written(parquet_bank, tables, duck):
    # given a generated bank
    report = parquet_bank
    # then the report's counts are the rows in the files and its dates bound the history
    assert report.counts == {name: t.num_rows for name, t in tables.items()}
    assert (report.start, report.end) == (dt.date(2024, 10, 1), END)
    assert report.counts["parties"] == CUSTOMERS
    label_counts = dict(duck.execute("SELECT label, count(*) FROM labels GROUP BY label").fetchall())
    assert report.labels == label_counts
    assert set(report.labels) == LABELS
    # and the bank has the expected shape
    assert report.counts["branches"] == 20
    assert 8 * CUSTOMERS * MONTHS <= report.counts["transactions"] <= 20 * CUSTOMERS * MONTHS


def test_transactions_stay_inside_the_history_and_amounts_are_positive(duck):
    # given a generated bank
    lo, hi, smallest = duck.execute("SELECT min(booked_at), max(booked_at), min(amount) FROM transactions").fetchone()
    # then every booking falls in [start, end) and amounts are positive, the direction telling the sign
    assert lo >= dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
    assert hi < dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert smallest > 0


def test_current_balance_is_the_last_balance_after(duck):
    # given a generated bank
    mismatches, checked = duck.execute(
        """
        WITH last AS (
            SELECT account_key, arg_max(balance_after, (booked_at, key)) AS balance FROM transactions GROUP BY 1
        )
        SELECT count(*) FILTER (WHERE a.balance <> last.balance), count(*)
        FROM accounts a JOIN last ON last.account_key = a.key
        """
    ).fetchone()
    # then each account's balance is the balance after its last transaction
    assert mismatches == 0
    assert checked > CUSTOMERS
    # and running balances add up: each balance_after is the previous one plus the signed amount
    gaps = _scalar(
        duck,
        """
        SELECT count(*) FROM (
            SELECT balance_after - lag(balance_after) OVER w AS step,
                   CASE direction WHEN 'credit' THEN amount ELSE -amount END AS signed,
                   row_number() OVER w AS n
            FROM transactions WINDOW w AS (PARTITION BY account_key ORDER BY booked_at, key)
        ) WHERE n > 1 AND step <> signed
        """,
    )
    assert gaps == 0


def test_deposit_accounts_never_go_overdrawn(duck):
    # given a generated bank
    families = ", ".join(f"'{f.value}'" for f in LIABILITY_FAMILIES)
    overdrawn = _scalar(
        duck,
        f"""
        SELECT count(*) FROM transactions t JOIN accounts a ON a.key = t.account_key
        JOIN products p ON p.key = a.product_key
        WHERE p.family NOT IN ({families}) AND t.balance_after < 0
        """,
    )
    # then only credit cards and loans (balance = minus what is owed) go below zero
    assert overdrawn == 0


def test_churner_labels_are_exactly_the_closed_parties(duck):
    # given a generated bank
    labelled = set(duck.execute("SELECT subject_key, event_date FROM labels WHERE label = 'churner'").fetchall())
    closed = duck.execute("SELECT key, strftime(closed_on, '%Y-%m-%d') FROM parties WHERE status = 'closed'")
    # then every closed party is labelled a churner on its closing date, and no one else is
    assert labelled == set(closed.fetchall())
    assert len(labelled) > 0
    # and their accounts are closed with nothing left in them
    still_open = _scalar(
        duck,
        """
        SELECT count(*) FROM accounts a JOIN account_roles r ON r.account_key = a.key AND r.role = 'owner'
        JOIN parties p ON p.key = r.party_key
        WHERE p.status = 'closed' AND (a.status <> 'closed' OR a.balance <> 0)
        """,
    )
    assert still_open == 0


def test_other_labels_point_at_matching_subjects(duck):
    # given a generated bank
    # then defaulters are exactly the loans in arrears or defaulted
    defaulters = {r[0] for r in duck.execute("SELECT subject_key FROM labels WHERE label = 'defaulter'").fetchall()}
    bad = duck.execute("SELECT key FROM loans WHERE status IN ('in_arrears', 'defaulted')").fetchall()
    assert defaulters == {r[0] for r in bad}
    # and laundering labels name accounts, with structuring deposits just under 50,000 CNY
    kinds = duck.execute(
        "SELECT DISTINCT subject_type FROM labels WHERE label IN ('structuring', 'rapid_in_out', 'dormant_reactivated')"
    ).fetchall()
    assert kinds == [("account",)]
    under = duck.execute(
        """
        SELECT l.subject_key, count(*) FROM labels l JOIN transactions t ON t.account_key = l.subject_key
        WHERE l.label = 'structuring' AND t.txn_type = 'cash_deposit' AND t.amount BETWEEN 45000 AND 49999.99
        GROUP BY 1
        """
    ).fetchall()
    assert len(under) == 1
    assert under[0][1] >= 3
    # and a reactivated account had no transactions before it woke up
    before = _scalar(
        duck,
        """
        SELECT count(*) FROM labels l JOIN transactions t ON t.account_key = l.subject_key
        WHERE l.label = 'dormant_reactivated' AND t.booked_at::DATE < l.event_date::DATE
        """,
    )
    assert before == 0


def test_product_views_run_ahead_of_openings(duck):
    # given accounts opened during the history
    opened, viewed = duck.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM digital_events e
            WHERE e.party_key = r.party_key AND e.event_type = 'product_view'
              AND e.product_family = p.family AND e.occurred_at < a.opened_on
        ))
        FROM accounts a JOIN account_roles r ON r.account_key = a.key AND r.role = 'owner'
        JOIN products p ON p.key = a.product_key
        WHERE a.opened_on >= DATE '2024-10-04'
        """
    ).fetchone()
    # then most owners looked at that product family's pages before opening it
    assert opened > 0
    assert viewed >= opened // 2


def test_csv_uses_the_canonical_text_formats(csv_bank, parquet_bank):
    # given the same bank written as CSV
    out = csv_bank.out
    # then it holds the same rows as the Parquet extract
    assert csv_bank.counts == parquet_bank.counts
    # and each file starts with the spec's header
    for spec in ENTITIES:
        path = next((out / spec.name).glob("part-*.csv")) if spec.target == "lake" else out / f"{spec.name}.csv"
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header.replace('"', "").split(",") == [f.name for f in spec.fields], spec.name
    # and dates, datetimes, booleans and money are written as the format requires
    con = duckdb.connect()
    text = con.execute(
        f"SELECT booked_at, amount, balance_after FROM read_csv('{out}/transactions/*.csv', all_varchar = true)"
    ).fetchall()
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r[0]) for r in text)
    assert all(re.fullmatch(r"-?\d+(\.\d{1,2})?", value) for r in text for value in r[1:])
    accounts = con.execute(
        f"SELECT opened_on, balance, balance_as_of FROM read_csv('{out}/accounts.csv', all_varchar = true)"
    ).fetchall()
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r[0]) for r in accounts)
    assert all(re.fullmatch(r"-?\d+(\.\d{1,2})?", r[1]) for r in accounts)
    assert {r[2] for r in accounts} == {"2025-01-01T00:00:00Z"}
    flags = con.execute(f"SELECT DISTINCT active FROM read_csv('{out}/staff.csv', all_varchar = true)").fetchall()
    assert {r[0] for r in flags} == {"true", "false"}
    # and the typed values equal the Parquet ones
    totals = (
        "SELECT count(*), sum(amount::DECIMAL(18, 2)), sum(balance_after::DECIMAL(18, 2)) "
        "FROM read_{}('{}/transactions/*.{}')"
    )
    assert (
        con.execute(totals.format("csv", out, "csv")).fetchone()
        == con.execute(totals.format("parquet", parquet_bank.out, "parquet")).fetchone()
    )


def test_progress_counts_every_customer(tmp_path):
    # given a progress callback
    seen: list[int] = []
    # when a small bank is generated
    generate_bank(customers=30, months=1, seed=1, out=tmp_path, end=END, on_progress=seen.append)
    # then it was told about every customer
    assert sum(seen) == 30


@pytest.mark.parametrize(("customers", "months", "fmt"), [(0, 3, "parquet"), (10, 0, "parquet"), (10, 3, "xlsx")])
def test_bad_arguments_are_refused_before_writing(tmp_path, customers, months, fmt):
    # when the arguments make no sense
    with pytest.raises(ValueError):
        generate_bank(customers=customers, months=months, seed=1, out=tmp_path / "out", fmt=fmt, end=END)
    # then nothing was written
    assert not (tmp_path / "out").exists()


def test_spec_covers_every_entity_written(parquet_bank):
    # given a generated bank
    written = {p.stem for p in parquet_bank.out.glob("*.parquet")} | {
        p.name for p in parquet_bank.out.iterdir() if p.is_dir() and p.name != "ground_truth"
    }
    # then exactly the canonical entities were written
    assert written == set(ENTITY_BY_NAME)
