"""Running the analytics end to end: features and segments as of a date, snapshots in the lake,
the latest segments written back, the run audited; and the commands around it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from extracts import write_canonical
from guanxi.analytics.segmentation import RULE_SEGMENTATIONS
from guanxi.audit.models import AuditEvent
from guanxi.cli.main import app
from guanxi.config import get_settings
from guanxi.errors import PermissionDenied
from guanxi.lake.snapshots import read_snapshot, snapshot_dates
from guanxi.parties.models import Party
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM
from guanxi.segments.models import AnalysisRun, CustomerSegment
from guanxi.segments.service import run_analysis

runner = CliRunner()


@pytest.fixture
def loaded(canonical_bank: dict[str, int]) -> None:
    """The tiny canonical bank, loaded through the ingest."""


def _run(bind, lake_root: Path, as_of: dt.date, actor: Actor = SYSTEM):
    return run_analysis(bind=bind, actor=actor, lake_root=lake_root, as_of=as_of, fx_rates=get_settings().fx_rates)


def test_a_run_segments_every_customer_and_writes_back_the_latest(bind, session, lake_root, loaded):
    customers = session.scalar(select(func.count()).select_from(Party))
    # when the analytics runs as of 1 November 2026
    report = _run(bind, lake_root, dt.date(2026, 11, 1))
    # then every customer has a segment in each segmentation, in the lake and in the database
    assert report.customers == customers
    assert {k: sum(v.values()) for k, v in report.segments.items()} == dict.fromkeys(RULE_SEGMENTATIONS, customers)
    assert snapshot_dates(lake_root, "segments") == [dt.date(2026, 11, 1)]
    assert read_snapshot(lake_root, "features", dt.date(2026, 11, 1)).num_rows == customers
    rows = session.execute(select(CustomerSegment.segmentation, func.count()).group_by(CustomerSegment.segmentation))
    assert dict(rows.all()) == dict.fromkeys(RULE_SEGMENTATIONS, customers)
    # and the run is recorded with its steps, and audited
    run = session.get(AnalysisRun, report.run_id)
    assert (run.as_of, run.customers) == (dt.date(2026, 11, 1), customers)
    assert [s["step"] for s in run.steps][-2:] == ["segment", "write back"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.run")).one()
    assert event.data["customers"] == customers


def test_analysing_an_earlier_date_keeps_todays_segments(bind, session, lake_root, loaded):
    _run(bind, lake_root, dt.date(2026, 11, 1))
    _run(bind, lake_root, dt.date(2026, 10, 1))
    dates = set(session.scalars(select(CustomerSegment.as_of)))
    assert dates == {dt.date(2026, 11, 1)}
    assert snapshot_dates(lake_root, "segments") == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]


def test_a_role_without_segment_write_may_not_run_it(bind, lake_root, loaded):
    with pytest.raises(PermissionDenied):
        _run(bind, lake_root, dt.date(2026, 11, 1), Actor(username="rm", role=Role.RELATIONSHIP_MANAGER))


@pytest.fixture
def migrated() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0


def test_the_commands_list_features_analyse_and_show_migration(tmp_path, migrated):
    # the catalogue
    listed = json.loads(runner.invoke(app, ["features", "list", "--json"]).stdout)
    assert len(listed) >= 60 and {"name", "group", "owner", "unit", "en", "zh"} <= set(listed[0])
    # a loaded bank analysed on two dates
    assert runner.invoke(app, ["ingest", str(write_canonical(tmp_path / "x"))]).exit_code == 0
    first = runner.invoke(app, ["analyze", "--as-of", "2026-10-01", "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["as_of"], report["customers"]) == ("2026-10-01", 3)
    assert [s["step"] for s in report["steps"]][-2:] == ["segment", "write back"]
    table = runner.invoke(app, ["analyze", "--as-of", "2026-11-01"])
    assert table.exit_code == 0 and "3 customers" in table.stdout
    moved = runner.invoke(
        app,
        [
            "segments",
            "migration",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-01",
            "--segmentation",
            "risk_band",
            "--json",
        ],
    )
    assert moved.exit_code == 0, moved.output
    assert sum(cell["customers"] for cell in json.loads(moved.stdout)) == 3
    # a date never analysed is a clear error
    missing = runner.invoke(app, ["segments", "migration", "--from", "2026-01-01", "--to", "2026-11-01"])
    assert missing.exit_code == 2
    assert "no analysis as of 2026-01-01: run guanxi analyze --as-of 2026-01-01" in missing.stderr


def test_the_lifecycle_evaluation_compares_churners_with_everyone(bind, session, lake_root, loaded, tmp_path):
    # given an analysis, and ground truth naming C2 a churner 30 days after the date (C1 churned long ago)
    as_of = dt.date(2026, 11, 1)
    _run(bind, lake_root, as_of)
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "subject_type,subject_key,label,event_date,detail\n"
        "party,C2,churner,2026-12-01,fell away\n"
        "party,C1,churner,2025-01-01,long gone\n"
        "account,A1,defaulter,2026-12-01,not a party\n",
        encoding="utf-8",
    )
    from guanxi.segments.evaluation import evaluate_lifecycle

    result = evaluate_lifecycle(session=session, lake_root=lake_root, labels=labels, as_of=as_of)
    # then one drifting customer is compared with all three
    assert (result.drifting, result.everyone) == (1, 3)
    stage_of_c2 = session.scalar(
        select(CustomerSegment.segment)
        .join(Party, Party.id == CustomerSegment.party_id)
        .where(Party.source_key == "C2", CustomerSegment.segmentation == "lifecycle_stage")
    )
    assert next(s for s in result.shares if s[0] == stage_of_c2)[1] == 1.0
    assert sum(s[2] for s in result.shares) == pytest.approx(1.0)


def test_the_lifecycle_evaluation_names_a_bad_label_line(bind, session, lake_root, loaded, tmp_path):
    _run(bind, lake_root, dt.date(2026, 11, 1))
    labels = tmp_path / "labels.csv"
    labels.write_text("subject_type,subject_key,label,event_date,detail\nparty,C2,churner,soon,?\n", encoding="utf-8")
    from guanxi.errors import ValidationFailed
    from guanxi.segments.evaluation import evaluate_lifecycle

    with pytest.raises(ValidationFailed, match=r"labels\.csv: line 2: event_date is not a date"):
        evaluate_lifecycle(session=session, lake_root=lake_root, labels=labels, as_of=dt.date(2026, 11, 1))
