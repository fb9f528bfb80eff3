"""Service insights: satisfaction (CSAT and NPS) by team, channel, category and month, and the
top root causes of resolved cases with their monthly trend. Thin over the report services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from guanxi.api.deps import SessionDep
from guanxi.cases.reports import root_cause_report
from guanxi.clock import today
from guanxi.security.permissions import Permission
from guanxi.surveys.reports import GROUPINGS, satisfaction_report
from guanxi.web.charts import series
from guanxi.web.i18n import Translator
from guanxi.web.render import render, translator
from guanxi.web.session import PageActor

PERIODS = (3, 6, 12)


def insights_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    months: Annotated[int, Query(ge=1, le=36)] = 6,
) -> Response:
    """Satisfaction and root causes over the last ``months`` months."""
    actor.require(Permission.CASE_READ)
    tr = translator(request)
    end = today() + dt.timedelta(days=1)
    start = (end.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    reports = {by: satisfaction_report(session=session, actor=actor, by=by, start=start, end=end) for by in GROUPINGS}
    causes = root_cause_report(session=session, actor=actor, start=start, end=end)
    charts = {}
    for by, report in reports.items():
        if not report.rows:
            continue
        labels = [_group_label(tr, by, row.group) for row in report.rows]
        kind = "line" if by == "month" else "bar"
        # CSAT (1-5) and NPS (-100 to 100) are charted apart: one scale per chart.
        charts[by] = series(
            kind, tr.t(f"insights.by_{by}"), labels, [(tr.t("home.csat"), [row.csat_average for row in report.rows])]
        )
        if any(row.nps is not None for row in report.rows):
            charts[f"{by}_nps"] = series(
                kind,
                f"{tr.t('home.nps')} · {tr.t(f'insights.by_{by}')}",
                labels,
                [(tr.t("home.nps"), [row.nps for row in report.rows])],
            )
    months_seen = sorted({row.month for row in causes.trend})
    top = [cause for cause, _ in causes.top[:5]]
    if top:
        counts = {(row.month, row.root_cause): row.cases for row in causes.trend}
        charts["root_causes"] = series(
            "line",
            tr.t("insights.root_cause_trend"),
            months_seen,
            [(tr.t(f"root_cause.{cause}"), [counts.get((m, cause), 0) for m in months_seen]) for cause in top],
        )
    return render(
        request,
        "insights.html",
        actor,
        charts=charts,
        reports=reports,
        causes=causes,
        months=months,
        periods=PERIODS,
        start=start,
    )


def _group_label(tr: Translator, by: str, group: str) -> str:
    # Channels and categories are codes; teams and months are shown as they are.
    if by == "channel" and group != "—":
        return tr.t(f"channel.{group}")
    if by == "category" and group != "—":
        return tr.t(f"case_category.{group}")
    return group
