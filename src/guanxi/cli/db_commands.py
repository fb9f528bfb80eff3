"""``guanxi db``: the database schema."""

from __future__ import annotations

import typer

from guanxi.cli.common import console
from guanxi.config import get_settings
from guanxi.db import make_engine
from guanxi.migrate import downgrade, upgrade

app = typer.Typer(help="Manage the operational database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine, revision)
    console.print(f"database at revision [bold]{revision}[/] ({engine.url.render_as_string(hide_password=True)})")


@app.command("downgrade")
def downgrade_command(revision: str = typer.Argument(..., help="target revision, e.g. base")) -> None:
    """Revert migrations down to REVISION."""
    engine = make_engine(get_settings().resolved_database_url)
    downgrade(engine, revision)
    console.print(f"database at revision [bold]{revision}[/]")
