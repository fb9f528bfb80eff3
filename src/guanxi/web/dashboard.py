"""The servicing panels of the start page: open cases against SLA, the satisfaction trend, and
the user's own work for today (their open tasks and the cases they own, due soonest first)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from guanxi.appointments.service import AppointmentFilters, list_appointments
from guanxi.cases.reports import SLA_STATES, sla_overview
from guanxi.cases.service import CaseFilters, case_read, list_cases
from guanxi.clock import now, today
from guanxi.lake.snapshots import snapshot_dates
from guanxi.security.actor import Actor
from guanxi.segments.service import segment_migration, segment_sizes
from guanxi.surveys.reports import satisfaction_report
from guanxi.tasks.service import list_open_tasks
from guanxi.web.charts import sankey, series
from guanxi.web.i18n import Translator

TREND_MONTHS = 6


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _stage(tr: Translator, segment: str) -> str:
    # Someone new by the later date comes from "(none)": they were not a customer yet.
    return tr.t("segments.not_a_customer") if segment == "(none)" else tr.t(f"segment.{segment}")


def segment_panels(session: Session, actor: Actor, tr: Translator, lake_root: Path) -> dict[str, Any]:
    """Charts of the bank's customers by value tier and lifecycle stage, and how stages moved
    between the two latest analysed dates (for those who may read segments)."""
    sizes = segment_sizes(session=session, actor=actor).sizes
    charts: dict[str, Any] = {}
    for segmentation in ("value_tier", "lifecycle_stage"):
        counts = sizes.get(segmentation, {})
        if counts:
            charts[segmentation] = series(
                "bar",
                tr.t(f"segmentation.{segmentation}"),
                [tr.t(f"segment.{name}") for name in counts],
                [(tr.t("home.customers"), list(counts.values()))],
            )
    dates = snapshot_dates(lake_root, "segments")
    if len(dates) >= 2:
        start, end = dates[-2], dates[-1]
        cells = segment_migration(
            actor=actor, lake_root=lake_root, segmentation="lifecycle_stage", start=start, end=end
        )
        before, after = tr.date(start), tr.date(end)
        charts["migration"] = sankey(
            tr.t("home.migration_chart"),
            [
                (f"{_stage(tr, c.from_segment)} · {before}", f"{_stage(tr, c.to_segment)} · {after}", c.customers)
                for c in cells
            ],
        )
    return charts


def service_panels(session: Session, actor: Actor, tr: Translator) -> dict[str, Any]:
    """What the start page shows about servicing for ``actor`` (who may read cases)."""
    counts = sla_overview(session=session, actor=actor)
    end = _months_back(today(), -1)
    trend = satisfaction_report(
        session=session, actor=actor, by="month", start=_months_back(end, TREND_MONTHS), end=end
    )
    charts = {
        "sla": series(
            "bar",
            tr.t("home.sla_chart"),
            [tr.t(f"sla_state.{state}") for state in SLA_STATES],
            [(tr.t("home.open_cases"), [counts[state] for state in SLA_STATES])],
        ),
    }
    if trend.rows:
        charts["satisfaction"] = series(
            "line",
            tr.t("home.satisfaction_chart"),
            [row.group for row in trend.rows],
            # NPS (-100 to 100) has its own chart on the insights page; one scale per chart.
            [(tr.t("home.csat"), [row.csat_average for row in trend.rows])],
        )
    mine: list[Any] = []
    upcoming: list[Any] = []
    if actor.staff_id is not None:
        booked, _ = list_appointments(
            session=session,
            actor=actor,
            filters=AppointmentFilters(staff_id=actor.staff_id, status=("booked",)),
            limit=50,
        )
        upcoming = [a for a in booked if a.starts_at >= now()][:5]
        cases, _ = list_cases(
            session=session, actor=actor, filters=CaseFilters(open_only=True, owner_staff_id=actor.staff_id), limit=5
        )
        mine = [case_read(session, case) for case in cases]
    return {
        "charts": charts,
        "sla_counts": counts,
        "tasks": list_open_tasks(session=session, actor=actor, limit=10),
        "my_cases": mine,
        "upcoming": upcoming,
    }
