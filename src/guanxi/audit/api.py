"""HTTP: searching and verifying the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from guanxi.api.deps import PageDep, SessionDep, require
from guanxi.audit.schemas import AuditPage, ChainCheck
from guanxi.audit.search import search_events
from guanxi.audit.verify import verify_chain
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[Any, Depends(require(Permission.AUDIT_READ))]


@router.get("/events", response_model=AuditPage)
def list_events(
    session: SessionDep,
    page: PageDep,
    _actor: Auditor,
    actor: Annotated[str | None, Query(max_length=100, description="user name")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. customer.pii.reveal or customer.*")] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[AwareDatetime | None, Query(description="from (inclusive), with a time zone")] = None,
    until: Annotated[AwareDatetime | None, Query(description="until (exclusive), with a time zone")] = None,
) -> AuditPage:
    """Search the audit log, newest first."""
    items, total = search_events(
        session=session,
        actor_name=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        since=since,
        until=until,
        limit=page.limit,
        offset=page.offset,
    )
    return AuditPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/verify", response_model=ChainCheck)
def verify(session: SessionDep, _actor: Auditor) -> ChainCheck:
    """Check the hash chain: every entry present, in order and unchanged."""
    report = verify_chain(session)
    return ChainCheck(
        ok=report.ok,
        checked=report.checked,
        bad_seq=report.bad_seq,
        bad_id=report.bad_id,
        problem=report.problem,
        message=report.describe(),
    )
