"""The Alembic history upgrades and downgrades cleanly on each engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from backends import PG_URL
from guanxi.db import make_engine
from guanxi.migrate import downgrade, upgrade
from guanxi.models import Base


def _roundtrip(engine, schema: str | None = None) -> None:
    # when we upgrade, downgrade to nothing, and upgrade again
    upgrade(engine)
    tables = set(inspect(engine).get_table_names(schema=schema))
    assert set(Base.metadata.tables) <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names(schema=schema)) == {"alembic_version"}
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names(schema=schema))


def test_migrations_roundtrip_on_sqlite(tmp_path: Path):
    _roundtrip(make_engine(f"sqlite:///{tmp_path / 'm.db'}"))


@pytest.mark.skipif(PG_URL is None, reason="PostgreSQL run not configured (GUANXI_TEST_DATABASE_URL)")
def test_migrations_roundtrip_on_postgresql():
    # given a private schema so the shared test database is untouched
    assert PG_URL is not None
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS guanxi_migration_test CASCADE"))
        connection.execute(text("CREATE SCHEMA guanxi_migration_test"))
    engine = make_engine(PG_URL, connect_args={"options": "-csearch_path=guanxi_migration_test"})
    try:
        _roundtrip(engine, schema="guanxi_migration_test")
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text("DROP SCHEMA guanxi_migration_test CASCADE"))
        admin.dispose()


def test_models_and_migrations_agree(tmp_path: Path):
    # given a database built only by migrations
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(f"sqlite:///{tmp_path / 'diff.db'}")
    upgrade(engine)
    # then autogenerate finds nothing left to migrate
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
