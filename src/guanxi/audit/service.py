"""Writing audit events: always inside the caller's transaction, so the record and the change
commit or roll back together."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from guanxi.audit.models import AuditEvent


def record(
    *,
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's open transaction."""
    event = AuditEvent(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        data=data,
    )
    session.add(event)
    return event
