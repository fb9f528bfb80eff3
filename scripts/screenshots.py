"""Screenshots of the workspace in each language, for the README: `make screenshots`.

Serves the demo bank in ./var (built by `guanxi demo --no-serve`) on a local port and drives
Debian's Chromium through Playwright. Writes docs/screenshots/<page>-<locale>.png.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy import func, select

from guanxi.accounts.models import AccountRole
from guanxi.app import create_app
from guanxi.cases.models import CaseEvent
from guanxi.cli.serve_commands import DEMO_PASSWORD
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory
from guanxi.parties.models import Party
from guanxi.security.models import User
from guanxi.team.models import Staff

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
LOCALES = ("en", "zh-Hant", "zh-Hans")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _showcase_customer() -> int:
    """The RM demo user's customer with the most accounts: a full 360."""
    with session_factory(make_engine(get_settings().resolved_database_url))() as session:
        staff_id = session.scalar(select(User.staff_id).where(User.username == "rm.chen"))
        return session.scalars(
            select(Party.id)
            .join(AccountRole, AccountRole.party_id == Party.id)
            .join(Staff, Staff.id == Party.relationship_manager_id)
            .where(Party.relationship_manager_id == staff_id)
            .group_by(Party.id)
            .order_by(func.count().desc(), Party.id)
            .limit(1)
        ).one()


def _showcase_case() -> int:
    """The case with the longest history: a full case page."""
    with session_factory(make_engine(get_settings().resolved_database_url))() as session:
        return session.scalars(
            select(CaseEvent.case_id)
            .group_by(CaseEvent.case_id)
            .order_by(func.count().desc(), CaseEvent.case_id)
            .limit(1)
        ).one()


def main() -> int:
    """Take the screenshots; return the exit status."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("error: no chromium on PATH (apt install chromium)", file=sys.stderr)
        return 2
    customer = _showcase_customer()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    shots = [("dashboard", "manager.li", "/"), ("customer-360", "rm.chen", f"/customers/{customer}")]
    shots.append(("customers", "rm.chen", "/customers"))
    shots.append(("cases", "admin", "/cases?view=all"))
    shots.append(("case", "admin", f"/cases/{_showcase_case()}"))
    shots.append(("service-insights", "manager.li", "/cases/insights?months=6"))
    shots.append(
        ("segments", "analyst.smith", "/segments?rule=aum%20%3E%3D%20600000%20and%20digital_share%20%3C%200.3")
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for name, user, path in shots:
            context = browser.new_context(base_url=f"http://localhost:{port}", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto("/sign-in")
            page.get_by_label("User name").fill(user)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/")
            for locale in LOCALES:
                page.goto(f"/language?lang={locale}&next={path}")
                page.wait_for_load_state("networkidle")
                target = OUT / f"{name}-{locale}.png"
                page.screenshot(path=str(target), full_page=True)
                print(f"wrote {target.relative_to(OUT.parents[1])}")
            context.close()
        browser.close()
    server.should_exit = True
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
