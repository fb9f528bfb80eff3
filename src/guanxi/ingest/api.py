"""HTTP: the ingest log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from guanxi.api.deps import PageDep, SessionDep, require
from guanxi.ingest.runs import list_ingest_runs
from guanxi.ingest.schemas import IngestRunRead
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])


@router.get("/runs", response_model=list[IngestRunRead])
def list_runs(
    session: SessionDep, page: PageDep, _actor: Annotated[Any, Depends(require(Permission.INGEST_READ))]
) -> list[IngestRunRead]:
    """Recent loads of core-banking extracts, newest first."""
    return list_ingest_runs(session=session, limit=page.limit, offset=page.offset)
