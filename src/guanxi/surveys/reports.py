"""Satisfaction dashboards: CSAT and NPS by team, channel, category or month over a period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.errors import ValidationFailed
from guanxi.parties.scope import scoped_to_customers
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.surveys.models import Survey
from guanxi.surveys.schemas import SatisfactionReport, SatisfactionRow
from guanxi.team.models import Team

GROUPINGS = ("team", "channel", "category", "month")


def _row(group: str, csat: list[int], nps: list[int]) -> SatisfactionRow:
    return SatisfactionRow(
        group=group,
        csat_responses=len(csat),
        csat_average=round(sum(csat) / len(csat), 3) if csat else None,
        csat_satisfied_share=round(sum(1 for s in csat if s >= 4) / len(csat), 4) if csat else None,
        nps_responses=len(nps),
        nps=round(100 * (sum(1 for s in nps if s >= 9) - sum(1 for s in nps if s <= 6)) / len(nps), 1) if nps else None,
    )


def satisfaction_report(*, session: Session, actor: Actor, by: str, start: dt.date, end: dt.date) -> SatisfactionReport:
    """Answers received from ``start`` up to ``end`` (exclusive), grouped ``by`` one of GROUPINGS."""
    actor.require(Permission.CASE_READ)
    if by not in GROUPINGS:
        raise ValidationFailed(f"group by one of {', '.join(GROUPINGS)}", code="bad_grouping")
    if end <= start:
        raise ValidationFailed("'to' must be after 'from'", code="bad_period")
    rows = session.execute(
        select(Survey.kind, Survey.score, Survey.team_id, Survey.channel, Survey.category, Survey.answered_at).where(
            scoped_to_customers(actor, Survey.party_id, Survey.team_id),
            Survey.status == "answered",
            Survey.answered_at >= dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
            Survey.answered_at < dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC),
        )
    ).all()
    teams = dict(session.execute(select(Team.id, Team.name)).all()) if by == "team" else {}
    scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"csat": [], "nps": []})
    for kind, score, team_id, channel, category, answered_at in rows:
        group = {
            "team": teams.get(team_id, "—") if team_id else "—",
            "channel": channel or "—",
            "category": category or "—",
            "month": answered_at.strftime("%Y-%m"),
        }[by]
        scores[group][kind].append(score)
    return SatisfactionReport(
        by=by, start=start, end=end, rows=[_row(g, s["csat"], s["nps"]) for g, s in sorted(scores.items())]
    )
