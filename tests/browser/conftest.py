"""Browser tests: a live Guanxi on a small synthetic bank, driven by Playwright through Debian's
Chromium. ``GUANXI_TEST_BROWSER=1`` (set by ``.ci/run``) makes a missing browser a failure;
without it the tests are skipped with the reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from guanxi.app import create_app
from guanxi.cases.models import Case
from guanxi.cli.serve_commands import DEMO_PASSWORD, ensure_demo_users
from guanxi.config import Settings
from guanxi.db import make_engine, unit_of_work
from guanxi.ingest.mapping import builtin_mapping
from guanxi.ingest.service import ingest_extract
from guanxi.ingest.synth import generate_bank
from guanxi.migrate import upgrade
from guanxi.parties.models import Party
from guanxi.parties.scope import visible_parties
from guanxi.security.actor import Actor
from guanxi.security.customers import enrol_customer
from guanxi.security.permissions import Role
from guanxi.security.pii import Vault
from guanxi.security.service import SYSTEM
from guanxi.segments.service import run_analysis
from guanxi.team.models import Staff

REQUIRED = os.environ.get("GUANXI_TEST_BROWSER") == "1"
CHROMIUM = os.environ.get("GUANXI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_or_skip() -> str:
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("GUANXI_TEST_BROWSER=1 but no chromium on PATH (apt install chromium)", pytrace=False)
        pytest.skip("no chromium on PATH; install it (apt install chromium) or set GUANXI_CHROMIUM")
    return CHROMIUM


@dataclass(frozen=True)
class LiveBank:
    """The running workspace and what the tests need to know about its data."""

    url: str
    rm_customer: str  # the full name of a customer in rm.chen's book
    rm_customer_id: int
    outside_id: int  # a customer outside rm.chen's book and households
    case_id: int  # an open complaint of that customer, in agent.wong's team
    passcode: str = "river-4821"  # that customer's passcode for the assistant


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build(var: Path, settings: Settings) -> LiveBank:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    extract = var / "extract"
    generate_bank(customers=150, months=4, seed=11, out=extract, fmt="parquet")
    ingest_extract(
        directory=extract,
        mapping=builtin_mapping("canonical", "demo"),
        bind=engine,
        lake_root=settings.resolved_lake_path,
        work_dir=var / "work",
        quarantine_dir=var / "quarantine",
        vault=Vault.from_settings(settings),
    )
    staff = ensure_demo_users(engine)
    for day in (dt.date(2026, 9, 1), dt.date(2026, 11, 1)):
        run_analysis(
            bind=engine, actor=SYSTEM, lake_root=settings.resolved_lake_path, as_of=day, fx_rates=settings.fx_rates
        )
    with unit_of_work(engine) as session:
        rm_id = session.scalar(select(Staff.id).where(Staff.source_key == staff[Role.RELATIONSHIP_MANAGER]))
        customer = session.scalars(
            select(Party).where(Party.relationship_manager_id == rm_id).order_by(Party.id).limit(1)
        ).one()
        agent_team = session.scalar(select(Staff.team_id).where(Staff.source_key == staff[Role.SERVICE_AGENT]))
        case = Case(
            party_id=customer.id,
            team_id=agent_team,
            case_type="complaint",
            category="fees_charges",
            channel="phone",
            subject="Charged twice",
        )
        session.add(case)
        session.flush()
        case_id = case.id
        name, customer_id = customer.full_name, customer.id
        # The customer can sign in to the assistant.
        enrol_customer(session=session, actor=SYSTEM, party_id=customer.id, passcode=LiveBank.passcode)
        rm = Actor(username="rm", role=Role.RELATIONSHIP_MANAGER, staff_id=rm_id)
        outside = session.scalar(select(Party.id).where(~visible_parties(rm)).order_by(Party.id).limit(1))
    engine.dispose()
    return LiveBank(url="", rm_customer=name, rm_customer_id=customer_id, outside_id=outside, case_id=case_id)


@pytest.fixture(scope="session")
def live_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBank]:
    """Guanxi serving a 150-customer synthetic bank on a local port, for the whole session."""
    _browser_or_skip()
    var = tmp_path_factory.mktemp("browser-bank")
    settings = Settings(
        environment="test",
        var_dir=var,
        secret_key="browser-secret",
        pii_key="browser-pii",
        pii_index_key="browser-index",
        audit_key=os.environ["GUANXI_AUDIT_KEY"],
        sign_in_attempts_per_minute=1000,
    )
    built = _build(var, settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield dataclasses.replace(built, url=f"http://localhost:{port}")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    executable = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_bank):
    """A fresh browser context (no cookies) and page for each test."""
    context = browser.new_context(base_url=live_bank.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def sign_in():
    """Sign in through the form, as a person would, and wait for the start page."""

    def _sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/sign-in")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")

    return _sign_in
