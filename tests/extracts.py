"""Small extracts written by tests: a valid canonical bank and Berka-format files."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

Rows = list[dict[str, Any]]


def canonical_rows() -> dict[str, Rows]:
    """A tiny but complete bank in the canonical format."""
    return {
        "branches": [
            {
                "key": "BR1",
                "name": "上海分行 Shanghai",
                "region": "East China",
                "city": "Shanghai",
                "opened_on": "2001-05-01",
            },
            {
                "key": "BR2",
                "name": "香港分行 Hong Kong",
                "region": "Hong Kong",
                "city": "Hong Kong",
                "opened_on": "1999-01-04",
                "attributes": '{"floors": 3}',
            },
        ],
        "staff": [
            {
                "key": "S1",
                "full_name": "陳經理",
                "role": "relationship_manager",
                "branch_key": "BR1",
                "active": "true",
            },
        ],
        "products": [
            {
                "key": "CUR",
                "name": "Current account",
                "name_zh": "活期賬戶",
                "family": "current",
                "currency": "CNY",
            },
            {
                "key": "FUND4",
                "name": "Growth fund",
                "name_zh": "成長基金",
                "family": "wealth_fund",
                "currency": "CNY",
                "risk_class": "4",
                "interest_rate": "0.0325",
            },
        ],
        "parties": [
            {
                "key": "C1",
                "party_type": "individual",
                "full_name": "王小明",
                "latin_name": "Wang Xiaoming",
                "gender": "male",
                "birth_date": "1985-04-12",
                "income_band": "middle",
                "risk_tolerance": "3",
                "kyc_status": "verified",
                "preferred_language": "zh-Hans",
                "home_branch_key": "BR1",
                "relationship_manager_key": "S1",
                "customer_since": "2015-03-01",
            },
            {
                "key": "C2",
                "party_type": "individual",
                "full_name": "Mary Chan",
                "gender": "female",
                "birth_date": "1990-11-30",
                "kyc_status": "verified",
                "preferred_language": "en",
                "home_branch_key": "BR2",
            },
            {
                "key": "C3",
                "party_type": "organisation",
                "full_name": "明記茶餐廳有限公司",
                "incorporated_on": "2010-06-01",
                "kyc_status": "pending",
            },
        ],
        "contact_points": [
            {
                "key": "CP1",
                "party_key": "C1",
                "kind": "phone",
                "value": "+86 138 0013 8000",
                "is_primary": "true",
                "verified": "true",
                "verified_at": "2024-01-05T08:00:00Z",
            },
            {
                "key": "CP2",
                "party_key": "C2",
                "kind": "email",
                "value": "mary@example.com",
                "verified": "false",
            },
        ],
        "households": [{"key": "H1", "name": "Wang household"}],
        "household_members": [{"key": "HM1", "household_key": "H1", "party_key": "C1", "role": "head"}],
        "party_relationships": [{"key": "PR1", "from_party_key": "C1", "to_party_key": "C3", "kind": "director_of"}],
        "accounts": [
            {
                "key": "A1",
                "account_number": "6222000011112222",
                "product_key": "CUR",
                "branch_key": "BR1",
                "currency": "CNY",
                "status": "active",
                "opened_on": "2015-03-01",
                "balance": "10250.75",
                "balance_as_of": "2026-10-31T16:00:00Z",
            },
            {
                "key": "A2",
                "account_number": "6222000033334444",
                "product_key": "CUR",
                "currency": "CNY",
                "status": "active",
                "opened_on": "2019-07-15",
                "balance": "88.10",
            },
        ],
        "account_roles": [
            {"key": "R1", "account_key": "A1", "party_key": "C1", "role": "owner"},
            {"key": "R2", "account_key": "A2", "party_key": "C2", "role": "owner"},
            {"key": "R3", "account_key": "A2", "party_key": "C1", "role": "joint"},
        ],
        "transactions": [
            {
                "key": "T1",
                "account_key": "A1",
                "booked_at": "2026-09-30T09:00:00Z",
                "amount": "12000.00",
                "currency": "CNY",
                "direction": "credit",
                "channel": "system",
                "txn_type": "salary",
                "balance_after": "12250.75",
            },
            {
                "key": "T2",
                "account_key": "A1",
                "booked_at": "2026-10-02T12:30:00Z",
                "amount": "2000.00",
                "currency": "CNY",
                "direction": "debit",
                "channel": "wechat_pay",
                "txn_type": "card_purchase",
                "merchant_category": "restaurants",
                "counterparty": "海底撈",
                "balance_after": "10250.75",
            },
            {
                "key": "T3",
                "account_key": "A2",
                "booked_at": "2026-10-03T08:00:00Z",
                "amount": "11.90",
                "currency": "CNY",
                "direction": "debit",
                "channel": "pos",
                "txn_type": "card_purchase",
                "merchant_category": "groceries",
                "balance_after": "88.10",
            },
        ],
        "digital_events": [
            {
                "key": "E1",
                "party_key": "C1",
                "occurred_at": "2026-10-01T20:00:00Z",
                "channel": "app",
                "event_type": "product_view",
                "session_id": "s1",
                "product_family": "wealth_fund",
            },
        ],
    }


def write_csv(path: Path, rows: Rows, columns: list[str] | None = None, delimiter: str = ",") -> Path:
    """Write ``rows`` as a UTF-8 CSV with a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_canonical(directory: Path, overrides: dict[str, Rows] | None = None) -> Path:
    """Write the tiny bank (with some entities replaced) as canonical CSV files."""
    data = canonical_rows() | (overrides or {})
    for entity, rows in data.items():
        if rows:
            write_csv(directory / f"{entity}.csv", rows)
    return directory


