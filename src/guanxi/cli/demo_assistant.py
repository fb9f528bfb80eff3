"""The demo bank's assistant: insights detected for every customer, and a few customers who can sign in."""

from __future__ import annotations

from sqlalchemy import select

from guanxi.cli.common import console, progress_bars
from guanxi.cli.demo_setup import demo_staff_keys
from guanxi.clock import today
from guanxi.config import Settings
from guanxi.db import make_engine, unit_of_work
from guanxi.parties.models import Party
from guanxi.security.customers import enrol_customer
from guanxi.security.models import CustomerCredential
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM
from guanxi.team.models import Staff

DEMO_PASSCODE = "Guanxi-2026"
DEMO_CUSTOMERS = 3  # of rm.chen's book, so a chat can be followed up in the workspace


def assistant_demo(settings: Settings) -> list[tuple[int, str]]:
    """Detect insights as of today; give a few of the RM's customers the demo passcode (once).

    Returns those customers (id, name) for the demo's printout.
    """
    from guanxi.insights.runs import run_insights

    engine = make_engine(settings.resolved_database_url)
    with progress_bars() as bars:
        bars.start("detect insights", 3)
        run_insights(
            bind=engine,
            actor=SYSTEM,
            lake_root=settings.resolved_lake_path,
            fx_rates=settings.fx_rates,
            as_of=today(),
            on_step=lambda _step: bars.advance(1),
        )
        bars.finish()
    with unit_of_work(engine) as session:
        rm_key = demo_staff_keys(session=session).get(Role.RELATIONSHIP_MANAGER)
        rm_id = session.scalar(select(Staff.id).where(Staff.source_key == rm_key)) if rm_key else None
        query = select(Party.id, Party.full_name).where(Party.status == "active").order_by(Party.id)
        if rm_id is not None:
            query = query.where(Party.relationship_manager_id == rm_id)
        chosen = [(party_id, name) for party_id, name in session.execute(query.limit(DEMO_CUSTOMERS))]
        enrolled = set(session.scalars(select(CustomerCredential.party_id)))
        for party_id, _name in chosen:
            if party_id not in enrolled:
                enrol_customer(session=session, actor=SYSTEM, party_id=party_id, passcode=DEMO_PASSCODE)
    console.print(
        f"the assistant: [bold]/chat[/] (or the Assistant page); customers {', '.join(str(p) for p, _ in chosen)} "
        f"sign in with passcode [bold]{DEMO_PASSCODE}[/]"
    )
    return chosen
