"""The ``guanxi`` command: exit codes, messages and --json output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from extracts import canonical_rows, write_berka, write_canonical
from guanxi.cli.common import ExitCode
from guanxi.cli.main import app

runner = CliRunner()


@pytest.fixture
def migrated() -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at revision head" in result.output


def test_ingest_reports_counts_as_json_and_is_idempotent(tmp_path, migrated):
    extract = write_canonical(tmp_path / "extract")
    first = runner.invoke(app, ["ingest", str(extract), "--json"])
    assert first.exit_code == ExitCode.OK, first.output
    report = json.loads(first.stdout)
    assert (report["rows_read"], report["rows_new"], report["rows_rejected"]) == (22, 22, 0)
    assert report["source_system"] == "core"
    second = json.loads(runner.invoke(app, ["ingest", str(extract), "--json"]).stdout)
    assert (second["rows_read"], second["rows_new"]) == (22, 0)


def test_ingest_prints_a_table(tmp_path, migrated):
    result = runner.invoke(app, ["ingest", str(write_berka(tmp_path / "b")), "--format", "berka"])
    assert result.exit_code == ExitCode.OK, result.output
    assert "standing_orders" in result.stdout
    assert "trans.asc is not in this folder" in result.stdout.replace("\n", " ")


def test_ingest_of_a_missing_file_exits_2_with_the_reason(tmp_path, migrated):
    extract = write_berka(tmp_path / "b")
    (extract / "loan.asc").unlink()
    result = runner.invoke(app, ["ingest", str(extract), "--format", "berka"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"error: loan.asc: file not found in {extract} (needed for loans)" in " ".join(result.stderr.split())


def test_ingest_of_a_malformed_file_exits_2(tmp_path, migrated):
    extract = write_canonical(tmp_path / "x")
    (extract / "households.csv").write_text('key,name\nH1,"never closed\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(extract)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "error: households.csv, line 2: malformed row: a quoted value is never closed" in result.stderr


def test_strict_ingest_exits_3_when_rows_are_rejected(tmp_path, migrated):
    data = canonical_rows()
    data["branches"][0] |= {"opened_on": "yesterday"}
    result = runner.invoke(app, ["ingest", str(write_canonical(tmp_path / "x", data)), "--strict"])
    assert result.exit_code == ExitCode.REJECTED_ROWS
    assert "rows rejected" in result.stdout


def test_mapping_and_format_together_are_refused(tmp_path, migrated):
    result = runner.invoke(app, ["ingest", str(tmp_path), "--format", "berka", "--mapping", "m.yaml"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "give --mapping or --format, not both" in result.stdout


def test_an_unknown_format_is_refused(tmp_path, migrated):
    result = runner.invoke(app, ["ingest", str(tmp_path), "--format", "sap"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "unknown format 'sap' (known: canonical, berka)" in result.stderr


def test_create_a_user(migrated):
    result = runner.invoke(
        app, ["users", "create", "rm.lee", "--role", "relationship_manager", "--password", "Str0ng-Passphrase"]
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        app, ["users", "create", "rm.lee", "--role", "relationship_manager", "--password", "Str0ng-Passphrase"]
    )
    assert again.exit_code == ExitCode.BAD_INPUT
    assert "user 'rm.lee' already exists" in again.stderr
    bad_role = runner.invoke(app, ["users", "create", "x", "--role", "king", "--password", "Str0ng-Passphrase"])
    assert "unknown role 'king'" in bad_role.stderr
