"""How fast the customer 360 renders at the server, beside the bare queries it needs.

Uses the demo bank in ./var (`guanxi demo --no-serve` builds it). For 50 customers, times the
page request in-process (routing, sign-in check, services, template) and, separately, the bare
service calls the page makes. Prints both medians and their ratio (target: page ≤ 300 ms,
ratio ≤ 1.5). Each is measured in the same process, interleaved, after a warm-up.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import warnings

from sqlalchemy import select

from guanxi.accounts.models import AccountRole
from guanxi.accounts.service import list_party_accounts
from guanxi.app import create_app
from guanxi.cases.service import list_party_cases
from guanxi.cli.serve_commands import DEMO_PASSWORD
from guanxi.clock import today
from guanxi.config import get_settings
from guanxi.history.service import NOTABLE_AMOUNT, customer_timeline
from guanxi.lake.profile import customer_history
from guanxi.parties.service import get_party_detail
from guanxi.privacy.consent import consent_state
from guanxi.security import auth
from guanxi.security.pii import Vault
from guanxi.segments.service import customer_segments

CUSTOMERS = 50


def main() -> None:
    """Run the benchmark and print the table."""
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient  # imported here, after the warning filter

    settings = get_settings()
    app = create_app(settings)
    factory = app.state.session_factory
    with factory() as session:
        issued = auth.sign_in(
            session=session,
            settings=settings,
            vault=Vault.from_settings(settings),
            username="admin",
            password=DEMO_PASSWORD,
        )
        ids = list(
            session.scalars(select(AccountRole.party_id).distinct().order_by(AccountRole.party_id).limit(CUSTOMERS))
        )
    actor = issued.actor
    since = (today().replace(day=1) - dt.timedelta(days=335)).replace(day=1)

    def bare(party_id: int) -> None:
        with factory() as session:
            get_party_detail(session=session, actor=actor, party_id=party_id)
            accounts = list_party_accounts(session=session, actor=actor, party_id=party_id)
            history = customer_history(
                settings.resolved_lake_path, [a.id for a in accounts], since=since, notable_amount=NOTABLE_AMOUNT
            )
            consent_state(session=session, actor=actor, party_id=party_id)
            customer_segments(session=session, actor=actor, party_id=party_id)
            list_party_cases(session=session, actor=actor, party_id=party_id)
            customer_timeline(
                session=session,
                actor=actor,
                party_id=party_id,
                lake_root=settings.resolved_lake_path,
                notable=history.notable,
            )

    page_times: list[float] = []
    bare_times: list[float] = []
    with TestClient(app, base_url="https://localhost") as client:
        client.cookies.set("guanxi_session", issued.token)
        for party_id in ids[:5]:  # warm-up: templates compiled, files cached
            client.get(f"/customers/{party_id}")
            bare(party_id)
        for party_id in ids:
            start = time.perf_counter()
            response = client.get(f"/customers/{party_id}")
            page_times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text[:200]
            start = time.perf_counter()
            bare(party_id)
            bare_times.append(time.perf_counter() - start)
    page_ms = statistics.median(page_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    print(f"customer 360 over {len(ids)} customers (median, ms)")
    print(f"{'page at the server':<28}{page_ms:>9.1f}   target ≤ 300 ms: {'met' if page_ms <= 300 else 'missed'}")
    print(f"{'bare queries it needs':<28}{bare_ms:>9.1f}")
    ratio = page_ms / bare_ms
    print(f"{'ratio page / queries':<28}{ratio:>9.2f}   target ≤ 1.5: {'met' if ratio <= 1.5 else 'missed'}")


if __name__ == "__main__":
    main()
