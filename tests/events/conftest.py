"""Fixtures for event tests: two RMs and their customers, one customer without an RM, and segments."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from factories import make_branch, make_party, make_staff
from guanxi.segments.models import AnalysisRun, CustomerSegment


@pytest.fixture
def bank(session: Session) -> dict[str, int]:
    """An RM with Wang (private tier) and Li (mass tier); a second RM of another branch with a
    stranger (private tier); a customer nobody manages; and a member of staff who organises events."""
    with session.begin():
        central, harbour = make_branch(session, name="Central"), make_branch(session, name="Harbour")
        rm = make_staff(session, role="relationship_manager", branch=central)
        second_rm = make_staff(session, role="relationship_manager", branch=harbour)
        organiser = make_staff(session, role="branch_manager", branch=central)
        wang = make_party(session, home_branch_id=central.id, relationship_manager_id=rm.id)
        li = make_party(session, full_name="李四", home_branch_id=central.id, relationship_manager_id=rm.id)
        stranger = make_party(
            session, full_name="張三", home_branch_id=harbour.id, relationship_manager_id=second_rm.id
        )
        orphan = make_party(session, full_name="趙六", home_branch_id=central.id)
        run = AnalysisRun(as_of=dt.date(2026, 11, 1), engine="duckdb")
        session.add(run)
        session.flush()
        for party, tier in ((wang, "private"), (li, "mass"), (stranger, "private")):
            session.add(
                CustomerSegment(
                    party_id=party.id,
                    segmentation="value_tier",
                    segment=tier,
                    reason="aum",
                    as_of=run.as_of,
                    run_id=run.id,
                )
            )
    return {
        "central": central.id,
        "rm": rm.id,
        "second_rm": second_rm.id,
        "organiser": organiser.id,
        "wang": wang.id,
        "li": li.id,
        "stranger": stranger.id,
        "orphan": orphan.id,
    }
