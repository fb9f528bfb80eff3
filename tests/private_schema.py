"""A freshly migrated private schema on the PostgreSQL test server, for tests that must commit for
real (concurrency races) without touching the shared, rolled-back test database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, text

from backends import PG_URL
from guanxi.db import make_engine
from guanxi.migrate import upgrade


@contextmanager
def private_schema(name: str, **engine_options: Any) -> Iterator[Engine]:
    """An engine whose connections live in schema ``name``, migrated to head; dropped on exit."""
    assert PG_URL is not None, "private schemas need GUANXI_TEST_DATABASE_URL"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {name}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={name}"}, **engine_options)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()
