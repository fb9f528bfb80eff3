"""A complaint's SLA clock on a frozen clock: business hours, a holiday, a pause, at risk, breach."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import make_branch, make_party, make_staff, make_team
from guanxi.calendars.service import add_holiday, save_calendar
from guanxi.cases.configuration import set_sla_target
from guanxi.cases.models import Case, CaseEvent
from guanxi.cases.monitoring import sweep_slas
from guanxi.cases.schemas import CaseCreate, CaseTransition, SlaTargetWrite
from guanxi.cases.service import case_clock, open_case
from guanxi.cases.workflow import transition_case
from guanxi.clock import frozen_at
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN = Actor(username="admin", role=Role.ADMIN, source="test")
WEEK = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in December 2026, Shanghai time (4 Dec is a Friday, 7 Dec a Monday)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def complaint(session: Session) -> tuple[int, int]:
    """A complaint opened on Friday 17:00 with a 2-business-day SLA and a holiday on Monday."""
    with session.begin():
        branch = make_branch(session)
        desk = make_team(session, name="Complaints desk")
        lead = make_staff(session, role="service_agent", team=desk)
        make_staff(session, role="service_agent", team=desk)
        desk.lead_staff_id = lead.id
        party = make_party(session, home_branch_id=branch.id)
    calendar = save_calendar(session=session, actor=ADMIN, name="default", timezone="Asia/Shanghai", week=WEEK)
    add_holiday(session=session, actor=ADMIN, calendar_id=calendar.id, day=dt.date(2026, 12, 7), name="Bank holiday")
    set_sla_target(
        session=session,
        actor=ADMIN,
        data=SlaTargetWrite(case_type="complaint", priority="normal", business_hours=16),
    )
    with frozen_at(local(4, 17)):
        case = open_case(
            session=session,
            actor=ADMIN,
            data=CaseCreate(
                party_id=party.id,
                case_type="complaint",
                category="fees_charges",
                channel="phone",
                subject="Charged twice for the annual fee",
            ),
        )
    return case.id, lead.id


def move(session: Session, case_id: int, when: dt.datetime, to: str) -> Case:
    with frozen_at(when):
        return transition_case(session=session, actor=ADMIN, case_id=case_id, data=CaseTransition(to=to))


def clock_at(session: Session, case_id: int, when: dt.datetime):
    with session.begin():
        return case_clock(session, session.get(Case, case_id), when)


def test_due_time_skips_the_weekend_and_the_holiday(session, complaint):
    # given a complaint opened on Friday at closing time with 16 business hours and Monday a holiday
    case_id, _ = complaint
    with session.begin():
        case = session.get(Case, case_id)
        # then the clock starts on Tuesday 09:00 and runs out on Wednesday at 17:00
        assert case.due_at == local(9, 17).astimezone(dt.UTC)
        assert case.sla_target_seconds == 16 * 3600


def test_waiting_for_the_customer_pauses_the_clock_and_moves_the_due_time(session, complaint):
    # given the complaint, taken up on Tuesday at 09:30
    case_id, _ = complaint
    move(session, case_id, local(8, 9, 30), "in_progress")
    # when the agent waits for the customer from 10:00 to 13:00 on Tuesday
    paused = move(session, case_id, local(8, 10), "waiting_for_customer")
    assert paused.due_at is None
    assert paused.sla_used_seconds == 3600
    resumed = move(session, case_id, local(8, 13), "in_progress")
    # then the 15 hours left run Tue 13-17, Wed 9-17 and Thu 9-12
    assert resumed.due_at == local(10, 12).astimezone(dt.UTC)
    # and the clock is at risk once less than a quarter (4 h) is left, breached after noon Thursday
    assert clock_at(session, case_id, local(9, 15, 59)).at_risk is False
    assert clock_at(session, case_id, local(9, 16, 1)).at_risk is True
    before, after = clock_at(session, case_id, local(10, 11, 59)), clock_at(session, case_id, local(10, 12, 1))
    assert (before.breached, before.remaining_seconds) == (False, 60)
    assert (after.breached, after.remaining_seconds) == (True, 0)


def test_the_sweep_flags_the_breach_and_escalates_to_the_team_lead(session, complaint):
    # given the paused-and-resumed complaint of the walkthrough
    case_id, lead_id = complaint
    move(session, case_id, local(8, 10), "waiting_for_customer")
    move(session, case_id, local(8, 13), "in_progress")
    # when the sweep runs at 16:01 on Wednesday and again at 12:01 on Thursday
    with frozen_at(local(9, 16, 1)):
        first = sweep_slas(session=session)
    with frozen_at(local(10, 12, 1)):
        second = sweep_slas(session=session)
    # then the first flags it at risk, the second marks the breach at the due time and escalates
    assert (first.at_risk, first.breached, first.escalated) == (1, 0, 0)
    assert (second.at_risk, second.breached, second.escalated) == (0, 1, 1)
    with session.begin():
        case = session.get(Case, case_id)
        assert (case.breached, case.breached_at) == (True, local(10, 12).astimezone(dt.UTC))
        assert (case.escalation_level, case.owner_staff_id) == (1, lead_id)
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        assert list(kinds)[-3:] == ["sla_at_risk", "sla_breached", "escalated"]
    # and a third sweep changes nothing
    with frozen_at(local(10, 15)):
        assert sweep_slas(session=session).model_dump() == {"at_risk": 0, "breached": 0, "escalated": 0}


def test_resolving_late_records_the_breach(session, complaint):
    # given the complaint never paused
    case_id, _ = complaint
    # when it is resolved on Thursday morning, after its Wednesday 17:00 due time
    with frozen_at(local(10, 10)):
        case = transition_case(
            session=session,
            actor=ADMIN,
            case_id=case_id,
            data=CaseTransition(to="resolved", resolution_code="explained", root_cause="fees_pricing"),
        )
    # then the breach is recorded at the due time and the clock is stopped with 17 hours used
    assert (case.breached, case.breached_at) == (True, local(9, 17).astimezone(dt.UTC))
    assert (case.due_at, case.sla_used_seconds) == (None, 17 * 3600)


def test_waiting_for_the_customer_after_the_due_time_records_the_breach_and_escalates(session, complaint):
    # given the complaint, due Wednesday 17:00, still open on Thursday morning
    case_id, lead_id = complaint
    # when the agent puts it on hold then
    paused = move(session, case_id, local(10, 10), "waiting_for_customer")
    # then the breach is recorded at the due time, escalated to the lead, and the at-risk flag is off
    assert (paused.breached, paused.breached_at, paused.at_risk) == (True, local(9, 17).astimezone(dt.UTC), False)
    assert (paused.escalation_level, paused.owner_staff_id) == (1, lead_id)
    with session.begin():
        kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
    assert kinds[-3:] == ["sla_breached", "escalated", "status"]
