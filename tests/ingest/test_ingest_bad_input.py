"""Bad input: every failure names the file, line, field and reason, and nothing is half-loaded."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extracts import canonical_rows, write_berka, write_canonical
from guanxi.ingest.errors import (
    EncodingProblem,
    ExtractFileEmpty,
    ExtractFileMissing,
    IngestError,
    MalformedFile,
    MappingError,
)
from guanxi.ingest.mapping import parse_mapping
from guanxi.ingest.models import IngestRun
from guanxi.lake.layout import has_data
from guanxi.parties.models import HouseholdMember, Party
from guanxi.team.models import Branch


def _nothing_loaded(session: Session, lake_root: Path) -> None:
    assert session.scalar(select(func.count()).select_from(Branch)) == 0
    assert session.scalar(select(func.count()).select_from(Party)) == 0
    assert session.scalar(select(func.count()).select_from(IngestRun)) == 0
    assert not has_data(lake_root, "transactions")
    assert not (lake_root / "_staging").exists() or not any((lake_root / "_staging").iterdir())


def test_a_missing_extract_folder(tmp_path, ingest):
    with pytest.raises(ExtractFileMissing) as excinfo:
        ingest(tmp_path / "nowhere")
    assert excinfo.value.message == f"extract folder not found: {tmp_path / 'nowhere'}"


def test_a_folder_without_any_extract_file(tmp_path, ingest):
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        ExtractFileMissing, match=r"no extract files found in .*empty \(expected files such as branches.csv"
    ):
        ingest(tmp_path / "empty")


def test_a_missing_file_stops_the_load_before_anything_is_written(tmp_path, ingest, session, lake_root):
    # given a Berka extract without its client file
    extract = write_berka(tmp_path / "berka")
    (extract / "client.asc").unlink()
    # when it is loaded
    with pytest.raises(ExtractFileMissing) as excinfo:
        ingest(extract, fmt="berka")
    # then the message names the file and what needed it, and the districts were not loaded either
    assert excinfo.value.message == f"client.asc: file not found in {extract} (needed for parties)"
    assert excinfo.value.code == "file_missing"
    _nothing_loaded(session, lake_root)


def test_an_empty_file(tmp_path, ingest, session, lake_root):
    extract = write_canonical(tmp_path / "x")
    (extract / "parties.csv").write_bytes(b"")
    with pytest.raises(ExtractFileEmpty) as excinfo:
        ingest(extract)
    assert excinfo.value.message == "parties.csv: the file is empty (0 bytes)"
    _nothing_loaded(session, lake_root)


def test_a_row_with_too_many_fields(tmp_path, ingest, session, lake_root):
    # given an accounts file whose third line has an extra field
    extract = write_canonical(tmp_path / "x")
    lines = (extract / "accounts.csv").read_text(encoding="utf-8").splitlines()
    lines[2] += ",surplus"
    (extract / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    header_fields = len(next(csv.reader([lines[0]])))
    with pytest.raises(MalformedFile) as excinfo:
        ingest(extract)
    assert excinfo.value.message == (
        f"accounts.csv, line 3: malformed row: expected {header_fields} fields, found {header_fields + 1}"
    )
    _nothing_loaded(session, lake_root)


def test_an_unterminated_quote(tmp_path, ingest, session, lake_root):
    extract = write_canonical(tmp_path / "x")
    with (extract / "branches.csv").open("a", encoding="utf-8") as handle:
        handle.write('BR9,"Broken branch,East,City,,,\n')
    with pytest.raises(MalformedFile) as excinfo:
        ingest(extract)
    assert excinfo.value.message == "branches.csv, line 4: malformed row: a quoted value is never closed"
    _nothing_loaded(session, lake_root)


def test_a_file_that_is_not_utf8(tmp_path, ingest, session, lake_root):
    # given a parties file saved in GBK by a Windows export
    extract = write_canonical(tmp_path / "x")
    text = (extract / "parties.csv").read_text(encoding="utf-8")
    (extract / "parties.csv").write_bytes(text.encode("gbk"))
    with pytest.raises(EncodingProblem) as excinfo:
        ingest(extract)
    assert excinfo.value.message == (
        "parties.csv, line 2: not valid utf-8 text; if the file uses another encoding, declare it in the mapping "
        "(csv: encoding: ...)"
    )
    _nothing_loaded(session, lake_root)


def test_a_header_that_is_not_utf8(tmp_path, ingest):
    extract = write_canonical(tmp_path / "x")
    (extract / "staff.csv").write_bytes("key,full_name,r\xf4le\n".encode("latin-1"))
    with pytest.raises(EncodingProblem, match=r"^staff.csv, line 1: not valid utf-8 text \(byte 0xf4 at column 16\)"):
        ingest(extract)


def test_a_file_named_parquet_that_is_not(tmp_path, ingest):
    extract = write_canonical(tmp_path / "x", {"transactions": []})
    (extract / "transactions.parquet").write_text("key,amount\n1,2\n")
    with pytest.raises(MalformedFile) as excinfo:
        ingest(extract)
    assert excinfo.value.message == "transactions.parquet: not a Parquet file (missing PAR1 markers)"


def test_a_canonical_file_missing_a_required_column(tmp_path, ingest, session, lake_root):
    rows = [{k: v for k, v in r.items() if k != "kyc_status"} for r in canonical_rows()["parties"]]
    extract = write_canonical(tmp_path / "x", {"parties": rows})
    with pytest.raises(MappingError) as excinfo:
        ingest(extract)
    assert excinfo.value.message.startswith(
        "parties.csv: the mapping names column 'kyc_status', which is not in the file (columns: key, party_type,"
    )
    _nothing_loaded(session, lake_root)


BERKA_TYPO = """
source_system: berka-typo
csv: {delimiter: ";"}
entities:
  parties:
    file: client.asc
    key: client_id
    fields:
      party_type: {value: individual}
      full_name: {expr: "'Client ' || client_id"}
      kyc_status: {value: verified}
      home_branch_key: district
