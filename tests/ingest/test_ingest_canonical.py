"""Loading a canonical extract: counts, references, the lake, idempotence, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extracts import canonical_rows, write_canonical, write_csv
from guanxi.accounts.models import Account, AccountRole
from guanxi.audit.models import AuditEvent
from guanxi.ingest.models import IngestRun
from guanxi.lake.layout import scan_sql, table_files
from guanxi.parties.models import ContactPoint, Party, PartyRelationship
from guanxi.products.models import Product
from guanxi.team.models import Branch


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _lake(lake_root: Path, table: str, sql: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con.execute(sql.replace("LAKE", scan_sql(lake_root, table))).fetchall()


def test_a_canonical_extract_loads_every_entity(tmp_path, ingest, session, lake_root):
    # given a small but complete extract
    extract = write_canonical(tmp_path / "extract")
    # when it is ingested
    report = ingest(extract)
    # then every row is new and nothing is rejected
    assert {e.entity: (e.read, e.new, e.rejected) for e in report.entities} == {
        "branches": (2, 2, 0),
        "staff": (1, 1, 0),
        "products": (2, 2, 0),
        "parties": (3, 3, 0),
        "contact_points": (2, 2, 0),
        "households": (1, 1, 0),
        "household_members": (1, 1, 0),
        "party_relationships": (1, 1, 0),
        "accounts": (2, 2, 0),
        "account_roles": (3, 3, 0),
        "transactions": (3, 3, 0),
        "digital_events": (1, 1, 0),
    }
    assert report.quarantine_path is None
    # and references became Guanxi ids
    wang = session.scalars(select(Party).where(Party.source_key == "C1")).one()
    assert wang.full_name == "王小明"
    assert wang.source_system == "core"
    assert wang.risk_tolerance == 3
    assert session.get(Branch, wang.home_branch_id).source_key == "BR1"  # type: ignore[union-attr]
    roles = session.execute(
        select(Account.source_key, AccountRole.role)
        .join(Account)
        .where(AccountRole.party_id == wang.id)
        .order_by(Account.source_key)
    ).all()
    assert roles == [("A1", "owner"), ("A2", "joint")]
    relation = session.scalars(select(PartyRelationship)).one()
    assert (relation.from_party_id, relation.kind) == (wang.id, "director_of")
    # and values are typed exactly
    a1 = session.scalars(select(Account).where(Account.source_key == "A1")).one()
    assert a1.balance == Decimal("10250.7500")
    assert a1.balance_as_of == dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)
    fund = session.scalars(select(Product).where(Product.source_key == "FUND4")).one()
    assert (fund.risk_class, fund.interest_rate) == (4, Decimal("0.032500"))
    phone = session.scalars(select(ContactPoint).where(ContactPoint.source_key == "CP1")).one()
    assert (phone.is_primary, phone.verified, phone.verified_at) == (
        True,
        True,
        dt.datetime(2024, 1, 5, 8, tzinfo=dt.UTC),
    )
    hk = session.scalars(select(Branch).where(Branch.source_key == "BR2")).one()
    assert hk.attributes == {"floors": 3}
    # and the transactions are in the lake, by month, with account ids
    assert [p.parent.name for p in table_files(lake_root, "transactions")] == [
        "month=2026-09",
        "month=2026-10",
    ]
    a2_id = session.scalars(select(Account.id).where(Account.source_key == "A2")).one()
    rows = _lake(
        lake_root,
        "transactions",
        "SELECT source_key, account_id, amount, direction, month FROM LAKE ORDER BY source_key",
    )
    assert rows == [
        ("T1", a1.id, Decimal("12000.0000"), "credit", "2026-09"),
        ("T2", a1.id, Decimal("2000.0000"), "debit", "2026-10"),
        ("T3", a2_id, Decimal("11.9000"), "debit", "2026-10"),
    ]
    assert _lake(lake_root, "digital_events", "SELECT party_id, product_family FROM LAKE") == [(wang.id, "wealth_fund")]


def test_loading_the_same_extract_twice_changes_nothing(tmp_path, ingest, session, lake_root):
    extract = write_canonical(tmp_path / "extract")
    ingest(extract)
    updated_before = session.scalars(select(Party.updated_at).order_by(Party.id)).all()
    files_before = table_files(lake_root, "transactions")
    # when the same extract is loaded again
    report = ingest(extract)
    # then nothing is new, nothing changed, and no lake file was added
    assert report.rows_new == 0
    assert report.entity("parties").existing == 3
    assert report.entity("transactions").existing == 3
    assert _count(session, Party) == 3
    assert session.scalars(select(Party.updated_at).order_by(Party.id)).all() == updated_before
    assert table_files(lake_root, "transactions") == files_before
    assert _lake(lake_root, "transactions", "SELECT count(*) FROM LAKE") == [(3,)]
    # and both runs are logged and audited
    assert session.scalars(select(IngestRun.rows_new).order_by(IngestRun.id)).all() == [22, 0]
    assert session.scalars(select(AuditEvent.action)).all() == ["ingest.load", "ingest.load"]


def test_a_changed_row_is_updated_in_place(tmp_path, ingest, session):
    ingest(write_canonical(tmp_path / "v1"))
    # given the next day's extract with a new balance for A1
    accounts = canonical_rows()["accounts"]
    accounts[0] = accounts[0] | {"balance": "9999.99"}
    report = ingest(write_canonical(tmp_path / "v2", {"accounts": accounts}))
    # then the balance is refreshed without adding rows
    assert report.entity("accounts").new == 0
    assert _count(session, Account) == 2
    assert session.scalars(select(Account.balance).where(Account.source_key == "A1")).one() == Decimal("9999.9900")


def test_an_incremental_extract_may_refer_to_rows_loaded_before(tmp_path, ingest, lake_root):
    ingest(write_canonical(tmp_path / "full"))
    # given a later extract with only transactions, for accounts Guanxi already has
    delta = tmp_path / "delta"
    write_csv(
        delta / "transactions.csv",
        [
            {
                "key": "T9",
                "account_key": "A2",
                "booked_at": "2026-11-01T10:00:00Z",
                "amount": "5.00",
                "currency": "CNY",
                "direction": "debit",
                "channel": "mobile",
                "txn_type": "card_purchase",
            },
        ],
    )
    report = ingest(delta)
    assert [(e.entity, e.new, e.rejected) for e in report.entities] == [("transactions", 1, 0)]
    assert _lake(lake_root, "transactions", "SELECT count(*), max(month) FROM LAKE") == [(4, "2026-11")]


def test_parquet_and_part_folders_are_read(tmp_path, ingest, lake_root):
    # given transactions as two Parquet parts in a folder
    extract = write_canonical(tmp_path / "extract", {"transactions": []})
    rows = canonical_rows()["transactions"]
    con = duckdb.connect()
    (extract / "transactions").mkdir()
    for n, row in enumerate(rows[:2]):
        csv_path = write_csv(tmp_path / f"t{n}.csv", [row], list(canonical_rows()["transactions"][1].keys()))
        con.execute(
            f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO "
            f"'{extract / 'transactions' / f'part-{n}.parquet'}' (FORMAT PARQUET)"
        )
    report = ingest(extract)
    assert report.entity("transactions").files == ["part-0.parquet", "part-1.parquet"]
    assert report.entity("transactions").new == 2


def test_the_extract_format_document_matches_the_code():
    from guanxi.ingest.formatdoc import render_extract_format

    document = Path(__file__).parents[2] / "docs" / "extract-format.md"
    assert document.read_text(encoding="utf-8") == render_extract_format()


def test_a_reload_with_some_new_transactions_adds_only_those(tmp_path, ingest, lake_root):
    ingest(write_canonical(tmp_path / "full"))
    # given a later extract repeating T1 and adding T10
    rows = canonical_rows()["transactions"]
    t10 = rows[0] | {"key": "T10", "booked_at": "2026-11-30T09:00:00Z"}
    report = ingest(write_canonical(tmp_path / "later", {"transactions": [rows[0], t10]}))
    txns = report.entity("transactions")
    assert (txns.read, txns.new, txns.existing, txns.rejected) == (2, 1, 1, 0)
    assert _lake(lake_root, "transactions", "SELECT source_key FROM LAKE ORDER BY source_key") == [
        ("T1",),
        ("T10",),
        ("T2",),
        ("T3",),
    ]


def test_a_reload_without_an_optional_column_keeps_what_guanxi_holds(tmp_path, ingest, session):
    # given parties loaded with their occupation
    data = canonical_rows()
    data["parties"][0] |= {"occupation": "engineer", "status": "closed"}
    ingest(write_canonical(tmp_path / "v1", data))
    # when a later extract of parties has no occupation column at all
    slim = [{k: v for k, v in row.items() if k not in ("occupation", "status")} for row in data["parties"]]
    report = ingest(write_canonical(tmp_path / "v2", {"parties": slim}))
    # then nothing changed: absent columns are not blanked or reset to defaults
    assert report.entity("parties").new == 0
    wang = session.scalars(select(Party).where(Party.source_key == "C1")).one()
    assert (wang.occupation, wang.status) == ("engineer", "closed")


def test_an_ingest_refuses_while_another_holds_the_lake(tmp_path, ingest, lake_root):
    from guanxi.lake.writer import LakeLocked, lake_lock

    with lake_lock(lake_root):
        import pytest

        with pytest.raises(LakeLocked, match="another load is writing to the lake at"):
            ingest(write_canonical(tmp_path / "x"))
