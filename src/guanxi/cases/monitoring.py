"""The SLA sweep: flag cases at risk, mark breaches and escalate them to the team lead.

The queue computes each clock live when it is shown; the sweep writes the flags down and acts
on them (escalation, a history entry) so a breach is noticed even when nobody looks. It runs
from ``guanxi worker`` every minute, or once with ``guanxi cases sweep``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.calendars.business_time import WorkingCalendar
from guanxi.calendars.service import working_calendar
from guanxi.cases.models import OPEN_STATUSES, Case
from guanxi.cases.schemas import SweepResult
from guanxi.cases.service import add_event
from guanxi.cases.sla import sla_state
from guanxi.cases.workflow import escalate
from guanxi.clock import now
from guanxi.config import get_settings
from guanxi.db import use_case
from guanxi.parties.models import Party
from guanxi.security.actor import SYSTEM, Actor


@use_case
def sweep_slas(*, session: Session, actor: Actor = SYSTEM, at: dt.datetime | None = None) -> SweepResult:
    """Flag every running case that became at risk, breach and escalate those past due."""
    at = at or now()
    share = get_settings().sla_at_risk_share
    calendars: dict[int | None, WorkingCalendar] = {}
    at_risk = breached = escalated = 0
    rows = session.execute(
        select(Case, Party.home_branch_id)
        .join(Party, Party.id == Case.party_id)
        .where(Case.status.in_(OPEN_STATUSES), Case.sla_running_since.is_not(None), Case.breached.is_(False))
        .order_by(Case.id)
        .with_for_update(of=Case)
    ).all()
    for case, branch_id in rows:
        if branch_id not in calendars:
            calendars[branch_id] = working_calendar(session, branch_id)
        state = sla_state(case, at=at, calendar=calendars[branch_id], at_risk_share=share)
        if state.breached:
            case.breached, case.breached_at, case.at_risk = True, case.due_at, False
            breached += 1
            add_event(session, case, actor=actor, kind="sla_breached", at=at, data={"due_at": str(case.due_at)})
            escalate(session, case, actor=actor, reason="SLA breached")
            escalated += 1
        elif state.at_risk and not case.at_risk:
            case.at_risk = True
            at_risk += 1
            add_event(
                session, case, actor=actor, kind="sla_at_risk", at=at, data={"remaining": state.remaining_seconds}
            )
    return SweepResult(at_risk=at_risk, breached=breached, escalated=escalated)
