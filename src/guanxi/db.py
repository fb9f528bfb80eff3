"""The operational database: engine, sessions, the declarative ``Base`` and portable column types.

One model serves SQLite (default, WAL mode) and PostgreSQL. Two types keep them identical:
``UTCDateTime`` (timezone-aware UTC in, timezone-aware UTC out, on both engines) and
``Amount`` (exact ``Decimal`` money; SQLite has no exact decimal, so it stores integer
ten-thousandths there).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    SessionTransaction,
    SessionTransactionOrigin,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from guanxi.config import get_settings
from guanxi.money import STORAGE_PRECISION, STORAGE_SCALE

P = ParamSpec("P")
R = TypeVar("R")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids for scale.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC, on every engine."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Guanxi stores timezone-aware UTC timestamps only")
        value = value.astimezone(dt.UTC)
        # SQLite keeps text; store it without an offset so text ordering is chronological.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal: ``NUMERIC(p,s)`` on PostgreSQL, an integer of 10^-s units on SQLite.

    SQLite has no exact decimal type (it would keep a float), so the value is scaled to an integer.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = STORAGE_PRECISION, scale: int = STORAGE_SCALE) -> None:
        super().__init__(precision, scale)  # sizes the NUMERIC impl, so its repr is right too
        self.precision = precision
        self.scale = scale
        self._factor = Decimal(10) ** scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        """Pick the storage type for the engine."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Any:
        """Store exactly; floats are refused because they are not exact."""
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("exact decimals must be Decimal, not float")
        number = Decimal(value)
        if number != number.quantize(self._quantum):
            raise ValueError(f"{number} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(number * self._factor)
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Return a Decimal at the column's scale."""
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._factor).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)


def JsonDocument() -> Any:
    """A JSON document: JSONB on PostgreSQL (comparable, indexable), JSON elsewhere; None is SQL NULL."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def Amount() -> ExactDecimal:
    """Money: 18 digits, 4 decimals (every ISO currency's minor unit fits)."""
    return ExactDecimal(STORAGE_PRECISION, STORAGE_SCALE)


def Rate() -> ExactDecimal:
    """A rate or fraction with 6 decimals, e.g. 0.032500."""
    return ExactDecimal(12, 6)


class Base(DeclarativeBase):
    """Declarative base of every ORM class."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SourceKeyed:
    """Rows that come from a source system keep ``(source_system, source_key)`` unique."""

    source_system: Mapped[str] = mapped_column(String(32), default="guanxi")
    source_key: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (source_unique(),)


def source_unique() -> UniqueConstraint:
    """Return the ``(source_system, source_key)`` unique constraint for a table's ``__table_args__``."""
    return UniqueConstraint("source_system", "source_key")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Freed pages are zeroed, so erased personal data does not linger in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=15000")  # writers wait for each other rather than fail
    cursor.close()


# Whether the transaction this thread is about to open is a use case's (``session.begin()``).
_use_case_transaction: ContextVar[bool] = ContextVar("guanxi_use_case_transaction", default=False)


@event.listens_for(Session, "after_transaction_create")
def _note_use_case(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        _use_case_transaction.set(transaction.origin is SessionTransactionOrigin.BEGIN)


def _sqlite_begin(connection: Connection) -> None:
    # A use case (which may write) takes the write lock up front, so concurrent writers queue
    # under the busy timeout instead of failing when a read turns into a write on a stale
    # snapshot; plain reads begin deferred and never wait for a writer.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _use_case_transaction.get() else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with Guanxi's settings for that backend."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, hide_parameters=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite opens transactions lazily and breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


@lru_cache
def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    return make_engine(get_settings().resolved_database_url)


Bind = Engine | Connection


def session_factory(bind: Bind | None = None) -> sessionmaker[Session]:
    """Return a session factory bound to an engine (default: the configured one) or a connection.

    Bound to a connection inside a transaction (as tests do), each use case's commit becomes a
    savepoint release, so the outer transaction can still roll everything back.
    """
    return sessionmaker(bind=bind or get_engine(), expire_on_commit=False, join_transaction_mode="create_savepoint")


@contextmanager
def atomic(session: Session) -> Iterator[Session]:
    """Make one use case one transaction: commit on success, roll back on error; never nested."""
    if session.in_transaction():
        raise RuntimeError("a use case was started inside another open transaction")
    with session.begin():
        yield session


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Run a service taking ``session=`` as one transaction of its own: commit, or roll back on error."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = kwargs["session"]
        assert isinstance(session, Session)
        with session.begin():
            return func(*args, **kwargs)

    return wrapper


@contextmanager
def unit_of_work(bind: Bind | None = None) -> Iterator[Session]:
    """Run one use case in one transaction: commit if the block succeeds, roll back if it raises."""
    session = session_factory(bind)()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
