"""Searching the audit log (auditors and compliance)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guanxi.audit.models import AuditEvent
from guanxi.audit.schemas import AuditEventRead


def search_events(
    *,
    session: Session,
    actor_name: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEventRead], int]:
    """Entries matching every given filter (``action`` may end in ``*`` for a prefix), newest first."""
    stmt = select(AuditEvent)
    if actor_name:
        stmt = stmt.where(AuditEvent.actor == actor_name)
    if action:
        stmt = stmt.where(
            AuditEvent.action.startswith(action[:-1], autoescape=True)
            if action.endswith("*")
            else AuditEvent.action == action
        )
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)).all()
    return [AuditEventRead.model_validate(r) for r in rows], total
