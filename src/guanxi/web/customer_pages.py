"""Customer pages: the search and the customer 360 (客戶畫像), thin over the domain services."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from guanxi.accounts.service import list_party_accounts
from guanxi.api.csrf import check_csrf_form
from guanxi.api.deps import RowId, SessionDep
from guanxi.appointments.service import AppointmentFilters, list_appointments
from guanxi.cases.service import list_party_cases
from guanxi.clock import today
from guanxi.codes import ContactChannel
from guanxi.history.service import NOTABLE_AMOUNT, customer_timeline
from guanxi.insights.service import party_insights
from guanxi.interactions.schemas import OUTCOMES, InteractionCreate, TimelineEntry
from guanxi.interactions.service import log_interaction
from guanxi.lake.profile import customer_history
from guanxi.parties.service import get_party_detail, list_parties, reveal_pii
from guanxi.privacy.consent import consent_state
from guanxi.scoring.score_service import customer_scores
from guanxi.security.permissions import Permission
from guanxi.segments.service import customer_segments
from guanxi.web.charts import pie, series
from guanxi.web.i18n import Translator
from guanxi.web.render import render, translator
from guanxi.web.session import PageActor

PAGE_SIZE = 25
TIMELINE_LENGTH = 25


def _timeline_text(tr: Translator, entry: TimelineEntry, currency: str) -> str:
    # Codes in words; a transaction shows its kind and amount, a survey its score.
    if entry.kind.startswith("transaction_"):
        return f"{tr.code('txn_type', entry.title)} {entry.detail or ''}".strip()
    if entry.kind == "survey_answered":
        return f"{entry.title.upper()} {entry.detail}"
    if entry.kind.startswith("appointment_"):
        return tr.code("purpose", entry.title)
    return entry.title


def search_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Find customers by name (any script), customer number, phone, email or id number."""
    items, total = list_parties(
        session=session,
        actor=actor,
        vault=request.app.state.vault,
        query=q,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "customers.html", actor, q=q or "", items=items, total=total, page=page, pages=pages)


def _balance_chart(tr: Translator, monthly: list[tuple[str, str, Decimal]]) -> dict[str, Any]:
    by_currency: dict[str, dict[str, float]] = defaultdict(dict)
    for month, currency, total in monthly:
        by_currency[currency][month] = float(total)
    months = sorted({m for m, _, _ in monthly})
    lines = [(currency, [values.get(m) for m in months]) for currency, values in by_currency.items()]
    return series("line", tr.t("customer.balance_chart"), months, lines)


def customer_page(
    request: Request, session: SessionDep, actor: PageActor, party_id: RowId, revealed: Any = None
) -> Response:
    """Everything about one customer on one page."""
    tr = translator(request)
    party = get_party_detail(session=session, actor=actor, party_id=party_id)
    accounts = (
        list_party_accounts(session=session, actor=actor, party_id=party_id)
        if actor.can(Permission.ACCOUNT_READ)
        else []
    )
    history = None
    if actor.can(Permission.TRANSACTION_READ):
        since = (today().replace(day=1) - dt.timedelta(days=335)).replace(day=1)
        history = customer_history(
            request.app.state.lake_root, [a.id for a in accounts], since=since, notable_amount=NOTABLE_AMOUNT
        )
    consents = (
        consent_state(session=session, actor=actor, party_id=party_id) if actor.can(Permission.CONSENT_READ) else None
    )
    segments = customer_segments(session=session, actor=actor, party_id=party_id)
    can_see_scores = actor.can(Permission.MODEL_READ)
    scores = customer_scores(session=session, actor=actor, party_id=party_id) if can_see_scores else None
    insights = (
        party_insights(session=session, actor=actor, party_id=party_id)
        if actor.can(Permission.TRANSACTION_READ)
        else []
    )
    currency = request.app.state.settings.default_currency
    cases = list_party_cases(session=session, actor=actor, party_id=party_id) if actor.can(Permission.CASE_READ) else []
    charts = {}
    if history is not None:
        charts["balances"] = _balance_chart(tr, history.monthly_balances)
        spending = [(tr.code("category", c), float(a)) for c, _, a in history.spending]
        charts["spending"] = pie(tr.t("customer.spending"), spending)
        charts["channels"] = pie(
            tr.t("customer.channel_mix"), [(tr.code("channel", c), n) for c, n in history.channels]
        )
    merged = customer_timeline(
        session=session,
        actor=actor,
        party_id=party_id,
        lake_root=request.app.state.lake_root,
        notable=history.notable if history is not None else [],
        limit=TIMELINE_LENGTH,
    )
    timeline = sorted(
        [(entry.kind, entry.at, _timeline_text(tr, entry, currency), entry.ref) for entry in merged]
        + [
            ("account_opened", dt.datetime.combine(a.opened_on, dt.time(), dt.UTC), a.account_number, None)
            for a in accounts
        ]
        + [
            (f"consent_{c.status}", c.recorded_at, tr.code("purpose", c.purpose), None)
            for c in (consents.history if consents else [])
        ],
        key=lambda item: item[1],
        reverse=True,
    )[:TIMELINE_LENGTH]
    return render(
        request,
        "customer.html",
        actor,
        party=party,
        accounts=accounts,
        history=history,
        charts=charts,
        consents=consents,
        cases=cases,
        segments=segments,
        scores=scores,
        insights=insights,
        currency=currency,
        timeline=timeline,
        channels=list(ContactChannel),
        outcomes=OUTCOMES,
        revealed=revealed,
        can_reveal=actor.can(Permission.CUSTOMER_PII_READ),
        can_read_cases=actor.can(Permission.CASE_READ),
        appointments=list_appointments(
            session=session, actor=actor, filters=AppointmentFilters(party_id=party_id), limit=10
        )[0],
        can_open_case=actor.can(Permission.CASE_WRITE),
    )


def reveal_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    party_id: RowId,
    field: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(min_length=3, max_length=200)],
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """Reveal one masked field (audited with the reason) and show the page with it in clear."""
    check_csrf_form(request, csrf_token)
    revealed = reveal_pii(
        session=session, actor=actor, vault=request.app.state.vault, party_id=party_id, fields=[field], reason=reason
    )
    return customer_page(request, session, actor, party_id, revealed=revealed)


def contact_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    party_id: RowId,
    channel: Annotated[ContactChannel, Form()],
    direction: Annotated[str, Form(pattern="^(inbound|outbound)$")],
    topic: Annotated[str, Form(min_length=1, max_length=120)],
    outcome: Annotated[str | None, Form(max_length=32)] = None,
    summary: Annotated[str | None, Form(max_length=10_000)] = None,
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """Log a contact from the 360, then show the customer again."""
    check_csrf_form(request, csrf_token)
    data = InteractionCreate(
        channel=channel,
        direction=direction,  # type: ignore[arg-type]
        topic=topic,
        outcome=outcome if outcome in OUTCOMES else None,  # type: ignore[arg-type]
        summary=summary or None,
    )
    session.rollback()
    log_interaction(session=session, actor=actor, party_id=party_id, data=data)
    return RedirectResponse(f"/customers/{party_id}#timeline-title", status_code=303)
