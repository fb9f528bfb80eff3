"""The segments explorer: sizes of every segmentation, a rule-segment builder with a live count,
and the migration matrix between two analysed dates. Thin over the segments services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from guanxi.analytics.segmentation import SEGMENTATIONS
from guanxi.api.csrf import check_csrf_form
from guanxi.api.deps import SessionDep
from guanxi.errors import GuanxiError
from guanxi.lake.snapshots import snapshot_dates
from guanxi.security.permissions import Permission
from guanxi.segments.rules import count_rule, list_rule_segments, save_rule_segment
from guanxi.segments.schemas import RuleSegmentCreate
from guanxi.segments.service import latest_profiles, segment_migration, segment_sizes
from guanxi.web.charts import series
from guanxi.web.i18n import Translator
from guanxi.web.render import render, translator
from guanxi.web.session import PageActor


def _size_charts(tr: Translator, sizes: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    return {
        segmentation: series(
            "bar",
            tr.t(f"segmentation.{segmentation}"),
            [tr.t(f"segment.{name}") for name in counts],
            [(tr.t("home.customers"), list(counts.values()))],
        )
        for segmentation, counts in sizes.items()
    }


def segments_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    rule: Annotated[str | None, Query(max_length=1000)] = None,
    segmentation: Annotated[str, Query(max_length=32)] = "value_tier",
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
) -> Response:
    """Sizes, the rule builder and the migration matrix."""
    actor.require(Permission.SEGMENT_READ)
    tr = translator(request)
    lake_root = request.app.state.lake_root
    sizes = segment_sizes(session=session, actor=actor)
    dates = snapshot_dates(lake_root, "segments")
    counted, rule_error = None, None
    if rule:
        try:
            counted = count_rule(actor=actor, lake_root=lake_root, expression=rule)
        except GuanxiError as exc:
            rule_error = exc.message
    matrix: list[Any] = []
    if segmentation not in SEGMENTATIONS:
        segmentation = "value_tier"
    if dates:
        start = start if start in dates else dates[0]
        end = end if end in dates else dates[-1]
        matrix = segment_migration(actor=actor, lake_root=lake_root, segmentation=segmentation, start=start, end=end)
    sources = sorted({c.from_segment for c in matrix})
    targets = sorted({c.to_segment for c in matrix})
    cells = {(c.from_segment, c.to_segment): c.customers for c in matrix}
    return render(
        request,
        "segments.html",
        actor,
        sizes=sizes,
        charts=_size_charts(tr, sizes.sizes),
        rule=rule or "",
        counted=counted,
        rule_error=rule_error,
        rules=list_rule_segments(session=session, actor=actor),
        profiles=latest_profiles(session=session, actor=actor),
        can_save=actor.can(Permission.SEGMENT_WRITE),
        segmentations=SEGMENTATIONS,
        segmentation=segmentation,
        dates=dates,
        start=start,
        end=end,
        sources=sources,
        targets=targets,
        cells=cells,
    )


def save_rule_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    expression: Annotated[str, Form(min_length=1, max_length=1000)],
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """Save the rule being built, then show the explorer again."""
    check_csrf_form(request, csrf_token)
    save_rule_segment(
        session=session,
        actor=actor,
        lake_root=request.app.state.lake_root,
        data=RuleSegmentCreate(name=name, expression=expression),
    )
    return RedirectResponse("/segments", status_code=303)