"""


def test_a_mapping_naming_a_column_that_does_not_exist(tmp_path, ingest, session, lake_root):
    extract = write_berka(tmp_path / "berka")
    with pytest.raises(MappingError) as excinfo:
        ingest(extract, mapping=parse_mapping(BERKA_TYPO, "typo.yaml"))
    assert excinfo.value.message == (
        "client.asc: the mapping names column 'district', which is not in the file "
        "(columns: client_id, birth_number, district_id)"
    )
    assert excinfo.value.code == "mapping_invalid"
    _nothing_loaded(session, lake_root)


def test_a_mapping_expression_naming_a_missing_column(tmp_path, ingest):
    extract = write_berka(tmp_path / "berka")
    text = BERKA_TYPO.replace("home_branch_key: district", 'birth_date: {expr: "substr(birth_no, 1, 2)"}')
    with pytest.raises(MappingError) as excinfo:
        ingest(extract, mapping=parse_mapping(text, "typo.yaml"))
    assert excinfo.value.message.startswith(
        'client.asc: mapping for entity parties, field birth_date does not fit the file: Referenced column "birth_no"'
    )
    assert excinfo.value.message.endswith("(columns: client_id, birth_number, district_id)")


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("entities: [", "mapping m.yaml: not valid YAML"),
        (
            "source_system: x\nentities:\n  clients: {file: a.csv}\n",
            "mapping m.yaml: unknown entity 'clients' (known: branches,",
        ),
        (
            "source_system: x\nentities:\n  parties: {file: a.csv, fields: {nickname: nick}}\n",
            "mapping m.yaml, entity parties: unknown field 'nickname' (fields: party_type,",
        ),
        ("entities: {}\n", "mapping m.yaml: 'source_system' must be a name of 1 to 32 characters"),
        (
            "source_system: x\nentities:\n  parties: {fields: {}}\n",
            "mapping m.yaml, entity parties: give 'file' or inline 'rows'",
        ),
        (
            "source_system: x\nentities:\n  parties: {file: a.csv, fields: {full_name: {column: a, value: b}}}\n",
            "mapping m.yaml, entity parties, field full_name: give exactly one of column, value or expr",
        ),
        (
            "source_system: x\nentities:\n  parties: {file: /etc/passwd}\n",
            "mapping m.yaml, entity parties: file '/etc/passwd' must be a name inside the extract folder",
        ),
        (
            "source_system: x\nentities:\n  parties: {file: ../other/a.csv}\n",
            "mapping m.yaml, entity parties: file '../other/a.csv' must be a name inside the extract folder",
        ),
        (
            "source_system: x\nentities:\n  parties: {file: a.csv, fields: {gender: {column: g, codes: {01: male}}}}\n",
            "mapping m.yaml, entity parties, field gender: source code 1 must be quoted text",
        ),
    ],
)
def test_a_broken_mapping_file(yaml_text, message):
    with pytest.raises(MappingError) as excinfo:
        parse_mapping(yaml_text, "m.yaml")
    assert excinfo.value.message.startswith(message)


def _quarantine(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_bad_rows_go_to_quarantine_and_good_rows_load(tmp_path, ingest, session):
    # given an extract with one bad value of each kind
    data = canonical_rows()
    data["parties"][1] |= {"birth_date": "1990-02-30", "risk_tolerance": "9"}
    data["parties"][2] |= {"kyc_status": "approved", "full_name": ""}
    data["accounts"][1] |= {"currency": "cny"}
    data["transactions"][0] |= {"booked_at": "30/09/2026", "amount": "-5"}
    data["transactions"][1] |= {"account_key": "NOPE"}
    data["transactions"].append(dict(data["transactions"][2]))  # the same key twice
    data["contact_points"][0] |= {"verified": "maybe"}
    report = ingest(write_canonical(tmp_path / "x", data))
    # then each problem is reported with file, line, field, reason and value
    problems = {
        (r["file"], r["line"], r["field"], r["reason"], r["value"]) for r in _quarantine(report.quarantine_path)
    }
    assert problems == {
        ("contact_points.csv", "2", "verified", "not true or false", "maybe"),
        # personal data is never echoed, even when it is wrong
        ("parties.csv", "3", "birth_date", "not a date (expected YYYY-MM-DD)", "[personal data withheld]"),
        ("parties.csv", "3", "risk_tolerance", "must be at most 5", "9"),
        ("parties.csv", "4", "full_name", "required but empty", ""),
        (
            "parties.csv",
            "4",
            "kyc_status",
            "not a known code (one of: pending, verified, expired, rejected)",
            "approved",
        ),
        ("accounts.csv", "3", "currency", "not an ISO 4217 currency code", "cny"),
        (
            "transactions.csv",
            "2",
            "booked_at",
            "not a timestamp (expected ISO 8601, e.g. 2025-01-31T09:30:00Z)",
            "30/09/2026",
        ),
        ("transactions.csv", "2", "amount", "must be at least 0", "-5.0000"),
        (
            "transactions.csv",
            "3",
            "account_key",
            "refers to accounts that exist neither in this extract nor in Guanxi",
            "NOPE",
        ),
        ("transactions.csv", "5", "key", "duplicate key: first seen on line 4 of transactions.csv", "T3"),
        # rows pointing at rejected rows are rejected too, saying why
        (
            "contact_points.csv",
            "3",
            "party_key",
            "refers to a row of parties that was rejected (see that row's errors)",
            "C2",
        ),
        (
            "account_roles.csv",
            "3",
            "account_key",
            "refers to a row of accounts that was rejected (see that row's errors)",
            "A2",
        ),
        (
            "account_roles.csv",
            "3",
            "party_key",
            "refers to a row of parties that was rejected (see that row's errors)",
            "C2",
        ),
        (
            "account_roles.csv",
            "4",
            "account_key",
            "refers to a row of accounts that was rejected (see that row's errors)",
            "A2",
        ),
        (
            "party_relationships.csv",
            "2",
            "to_party_key",
            "refers to a row of parties that was rejected (see that row's errors)",
            "C3",
        ),
        (
            "transactions.csv",
            "4",
            "account_key",
            "refers to a row of accounts that was rejected (see that row's errors)",
            "A2",
        ),
        (
            "transactions.csv",
            "5",
            "account_key",
            "refers to a row of accounts that was rejected (see that row's errors)",
            "A2",
        ),
    }
    # and the valid rows are loaded
    assert session.scalars(select(Party.source_key)).all() == ["C1"]
    assert report.entity("parties").rejected == 2
    assert report.entity("transactions").new == 0


def test_a_money_amount_with_more_decimals_than_the_currency(tmp_path, ingest):
    data = canonical_rows()
    data["accounts"][1] |= {"balance": "88.105"}
    data["accounts"][0] |= {"balance": "10.5000"}  # trailing zeros are fine
    report = ingest(write_canonical(tmp_path / "x", data))
    rows = _quarantine(report.quarantine_path)
    assert [(r["file"], r["line"], r["field"], r["reason"], r["value"]) for r in rows if r["entity"] == "accounts"] == [
        ("accounts.csv", "3", "balance", "has more decimals than CNY allows (2)", "88.105")
    ]


def test_a_database_refusal_rolls_back_the_whole_load(tmp_path, ingest, session, lake_root):
    # given a household membership already loaded under one key
    ingest(write_canonical(tmp_path / "v1"))
    runs_before = session.scalar(select(func.count()).select_from(IngestRun))
    # when a second extract states the same membership under another key (the database refuses it)
    members = [{"key": "HM-OTHER", "household_key": "H1", "party_key": "C1", "role": "head"}]
    parties = canonical_rows()["parties"]
    parties[0] |= {"occupation": "engineer"}
    with pytest.raises(IngestError, match=r"^the database refused the load, nothing was loaded: "):
        ingest(write_canonical(tmp_path / "v2", {"household_members": members, "parties": parties}))
    # then no part of it stayed: not the changed occupation, not a run record, not the membership
    assert session.scalars(select(Party.occupation).where(Party.source_key == "C1")).one() is None
    assert session.scalar(select(func.count()).select_from(IngestRun)) == runs_before
    assert session.scalars(select(HouseholdMember.source_key)).all() == ["HM1"]
    assert not (lake_root / "_staging").exists() or not any((lake_root / "_staging").iterdir())


def _transaction_parts(extract: Path) -> Path:
    """Move transactions.csv into a folder of two parts."""
    rows = canonical_rows()["transactions"]
    (extract / "transactions.csv").unlink()
    from extracts import write_csv

    columns = list(rows[1])
    write_csv(extract / "transactions" / "part-1.csv", rows[:2], columns)
    write_csv(extract / "transactions" / "part-2.csv", rows[2:], columns)
    return extract / "transactions" / "part-2.csv"


def test_a_malformed_part_among_several_is_named(tmp_path, ingest, session, lake_root):
    # given transactions split in two parts, the second with a broken row
    extract = write_canonical(tmp_path / "x")
    second = _transaction_parts(extract)
    with second.open("a", encoding="utf-8") as handle:
        handle.write("T8,A1,2026-10-05T00:00:00Z,1.00,CNY,debit,pos,card_purchase,,,,1.00,extra\n")
    with pytest.raises(MalformedFile) as excinfo:
        ingest(extract)
    assert excinfo.value.message == "part-2.csv, line 3: malformed row: expected 11 fields, found 13"
    _nothing_loaded(session, lake_root)


def test_bad_bytes_in_a_non_key_column_of_a_part(tmp_path, ingest, session, lake_root):
    extract = write_canonical(tmp_path / "x")
    second = _transaction_parts(extract)
    with second.open("ab") as handle:
        handle.write("T8,A1,2026-10-05T00:00:00Z,1.00,CNY,debit,pos,card_purchase,,Caf\xe9,1.00\r\n".encode("latin-1"))
    with pytest.raises(EncodingProblem) as excinfo:
        ingest(extract)
    assert excinfo.value.message.startswith("part-2.csv, line 3: not valid utf-8 text")
    _nothing_loaded(session, lake_root)


def test_amounts_with_too_many_decimals_are_caught_on_the_fast_path(tmp_path, ingest, lake_root):
    # given otherwise clean transactions, one with five decimals (beyond what Guanxi stores)
    data = canonical_rows()
    data["transactions"][2] |= {"amount": "11.90001"}
    report = ingest(write_canonical(tmp_path / "x", data))
    # then it is rejected rather than rounded away
    rows = [r for r in _quarantine(report.quarantine_path) if r["entity"] == "transactions"]
    assert [(r["line"], r["field"], r["reason"], r["value"]) for r in rows] == [
        ("4", "amount", "has more decimals than CNY allows (2)", "11.90001")
    ]
    assert report.entity("transactions").new == 2


def test_a_value_the_fast_path_cannot_parse_gets_its_message(tmp_path, ingest):
    data = canonical_rows()
    data["transactions"][0] |= {"booked_at": "2026-09-31T09:00:00Z"}
    report = ingest(write_canonical(tmp_path / "x", data))
    rows = [r for r in _quarantine(report.quarantine_path) if r["entity"] == "transactions"]
    assert [(r["line"], r["field"], r["value"]) for r in rows] == [("2", "booked_at", "2026-09-31T09:00:00Z")]
    assert report.entity("transactions").new == 2


def test_a_mapping_expression_that_fails_on_a_value_is_named(tmp_path, ingest, session, lake_root):
    # given a client whose birth number is not a number, and a mapping that CASTs it
    extract = write_berka(tmp_path / "berka")
    with (extract / "client.asc").open("ab") as handle:
        handle.write(b'4;"70X213";1\r\n')
    with pytest.raises(MappingError) as excinfo:
        ingest(extract, fmt="berka")
    assert excinfo.value.message.startswith("client.asc: an expression of the parties mapping failed on a value (")
    assert excinfo.value.message.endswith(
        "use TRY_CAST in mapping expressions so a bad value is rejected with its row instead of stopping the load"
    )
    _nothing_loaded(session, lake_root)


def test_a_reference_to_nothing_is_caught_even_when_a_parent_key_is_empty(tmp_path, ingest, session):
    # given a party row with an empty key (rejected) and a contact point pointing at no party at all
    data = canonical_rows()
    data["parties"].append(data["parties"][0] | {"key": ""})
    data["contact_points"].append(data["contact_points"][0] | {"key": "CP9", "party_key": "P999"})
    report = ingest(write_canonical(tmp_path / "x", data))
    problems = {(r["file"], r["field"], r["reason"], r["value"]) for r in _quarantine(report.quarantine_path)}
    assert ("parties.csv", "key", "required but empty", "") in problems
    assert (
        "contact_points.csv",
        "party_key",
        "refers to parties that exist neither in this extract nor in Guanxi",
        "P999",
    ) in problems
    assert report.entity("contact_points").new == 2