BERKA = {
    "district.asc": [
        "A1;A2;A3;A4;A5;A6;A7;A8;A9;A10;A11;A12;A13;A14;A15;A16",
        '1;"Hl.m. Praha";"Prague";1204953;0;0;0;1;1;100.0;12541;0.29;0.43;167;85677;99107',
        '74;"Ostrava - mesto";"north Moravia";323870;0;0;0;1;1;100.0;10673;4.7;5.44;100;18782;18347',
    ],
    "client.asc": [
        '"client_id";"birth_number";"district_id"',
        '1;"706213";1',
        '2;"450204";74',
        '3;"406009";1',
    ],
    "account.asc": [
        '"account_id";"district_id";"frequency";"date"',
        '1;1;"POPLATEK MESICNE";950324',
        '2;74;"POPLATEK PO OBRATU";930226',
    ],
    "disp.asc": [
        '"disp_id";"client_id";"account_id";"type"',
        '1;1;1;"OWNER"',
        '2;2;2;"OWNER"',
        '3;3;2;"DISPONENT"',
    ],
    "card.asc": ['"card_id";"disp_id";"type";"issued"', '7;2;"gold";981008 00:00:00'],
    "loan.asc": [
        '"loan_id";"account_id";"date";"amount";"duration";"payments";"status"',
        '5314;1;930705;96396;12;8033.00;"B"',
        '5316;2;930711;165960;36;4610.00;"C"',
    ],
    "order.asc": [
        '"order_id";"account_id";"bank_to";"account_to";"amount";"k_symbol"',
        '29401;1;"YZ";"87144583";2452.00;"SIPO"',
        '29402;2;"ST";"89597016";3372.70;"UVER"',
        '29403;2;"QR";"13943797";7266.00;" "',
    ],
}

BERKA_TRANS = [
    '"trans_id";"account_id";"date";"type";"operation";"amount";"balance";"k_symbol";"bank";"account"',
    '695247;1;950324;"PRIJEM";"VKLAD";700.0;700.0;"";"";',
    '171812;1;950413;"PRIJEM";"PREVOD Z UCTU";3679.0;4379.0;"";"AB";"41403269"',
    '207264;2;950423;"VYDAJ";"VYBER";2000.0;2379.0;"";"";',
]


def write_berka(directory: Path, with_trans: bool = False) -> Path:
    """Write a few rows of each Berka file, exactly as the real extract formats them."""
    directory.mkdir(parents=True, exist_ok=True)
    files = dict(BERKA)
    if with_trans:
        files["trans.asc"] = BERKA_TRANS
    for name, lines in files.items():
        (directory / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))
    return directory
