"""Reading the log of ingest runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.ingest.models import IngestRun
from guanxi.ingest.schemas import IngestRunRead


def list_ingest_runs(*, session: Session, limit: int = 50, offset: int = 0) -> list[IngestRunRead]:
    """The latest ingest runs, newest first."""
    newest_first = select(IngestRun).order_by(IngestRun.started_at.desc(), IngestRun.id.desc())
    runs = session.scalars(newest_first.limit(limit).offset(offset))
    return [IngestRunRead.model_validate(r) for r in runs]
