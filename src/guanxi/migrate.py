"""Run the Alembic migration history from code (``guanxi db upgrade``, tests, the demo)."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic configuration for Guanxi's migrations."""
    config = Config()
    config.set_main_option("script_location", "guanxi:migrations")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    config = alembic_config()
    with engine.connect() as connection:
        # SQLite alters a table by copying it and dropping the old one; with foreign keys on, the
        # drop would cascade to (or be refused by) every child table. The pragma only takes effect
        # outside a transaction, so it is set on the raw connection before the migration begins.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.cursor().execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke {len(broken)} foreign keys, e.g. {broken[0]}")
        finally:
            if sqlite:
                connection.connection.cursor().execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    _migrate(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the database behind ``engine`` to ``revision``."""
    _migrate(engine, lambda config: command.downgrade(config, revision))
