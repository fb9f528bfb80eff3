"""Shared fixtures: every database test runs on SQLite and, when configured, on PostgreSQL.

Set ``GUANXI_TEST_DATABASE_URL`` (``.ci/run`` does) to add the PostgreSQL run. With
``GUANXI_REQUIRE_POSTGRES=1`` (also set by ``.ci/run``) a missing or unreachable server fails the
run instead of quietly testing SQLite only. Each test runs inside a transaction that is rolled
back at the end; use cases' commits become savepoints within it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from backends import BACKENDS, PG_URL, REQUIRE_PG
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory
from guanxi.migrate import upgrade

# Hypothesis (under schemathesis) keeps caches in ./.hypothesis by default; keep the tree clean.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "guanxi-hypothesis"))

# Outside development Guanxi refuses its shipped secrets, so tests bring their own.
TEST_SECRETS = {
    "GUANXI_SECRET_KEY": "test-secret-key",
    "GUANXI_PII_KEY": "test-pii-key",
    "GUANXI_PII_INDEX_KEY": "test-pii-index-key",
    "GUANXI_AUDIT_KEY": "test-audit-key",
}


# Anything built outside a test's own fixtures (module-scoped servers, subprocesses) sees them too.
for _name, _value in TEST_SECRETS.items():
    os.environ.setdefault(_name, _value)


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError("GUANXI_REQUIRE_POSTGRES=1 but GUANXI_TEST_DATABASE_URL is not set")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at production cost takes ~0.1 s a hash; tests need the algorithm, not the cost."""
    from argon2 import PasswordHasher

    from guanxi.security import auth

    original = auth.hasher
    auth.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    auth.hasher = original


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point settings at a private var folder so no test touches ./var."""
    monkeypatch.setenv("GUANXI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GUANXI_ENVIRONMENT", "test")
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GUANXI_DATABASE_URL", raising=False)
    monkeypatch.delenv("GUANXI_LAKE_PATH", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _fresh_postgres(url: str) -> Engine:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL at {url} is unreachable: {exc.orig}", pytrace=False)
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database of each backend, shared by the session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "guanxi.db"
        engine = make_engine(f"sqlite:///{path}")
    else:
        assert PG_URL is not None
        engine = _fresh_postgres(PG_URL)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def bind(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(bind: Connection) -> Iterator[Session]:
    """A session on the test's connection."""
    session = session_factory(bind)()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def lake_root(tmp_path: Path) -> Path:
    """An empty lake."""
    return tmp_path / "lake"


@pytest.fixture
def canonical_bank(bind: Connection, lake_root: Path, tmp_path: Path, session: Session) -> dict[str, int]:
    """The tiny canonical bank (tests/extracts.py) loaded through the ingest; a few of its ids."""
    from sqlalchemy import select

    from extracts import write_canonical
    from guanxi.accounts.models import Account
    from guanxi.ingest.mapping import builtin_mapping
    from guanxi.ingest.service import ingest_extract
    from guanxi.parties.models import Party

    ingest_extract(
        directory=write_canonical(tmp_path / "extract"),
        mapping=builtin_mapping("canonical", "core"),
        bind=bind,
        lake_root=lake_root,
        work_dir=tmp_path / "w",
        quarantine_dir=tmp_path / "q",
    )
    return {
        "wang": session.scalars(select(Party.id).where(Party.source_key == "C1")).one(),
        "a1": session.scalars(select(Account.id).where(Account.source_key == "A1")).one(),
    }
