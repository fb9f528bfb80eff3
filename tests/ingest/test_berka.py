"""The Berka PKDD'99 mapping: Czech codes, YYMMDD dates, gender in birth_number, the missing trans table."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from extracts import write_berka
from factories import vault
from guanxi.accounts.models import Account, AccountRole, Card, Loan, StandingOrder
from guanxi.lake.layout import table_files
from guanxi.parties.models import ContactPoint, Party
from guanxi.parties.protection import CONTACT_COLUMN
from guanxi.parties.service import decrypt_birth_date
from guanxi.team.models import Branch

MISSING_TRANS = (
    "trans.asc is not in this folder: the Berka extract has no transaction table here, so accounts are loaded "
    "without transaction history (balances unknown)."
)


def test_berka_files_load_with_codes_translated(tmp_path, ingest, session):
    # given the Berka files without trans.asc
    extract = write_berka(tmp_path / "berka")
    # when loaded with the built-in mapping
    report = ingest(extract, fmt="berka")
    # then every row loads and the missing table is explained, not fatal
    assert {e.entity: e.new for e in report.entities} == {
        "branches": 2,
        "products": 1,
        "parties": 3,
        "contact_points": 3,
        "accounts": 2,
        "account_roles": 3,
        "cards": 1,
        "loans": 2,
        "standing_orders": 3,
    }
    assert report.notes == [MISSING_TRANS]
    assert report.rows_rejected == 0
    # birth_number: 706213 is a woman born 1970-12-13 (month + 50); 450204 a man born 1945-02-04
    keys = vault()
    people = [
        (p.source_key, p.gender, decrypt_birth_date(keys, keys.unwrap(p.data_key), p))
        for p in session.scalars(select(Party).order_by(Party.source_key))
    ]
    assert people == [
        ("1", "female", dt.date(1970, 12, 13)),
        ("2", "male", dt.date(1945, 2, 4)),
        ("3", "female", dt.date(1940, 10, 9)),
    ]
    prague = session.scalars(select(Branch).where(Branch.source_key == "1")).one()
    assert (prague.name, prague.region, prague.attributes["average_salary"]) == (
        "Hl.m. Praha",
        "Prague",
        12541,
    )
    accounts = session.execute(
        select(
            Account.source_key,
            Account.statement_frequency,
            Account.opened_on,
            Account.currency,
            Account.branch_id,
        ).order_by(Account.source_key)
    ).all()
    assert accounts == [
        ("1", "monthly", dt.date(1995, 3, 24), "CZK", prague.id),
        ("2", "per_transaction", dt.date(1993, 2, 26), "CZK", prague.id + 1),
    ]
    roles = session.execute(select(AccountRole.source_key, AccountRole.role).order_by(AccountRole.source_key)).all()
    assert roles == [("1", "owner"), ("2", "owner"), ("3", "authorised_user")]
    card = session.scalars(select(Card)).one()
    holder = session.get(Party, card.party_id)
    assert (
        card.tier,
        card.issued_on,
        holder.source_key,
        session.get(Account, card.account_id).source_key,
    ) == (
        "gold",
        dt.date(1998, 10, 8),
        "2",
        "2",
    )
    loans = session.execute(
        select(Loan.source_key, Loan.status, Loan.principal, Loan.monthly_payment).order_by(Loan.source_key)
    ).all()
    assert loans == [
        ("5314", "defaulted", Decimal("96396.0000"), Decimal("8033.0000")),
        ("5316", "current", Decimal("165960.0000"), Decimal("4610.0000")),
    ]
    orders = session.execute(
        select(StandingOrder.source_key, StandingOrder.purpose, StandingOrder.amount).order_by(StandingOrder.source_key)
    ).all()
    assert orders == [
        ("29401", "household", Decimal("2452.0000")),
        ("29402", "loan_payment", Decimal("3372.7000")),
        ("29403", "other", Decimal("7266.0000")),
    ]
    address = session.scalars(select(ContactPoint).where(ContactPoint.source_key == "home-2")).one()
    assert (address.kind, address.value_masked, address.value_index, address.country) == ("address", "****", None, "CZ")
    dek = keys.unwrap(session.get(Party, address.party_id).data_key)
    assert keys.decrypt(dek, address.value_enc, CONTACT_COLUMN) == "District 74"


def test_berka_loads_twice_without_change(tmp_path, ingest):
    extract = write_berka(tmp_path / "berka")
    ingest(extract, fmt="berka")
    again = ingest(extract, fmt="berka")
    assert again.rows_new == 0
    assert again.rows_rejected == 0
    assert again.entity("standing_orders").existing == 3


def test_berka_transactions_load_when_present(tmp_path, ingest, lake_root):
    extract = write_berka(tmp_path / "berka", with_trans=True)
    report = ingest(extract, fmt="berka")
    assert report.notes == []
    assert report.entity("transactions").new == 3
    assert [p.parent.name for p in table_files(lake_root, "transactions")] == [
        "month=1995-03",
        "month=1995-04",
    ]


def test_an_impossible_birth_number_rejects_its_row_without_showing_it(tmp_path, ingest):
    # given a client born on 30 February (birth number 790230)
    extract = write_berka(tmp_path / "berka")
    with (extract / "client.asc").open("ab") as handle:
        handle.write(b'4;"790230";1\r\n')
    # when the files are loaded
    report = ingest(extract, fmt="berka")
    # then that client alone is rejected, as not a date, and the number is not echoed
    assert report.entity("parties").rejected == 1
    assert report.entity("parties").new == 3
    with open(report.quarantine_path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["entity"], r["key"], r["field"], r["reason"], r["value"]) for r in rows if r["entity"] == "parties"] == [
        ("parties", "4", "birth_date", "not a date (expected YYYY-MM-DD)", "[personal data withheld]")
    ]
