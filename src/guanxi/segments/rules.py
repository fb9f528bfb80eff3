"""Rule segments: count a rule against the latest features, save it, list them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.analytics.rules import check_rule, rule_members
from guanxi.audit.service import record
from guanxi.errors import Conflict, NotFound
from guanxi.lake.snapshots import read_snapshot, snapshot_dates
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.segments.models import RuleSegment
from guanxi.segments.schemas import RuleCount, RuleSegmentCreate


def latest_features_date(lake_root: Path) -> dt.date:
    """The newest analysed date; raises ``NotFound`` before the first run."""
    dates = snapshot_dates(lake_root, "features")
    if not dates:
        raise NotFound("no analysis yet: run guanxi analyze first")
    return dates[-1]


def count_rule(*, actor: Actor, lake_root: Path, expression: str) -> RuleCount:
    """How many customers a rule selects in the latest features (aggregate only: no names)."""
    actor.require(Permission.SEGMENT_READ)
    as_of = latest_features_date(lake_root)
    table = read_snapshot(lake_root, "features", as_of)
    assert table is not None
    members = rule_members(table, expression)
    return RuleCount(expression=check_rule(expression), size=len(members), as_of=as_of)


def save_rule_segment(*, session: Session, actor: Actor, lake_root: Path, data: RuleSegmentCreate) -> RuleSegment:
    """Save a rule segment with its current size; audited."""
    actor.require(Permission.SEGMENT_WRITE)
    counted = count_rule(actor=actor, lake_root=lake_root, expression=data.expression)
    with session.begin():
        if session.scalar(select(RuleSegment.id).where(RuleSegment.name == data.name)) is not None:
            raise Conflict(f"a rule segment called '{data.name}' already exists")
        segment = RuleSegment(
            name=data.name,
            expression=counted.expression,
            description=data.description,
            created_by=actor.username,
            size=counted.size,
            size_as_of=counted.as_of,
        )
        session.add(segment)
        session.flush()
        record(
            session=session,
            actor=actor,
            action="segment.rule_saved",
            entity="rule_segment",
            entity_id=segment.id,
            data={"name": data.name, "expression": counted.expression, "size": counted.size},
        )
    return segment


def list_rule_segments(*, session: Session, actor: Actor) -> list[RuleSegment]:
    """Every saved rule segment, by name."""
    actor.require(Permission.SEGMENT_READ)
    return list(session.scalars(select(RuleSegment).order_by(RuleSegment.name)))
