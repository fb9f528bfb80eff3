"""Case reports: the top root causes of resolved cases and their monthly trend."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.cases.models import OPEN_STATUSES, Case
from guanxi.cases.schemas import RootCauseCount, RootCauseReport
from guanxi.cases.service import visible_cases
from guanxi.clock import now
from guanxi.errors import ValidationFailed
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission


def root_cause_report(
    *, session: Session, actor: Actor, start: dt.date, end: dt.date, top: int = 10
) -> RootCauseReport:
    """Cases resolved from ``start`` up to ``end`` (exclusive) by root cause, overall and per month."""
    actor.require(Permission.CASE_READ)
    if end <= start:
        raise ValidationFailed("'to' must be after 'from'", code="bad_period")
    begin = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    finish = dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC)
    rows = session.execute(
        select(Case.root_cause, Case.resolved_at).where(
            visible_cases(actor),
            Case.root_cause.is_not(None),
            Case.resolved_at >= begin,
            Case.resolved_at < finish,
        )
    ).all()
    overall: Counter[str] = Counter()
    monthly: Counter[tuple[str, str]] = Counter()
    for cause, resolved_at in rows:
        overall[cause] += 1
        monthly[(resolved_at.strftime("%Y-%m"), cause)] += 1
    return RootCauseReport(
        start=start,
        end=end,
        top=sorted(overall.items(), key=lambda item: (-item[1], item[0]))[:top],
        trend=[RootCauseCount(month=m, root_cause=c, cases=n) for (m, c), n in sorted(monthly.items())],
    )


SLA_STATES = ("on_track", "at_risk", "breached", "paused")


def sla_overview(*, session: Session, actor: Actor) -> dict[str, int]:
    """Open cases the actor sees by where their SLA stands (the sweep's flags, breaches live)."""
    actor.require(Permission.CASE_READ)
    counts = dict.fromkeys(SLA_STATES, 0)
    rows = session.execute(
        select(Case.breached, Case.at_risk, Case.due_at, Case.sla_running_since).where(
            visible_cases(actor), Case.status.in_(OPEN_STATUSES)
        )
    ).all()
    moment = now()
    for breached, at_risk, due_at, running_since in rows:
        if breached or (running_since is not None and due_at is not None and due_at < moment):
            counts["breached"] += 1
        elif running_since is None:
            counts["paused"] += 1
        elif at_risk:
            counts["at_risk"] += 1
        else:
            counts["on_track"] += 1
    return counts
