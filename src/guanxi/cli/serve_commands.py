"""``guanxi serve``, ``guanxi demo`` and ``guanxi users``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from guanxi.cli.common import ExitCode, console, progress_bars, run_reporting_errors
from guanxi.cli.demo_assistant import assistant_demo
from guanxi.cli.demo_servicing import seed_servicing
from guanxi.cli.demo_setup import demo_staff_keys, ensure_demo_teams
from guanxi.cli.ingest_commands import print_ingest_report, run_ingest
from guanxi.clock import today
from guanxi.config import Settings, get_settings
from guanxi.db import make_engine, unit_of_work
from guanxi.errors import Conflict, GuanxiError
from guanxi.migrate import upgrade
from guanxi.security.permissions import Role
from guanxi.security.pii import Vault
from guanxi.security.service import SYSTEM, create_user
from guanxi.segments.service import run_analysis

# Demo users, one per role a bank's staff hold, all with DEMO_PASSWORD. Only `guanxi demo`
# creates them, and it refuses to run in production.
DEMO_PASSWORD = "Guanxi-Demo-2026"
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("admin", "Demo Administrator", Role.ADMIN),
    ("rm.chen", "陳經理 Chen (relationship manager)", Role.RELATIONSHIP_MANAGER),
    ("agent.wong", "Wong (service agent)", Role.SERVICE_AGENT),
    ("manager.li", "李行長 Li (branch manager)", Role.BRANCH_MANAGER),
    ("analyst.smith", "Smith (marketing analyst)", Role.MARKETING_ANALYST),
    ("compliance.zhang", "張 Zhang (compliance officer)", Role.COMPLIANCE_OFFICER),
    ("auditor.ho", "何 Ho (auditor)", Role.AUDITOR),
)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Serve the web app and API."""
    import uvicorn

    from guanxi.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


def ensure_demo_users(engine: Engine | None = None) -> dict[Role, str]:
    """Create the demo teams and users that do not exist yet, linked to staff of the demo bank;
    return the staff key each staff-bound role stands for."""
    engine = engine or make_engine(get_settings().resolved_database_url)
    with unit_of_work(engine) as session:
        ensure_demo_teams(session=session, actor=SYSTEM)
    with unit_of_work(engine) as session:
        staff = demo_staff_keys(session=session)
    for username, name, role in DEMO_USERS:
        try:
            with unit_of_work(engine) as session:
                create_user(
                    session=session,
                    actor=SYSTEM,
                    username=username,
                    display_name=name,
                    role=role,
                    password=DEMO_PASSWORD,
                    staff_key=staff.get(role),
                )
        except Conflict:
            continue
    return staff


def analyse_demo(settings: Settings) -> None:
    """Segment the demo bank as of the first of last month and today, so the workspace has a history."""
    engine = make_engine(settings.resolved_database_url)
    last_month = (today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for day in (last_month, today()):
        with progress_bars() as bars:
            bars.start(f"analyse as of {day.isoformat()}", None)
            run_reporting_errors(
                lambda day=day: run_analysis(
                    bind=engine,
                    actor=SYSTEM,
                    lake_root=settings.resolved_lake_path,
                    as_of=day,
                    fx_rates=settings.fx_rates,
                    on_step=lambda _t: bars.advance(1),
                )
            )
            bars.finish()


def score_demo(settings: Settings) -> None:
    """Train the customer models once and score every customer, when the history is long enough."""
    from guanxi.scoring.score_service import run_scoring
    from guanxi.scoring.service import CUSTOMER_MODELS, registry_for, train_customer_models

    engine = make_engine(settings.resolved_database_url)
    common = {
        "bind": engine,
        "actor": SYSTEM,
        "lake_root": settings.resolved_lake_path,
        "var_dir": settings.var_dir,
        "fx_rates": settings.fx_rates,
    }
    try:
        with progress_bars() as bars:
            if not registry_for(settings.var_dir).versions(CUSTOMER_MODELS):
                bars.start("train the customer models", 5)
                train_customer_models(**common, on_step=lambda _s: bars.advance(1))
            bars.start("score every customer", 4)
            run_scoring(**common, as_of=today(), on_step=lambda _s: bars.advance(1))
            bars.finish()
    except GuanxiError as error:  # a short demo history: the bank works, only without scores
        console.print(f"[yellow]no churn scores or offers[/]: {error}")


def service_demo(settings: Settings, *, customers: int, seed: int) -> None:
    """Give the demo bank its cases, contacts and survey answers (once)."""
    cases = max(30, customers // 20)
    with progress_bars() as bars:
        bars.start("servicing history", cases * 3)
        seed_servicing(
            make_engine(settings.resolved_database_url),
            vault=Vault.from_settings(settings),
            seed=seed,
            cases=cases,
            contacts=cases * 2,
            on_step=lambda: bars.advance(1),
        )
        bars.finish()


def demo(
    customers: Annotated[int, typer.Option(min=100, help="customers in the demo bank")] = 5000,
    months: Annotated[int, typer.Option(min=1, max=60, help="months of history")] = 12,
    seed: Annotated[int, typer.Option(help="random seed")] = 42,
    fresh: Annotated[bool, typer.Option(help="delete ./var first and build everything again")] = False,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the app when ready")] = True,
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
) -> None:
    """Build a demo bank (generate → ingest → users) in ./var and serve it."""
    from guanxi.ingest.synth import generate_bank

    settings = get_settings()
    if settings.environment == "production":
        console.print("[red]error[/]: the demo is for development machines, not production")
        raise typer.Exit(ExitCode.BAD_INPUT)
    if fresh and settings.var_dir.exists():
        shutil.rmtree(settings.var_dir)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(make_engine(settings.resolved_database_url))
    extract = settings.var_dir / "demo-extract"
    marker = extract / ".complete"
    if not marker.exists():
        shutil.rmtree(extract, ignore_errors=True)
        with progress_bars() as bars:
            bars.start("generate demo bank", customers)
            generate_bank(
                customers=customers,
                months=months,
                seed=seed,
                out=extract,
                fmt="parquet",
                on_progress=bars.advance,
            )
            bars.finish()
        marker.write_text(f"customers={customers} months={months} seed={seed}\n")
    with progress_bars() as bars:
        report = run_reporting_errors(
            lambda: run_ingest(Path(extract), fmt="canonical", mapping_file=None, source_system="demo", progress=bars)
        )
    print_ingest_report(report)
    ensure_demo_users()
    analyse_demo(settings)
    score_demo(settings)
    service_demo(settings, customers=customers, seed=seed)
    assistant_demo(settings)
    table = Table(title=f"demo users (password {DEMO_PASSWORD})")
    for column in ("user", "role"):
        table.add_column(column)
    for username, _name, role in DEMO_USERS:
        table.add_row(username, role.value)
    console.print(table)
    url = f"http://127.0.0.1:{port}"
    console.print(
        f"open [bold]{url}/[/] and sign in as a user above; the API explorer is at [bold]{url}/docs[/] "
        "(get a token with POST /api/v1/auth/tokens, then Authorize)"
    )
    if serve_after:
        serve(port=port)
