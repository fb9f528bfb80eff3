"""The audit log in the browser: search, and verification of the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime

from guanxi.api.deps import SessionDep
from guanxi.audit.search import search_events
from guanxi.audit.verify import verify_chain
from guanxi.security.permissions import Permission
from guanxi.web.render import render
from guanxi.web.session import PageActor

PAGE_SIZE = 50


def audit_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    user: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    since: AwareDatetime | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    verify: bool = False,
) -> Response:
    """Search the audit log; optionally verify the hash chain."""
    actor.require(Permission.AUDIT_READ)
    items, total = search_events(
        session=session,
        actor_name=user or None,
        action=action or None,
        entity=entity or None,
        entity_id=entity_id or None,
        since=since,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    check = verify_chain(session) if verify else None
    filters = {"user": user or "", "action": action or "", "entity": entity or "", "entity_id": entity_id or ""}
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request, "audit.html", actor, items=items, total=total, page=page, pages=pages, filters=filters, check=check
    )
