"""``guanxi cases sweep``, ``guanxi outbox deliver`` and ``guanxi worker --once`` on a fresh database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from guanxi.cli.common import ExitCode
from guanxi.cli.main import app

runner = CliRunner()


@pytest.fixture
def migrated() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0


def test_the_sweep_reports_what_it_changed_as_json(migrated):
    result = runner.invoke(app, ["cases", "sweep", "--json"])
    assert result.exit_code == ExitCode.OK, result.output
    assert json.loads(result.stdout) == {"at_risk": 0, "breached": 0, "escalated": 0}


def test_outbox_delivery_reports_each_outcome(migrated):
    result = runner.invoke(app, ["outbox", "deliver", "--json"])
    assert result.exit_code == ExitCode.OK, result.output
    assert json.loads(result.stdout) == {"sent": 0, "recorded": 0, "suppressed": 0, "failed": 0, "retried": 0}


def test_one_round_of_the_worker(migrated):
    result = runner.invoke(app, ["worker", "--once"])
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout.startswith("sla {'at_risk': 0")
