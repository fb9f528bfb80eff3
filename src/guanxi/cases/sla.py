"""The SLA clock of a case, in business time of the customer's branch calendar.

The clock keeps the business seconds already used and the instant it last started. Waiting for
the customer stops it; resuming starts it again with what is left of the target, so the due
time moves by exactly the working time spent waiting. A case is breached once its due time has
passed while the clock ran (or when it is resolved late) and at risk when less than a share of
its target is left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.calendars.business_time import WorkingCalendar, add_business_seconds, business_seconds_between
from guanxi.cases.models import Case, SlaTarget

# Business hours allowed when the bank has set no target (a working day is 8 hours).
DEFAULT_TARGET_HOURS: dict[str, dict[str, float]] = {
    "complaint": {"urgent": 8, "high": 16, "normal": 40, "low": 80},
    "dispute": {"urgent": 16, "high": 40, "normal": 80, "low": 120},
    "service_request": {"urgent": 4, "high": 8, "normal": 24, "low": 40},
    "enquiry": {"urgent": 2, "high": 4, "normal": 8, "low": 16},
}


@dataclass(frozen=True)
class SlaState:
    """Where a case's clock stands at a moment."""

    target_seconds: int
    used_seconds: int
    remaining_seconds: int
    due_at: dt.datetime | None
    paused: bool
    at_risk: bool
    breached: bool


def target_hours(session: Session, *, case_type: str, category: str, priority: str) -> float:
    """The business hours allowed: the bank's row for the category, else for the type, else built in."""
    rows = session.execute(
        select(SlaTarget.category, SlaTarget.business_hours).where(
            SlaTarget.case_type == case_type,
            SlaTarget.priority == priority,
            (SlaTarget.category == category) | SlaTarget.category.is_(None),
        )
    ).all()
    by_category = {row_category: hours for row_category, hours in rows}
    if category in by_category:
        return float(by_category[category])
    if None in by_category:
        return float(by_category[None])
    return float(DEFAULT_TARGET_HOURS[case_type][priority])


def start_clock(case: Case, *, at: dt.datetime, calendar: WorkingCalendar, target_seconds: int) -> None:
    """Start a new case's clock at ``at`` with ``target_seconds`` of business time."""
    case.sla_target_seconds = target_seconds
    case.sla_used_seconds = 0
    case.sla_running_since = at
    case.due_at = add_business_seconds(calendar, at, target_seconds)
    case.at_risk = case.breached = False
    case.breached_at = None


def _used_until(case: Case, at: dt.datetime, calendar: WorkingCalendar) -> int:
    running = 0
    if case.sla_running_since is not None:
        running = business_seconds_between(calendar, case.sla_running_since, at)
    return case.sla_used_seconds + running


def stop_clock(case: Case, *, at: dt.datetime, calendar: WorkingCalendar) -> bool:
    """Stop the clock (waiting for the customer, or resolved): bank the time used, clear the due
    time and the at-risk flag. Returns whether this finds the case late for the first time."""
    if case.sla_running_since is None:
        return False
    newly_breached = case.due_at is not None and at > case.due_at and not case.breached
    if newly_breached:
        case.breached, case.breached_at = True, case.due_at
    case.sla_used_seconds = _used_until(case, at, calendar)
    case.sla_running_since = None
    case.due_at = None
    case.at_risk = False
    return newly_breached


def resume_clock(case: Case, *, at: dt.datetime, calendar: WorkingCalendar) -> None:
    """Run the clock again from ``at`` with what is left of the target (nothing left: due now)."""
    if case.sla_running_since is not None or case.sla_target_seconds is None:
        return
    left = max(case.sla_target_seconds - case.sla_used_seconds, 0)
    case.sla_running_since = at
    case.due_at = add_business_seconds(calendar, at, left)


def sla_state(case: Case, *, at: dt.datetime, calendar: WorkingCalendar, at_risk_share: float) -> SlaState:
    """The clock of ``case`` as it stands at ``at`` (computed, not read from the stored flags)."""
    target = case.sla_target_seconds or 0
    used = _used_until(case, at, calendar)
    remaining = max(target - used, 0)
    running = case.sla_running_since is not None
    breached = case.breached or (running and case.due_at is not None and at > case.due_at)
    at_risk = running and not breached and remaining < at_risk_share * target
    return SlaState(
        target_seconds=target,
        used_seconds=used,
        remaining_seconds=remaining,
        due_at=case.due_at,
        paused=not running,
        at_risk=at_risk,
        breached=breached,
    )
