"""A detection run: find every customer's insights in the lake and keep them for the channels."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from guanxi.analytics.insights import InsightSource, insight_table
from guanxi.db import Bind, session_factory
from guanxi.insights.service import store_insights
from guanxi.security.actor import Actor
from guanxi.segments.service import read_inputs


@dataclass(frozen=True)
class InsightRun:
    """What one run found, per kind, and how many were new."""

    as_of: dt.date
    found: dict[str, int]
    new: int


def run_insights(
    *,
    bind: Bind,
    actor: Actor,
    lake_root: Path,
    fx_rates: dict[str, float],
    as_of: dt.date,
    on_step: Callable[[str], None] = lambda _step: None,
) -> InsightRun:
    """Detect every customer's insights from transactions before ``as_of`` and store the new ones."""
    sessions = session_factory(bind)
    with sessions() as session:
        inputs = read_inputs(session, fx_rates)
    on_step("read the account holders")
    table = insight_table(InsightSource.from_inputs(lake_root, inputs), as_of)
    on_step(f"detected {table.num_rows} insights")
    rows = [row | {"details": json.loads(row["details"])} for row in table.to_pylist()]
    session: Session
    with sessions() as session:
        stored = store_insights(session=session, actor=actor, as_of=as_of, insights=rows)
    on_step(f"stored {stored.new} new")
    return InsightRun(as_of=as_of, found=dict(Counter(r["kind"] for r in rows)), new=stored.new)
