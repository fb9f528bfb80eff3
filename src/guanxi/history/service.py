"""The customer timeline (BIAN: Customer Event History): one list, newest first, merged from the
servicing tables and the lake; each source is read only if the actor may read it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.accounts.models import AccountRole
from guanxi.appointments.models import Appointment
from guanxi.cases.models import Case
from guanxi.clock import now
from guanxi.interactions.models import Interaction
from guanxi.interactions.schemas import TimelineEntry
from guanxi.lake.profile import notable_transactions
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.surveys.models import Survey

NOTABLE_AMOUNT = Decimal("10000")
LOOKBACK_DAYS = 365


def _cases(session: Session, party_id: int, since: dt.datetime) -> list[TimelineEntry]:
    entries = []
    for case in session.scalars(select(Case).where(Case.party_id == party_id, Case.opened_at >= since)):
        ref = f"case:{case.id}"
        entries.append(
            TimelineEntry(at=case.opened_at, kind="case_opened", title=case.subject, channel=case.channel, ref=ref)
        )
        if case.resolved_at is not None:
            entries.append(TimelineEntry(at=case.resolved_at, kind="case_resolved", title=case.subject, ref=ref))
    return entries


def _interactions(session: Session, party_id: int, since: dt.datetime) -> list[TimelineEntry]:
    rows = session.scalars(
        select(Interaction).where(Interaction.party_id == party_id, Interaction.occurred_at >= since)
    )
    return [
        TimelineEntry(
            at=i.occurred_at,
            kind=f"contact_{i.direction}",
            title=i.topic,
            detail=i.sentiment_label,
            channel=i.channel,
            ref=f"interaction:{i.id}",
        )
        for i in rows
    ]


def _surveys(session: Session, party_id: int, since: dt.datetime) -> list[TimelineEntry]:
    entries = []
    for survey in session.scalars(select(Survey).where(Survey.party_id == party_id, Survey.sent_at >= since)):
        entries.append(
            TimelineEntry(at=survey.sent_at, kind="survey_sent", title=survey.kind, ref=f"survey:{survey.id}")
        )
        if survey.answered_at is not None:
            entries.append(
                TimelineEntry(
                    at=survey.answered_at,
                    kind="survey_answered",
                    title=survey.kind,
                    detail=str(survey.score),
                    ref=f"survey:{survey.id}",
                )
            )
    return entries


def _appointments(session: Session, party_id: int, since: dt.datetime) -> list[TimelineEntry]:
    rows = session.scalars(select(Appointment).where(Appointment.party_id == party_id, Appointment.starts_at >= since))
    return [
        TimelineEntry(at=a.starts_at, kind=f"appointment_{a.status}", title=a.purpose, ref=f"appointment:{a.id}")
        for a in rows
    ]


def _transactions(rows: list[dict[str, Any]]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=row["booked_at"],
            kind=f"transaction_{row['direction']}",
            title=row["txn_type"] or "",
            detail=f"{row['amount']:.2f} {row['currency']}",
            channel=row["channel"],
        )
        for row in rows
    ]


def customer_timeline(
    *,
    session: Session,
    actor: Actor,
    party_id: int,
    lake_root: Path,
    limit: int = 50,
    notable: list[dict[str, Any]] | None = None,
) -> list[TimelineEntry]:
    """The customer's contacts, cases, surveys, appointments and large transactions of the last
    year, newest first (``notable`` hands in the large transactions when the caller read them)."""
    actor.require(Permission.CUSTOMER_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    since = now() - dt.timedelta(days=LOOKBACK_DAYS)
    entries = _interactions(session, party_id, since) + _appointments(session, party_id, since)
    if actor.can(Permission.CASE_READ):
        entries += _cases(session, party_id, since) + _surveys(session, party_id, since)
    if actor.can(Permission.TRANSACTION_READ):
        if notable is None:
            accounts = list(session.scalars(select(AccountRole.account_id).where(AccountRole.party_id == party_id)))
            notable = notable_transactions(lake_root, accounts, since=since.date(), min_amount=NOTABLE_AMOUNT)
        entries += _transactions([row for row in notable if row["booked_at"] >= since])
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]
