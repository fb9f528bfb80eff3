"""Reading the log of ingest runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.ingest.models import IngestRun
from guanxi.ingest.schemas import IngestRunRead


def list_ingest_runs(*, session: Session, limit: int = 50) -> list[IngestRunRead]:
    """The latest ingest runs, newest first."""
    runs = session.scalars(select(IngestRun).order_by(IngestRun.started_at.desc(), IngestRun.id.desc()).limit(limit))
    return [IngestRunRead.model_validate(r) for r in runs]
