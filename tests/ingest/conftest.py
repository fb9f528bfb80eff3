"""Fixtures for ingest tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection

from guanxi.ingest.mapping import Mapping, builtin_mapping
from guanxi.ingest.service import IngestReport, ingest_extract

Ingest = Callable[..., IngestReport]


@pytest.fixture
def ingest(bind: Connection, lake_root: Path, tmp_path: Path) -> Ingest:
    """Run the ingest use case against the test database and lake."""

    def _run(directory: Path, mapping: Mapping | None = None, fmt: str = "canonical") -> IngestReport:
        return ingest_extract(
            directory=directory,
            mapping=mapping or builtin_mapping(fmt, "core" if fmt == "canonical" else None),
            bind=bind,
            lake_root=lake_root,
            work_dir=tmp_path / "work",
            quarantine_dir=tmp_path / "quarantine",
            actor="test",
            batch_size=2,  # tiny batches so the batching path is exercised
            memory_limit="1GB",
            threads=1,
        )

    return _run
