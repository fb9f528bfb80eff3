"""``guanxi users``, ``guanxi audit``, ``guanxi keys`` and ``guanxi customers`` (export, erase)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from guanxi.audit.verify import count_entries, verify_chain
from guanxi.cli.common import ExitCode, console, err_console, print_json, progress_bars, run_reporting_errors
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory, unit_of_work
from guanxi.privacy.keys import count_keyed_parties, rotate_keys
from guanxi.privacy.service import erase_party, export_party
from guanxi.security import auth
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from guanxi.security.pii import Vault
from guanxi.security.service import create_user, disable_user, enable_totp, generate_password, reset_password

users_app = typer.Typer(help="Manage staff users.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage the keys that protect personal data.", no_args_is_help=True)
customers_app = typer.Typer(help="Data-subject requests: export and erase a customer.", no_args_is_help=True)

# Commands run by the operator on the server act as the operator, from the command line.
OPERATOR = Actor(username="operator", role=Role.ADMIN, source="cli")


def _engine():  # noqa: ANN202 - an Engine; imported lazily by SQLAlchemy
    return make_engine(get_settings().resolved_database_url)


@users_app.command("create")
def create_user_command(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(r.value for r in Role)}")],
    display_name: Annotated[str | None, typer.Option(help="name shown in the app")] = None,
    staff_key: Annotated[str | None, typer.Option(help="the member of staff this user is (their source key)")] = None,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a user who can sign in (the password must meet the policy)."""

    def _create() -> None:
        with unit_of_work(_engine()) as session:
            create_user(
                session=session,
                actor=OPERATOR,
                username=username,
                display_name=display_name or username,
                role=role,
                password=password,
                staff_key=staff_key,
            )

    run_reporting_errors(_create)
    console.print(f"user [bold]{username}[/] created with role {role}")


@users_app.command("disable")
def disable_user_command(username: Annotated[str, typer.Argument()]) -> None:
    """Stop a user signing in; their sessions and tokens end at once."""

    def _disable() -> None:
        with unit_of_work(_engine()) as session:
            disable_user(session=session, actor=OPERATOR, username=username)

    run_reporting_errors(_disable)
    console.print(f"user [bold]{username}[/] disabled; their sessions and tokens are revoked")


@users_app.command("reset")
def reset_user_command(
    username: Annotated[str, typer.Argument()],
    password: Annotated[
        str | None, typer.Option(help="the new password; a random one is generated and printed if omitted")
    ] = None,
) -> None:
    """Set a new password, unlock the user and end their sessions."""
    new_password = password or generate_password()

    def _reset() -> None:
        with unit_of_work(_engine()) as session:
            reset_password(session=session, actor=OPERATOR, username=username, password=new_password)

    run_reporting_errors(_reset)
    console.print(f"user [bold]{username}[/] reset and unlocked")
    if password is None:
        console.print(f"new password (hand it over securely): [bold]{new_password}[/]")


@users_app.command("totp")
def totp_command(username: Annotated[str, typer.Argument()]) -> None:
    """Give a user a second factor; prints the URI to load into an authenticator app."""
    vault = Vault.from_settings(get_settings())

    def _enable() -> str:
        with unit_of_work(_engine()) as session:
            return enable_totp(session=session, actor=OPERATOR, vault=vault, username=username)

    uri = run_reporting_errors(_enable)
    console.print(f"second factor set for [bold]{username}[/]; add this to their authenticator app:")
    typer.echo(uri)


@users_app.command("token")
def token_command(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
    days: Annotated[int | None, typer.Option(min=1, max=365, help="lifetime in days")] = None,
) -> None:
    """Issue an API token for a user (shown once)."""
    settings = get_settings()

    def _issue() -> auth.IssuedToken:
        with unit_of_work(_engine()) as session:
            return auth.issue_api_token(
                session=session, settings=settings, actor=OPERATOR, username=username, name=name, days=days
            )

    issued = run_reporting_errors(_issue)
    console.print(
        f"token {issued.token_id} for [bold]{username}[/], valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    typer.echo(issued.token)


@audit_app.command("verify")
def verify_command(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """Check the audit chain; exit 1 and name the first bad entry if anything was changed."""
    with session_factory(_engine())() as session:
        total = count_entries(session)
        with progress_bars(enabled=not as_json) as bars:
            bars.start("verify audit chain", total)
            report = verify_chain(session, on_progress=bars.advance)
            bars.finish()
    if as_json:
        print_json(report.__dict__)
    elif report.ok:
        console.print(f"[green]ok[/]: {report.describe()}")
    else:
        err_console.print(f"[bold red]tampered[/]: {report.describe()}")
    if not report.ok:
        raise typer.Exit(ExitCode.ERROR)


@keys_app.command("rotate")
def rotate_command(
    rekey: Annotated[bool, typer.Option(help="also give every customer a new data key and re-encrypt")] = False,
) -> None:
    """Re-wrap customers' data keys under the current GUANXI_PII_KEY (old keys in GUANXI_PII_PREVIOUS_KEYS)."""
    settings = get_settings()
    engine = _engine()
    vault = Vault.from_settings(settings)
    with progress_bars() as bars:
        bars.start("rotate keys", count_keyed_parties(engine))
        report = run_reporting_errors(
            lambda: rotate_keys(
                bind=engine,
                vault=vault,
                actor=OPERATOR,
                lake_root=settings.resolved_lake_path,
                rekey=rekey,
                on_progress=bars.advance,
            )
        )
        bars.finish()
    console.print(
        f"{report.parties_checked:,} customers checked: {report.keys_rewrapped:,} keys re-wrapped, "
        f"{report.parties_rekeyed:,} re-keyed, {report.totp_resealed:,} second factors re-sealed "
        f"under key {vault.kek_id}"
    )


@customers_app.command("export")
def export_command(
    party_id: Annotated[int, typer.Argument(help="the customer's Guanxi id")],
    out: Annotated[Path, typer.Option(help="JSON file to write")],
) -> None:
    """Export everything held about a customer as JSON (audited)."""
    settings = get_settings()
    vault = Vault.from_settings(settings)

    def _export() -> dict:
        with session_factory(_engine())() as session:
            return export_party(
                session=session, actor=OPERATOR, vault=vault, lake_root=settings.resolved_lake_path, party_id=party_id
            )

    data = run_reporting_errors(_export)
    # Personal data in clear: readable by the operator only.
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    console.print(f"customer {party_id} exported to {out}")


@customers_app.command("erase")
def erase_command(
    party_id: Annotated[int, typer.Argument(help="the customer's Guanxi id")],
    reason: Annotated[str, typer.Option(help="the request's reference, for the audit log")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Erase a customer's personal data for good (crypto-shredding; audited)."""
    if not yes:
        typer.confirm(f"erase customer {party_id}? This cannot be undone", abort=True)
    settings = get_settings()

    def _erase():  # noqa: ANN202
        with session_factory(_engine())() as session:
            return erase_party(
                session=session, actor=OPERATOR, lake_root=settings.resolved_lake_path, party_id=party_id, reason=reason
            )

    report = run_reporting_errors(_erase)
    console.print(
        f"customer {party_id} erased: {report.contact_points} contact points, {report.identity_documents} documents, "
        f"{report.lake_rows_redacted} lake rows cleared of free text"
    )
    if report.storage_cleared is False:
        err_console.print("[yellow]warning[/]: readers kept the database log busy; run the erasure again to finish")
