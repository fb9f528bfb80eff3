"""Storing the insights detected from the lake, and reading them for the 360 and the assistant.

Detection (``guanxi.analytics.insights``) reads the lake and knows nothing of the database; this
service writes what it found in one transaction with its audit entry, once per finding however
often detection runs, and reads them back scoped like every other customer read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.insights.models import CustomerInsight
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission

KINDS = (
    "duplicate_charge",
    "recurring_increase",
    "refund_posted",
    "low_balance_forecast",
    "large_purchase",
    "salary_received",
)

# What each kind says to the customer, in English, Traditional and Simplified Chinese.
SENTENCES: dict[str, tuple[str, str, str]] = {
    "duplicate_charge": (
        "You were charged {amount} twice by {counterparty} on {day}. Was that you?",
        "{day} {counterparty} 向您重複收取了 {amount}，是您本人的交易嗎？",
        "{day} {counterparty} 向您重复扣取了 {amount}，是您本人的交易吗？",
    ),
    "recurring_increase": (
        "Your regular payment to {counterparty} went up to {amount} on {day}.",
        "您付給 {counterparty} 的定期款項於 {day} 增加至 {amount}。",
        "您付给 {counterparty} 的定期款项于 {day} 增加至 {amount}。",
    ),
    "refund_posted": (
        "A refund of {amount} from {counterparty} arrived on {day}.",
        "{counterparty} 的退款 {amount} 已於 {day} 入賬。",
        "{counterparty} 的退款 {amount} 已于 {day} 入账。",
    ),
    "low_balance_forecast": (
        "Your balance may go below zero within 7 days: {amount} of regular payments are due.",
        "未來 7 日內有 {amount} 的定期扣款，您的結餘可能不足。",
        "未来 7 天内有 {amount} 的定期扣款，您的余额可能不足。",
    ),
    "large_purchase": (
        "An unusually large purchase of {amount} at {counterparty} on {day}.",
        "{day} 於 {counterparty} 有一筆金額較大的消費：{amount}。",
        "{day} 在 {counterparty} 有一笔金额较大的消费：{amount}。",
    ),
    "salary_received": (
        "Your salary of {amount} arrived on {day}.",
        "您的薪金 {amount} 已於 {day} 入賬。",
        "您的工资 {amount} 已于 {day} 入账。",
    ),
}
_LANGUAGES = ("en", "zh-Hant", "zh-Hans")


@dataclass(frozen=True)
class InsightView:
    """An insight as the customer and staff see it."""

    id: int
    kind: str
    occurred_on: dt.date
    amount: Decimal | None
    currency: str | None
    details: Mapping[str, Any]

    def sentence(self, language: str = "en") -> str:
        """The insight in words, in ``language`` (English when not served)."""
        template = SENTENCES[self.kind][_LANGUAGES.index(language) if language in _LANGUAGES else 0]
        amount = "" if self.amount is None else f"{self.currency or ''} {self.amount:,.2f}".strip()
        counterparty = str(self.details.get("counterparty") or self.details.get("merchant") or "?")
        return template.format(amount=amount, counterparty=counterparty, day=self.occurred_on.isoformat())


def fingerprint(kind: str, occurred_on: dt.date, account_id: int | None, amount: Decimal | None) -> str:
    """What makes two detections the same finding."""
    key = f"{kind}|{occurred_on.isoformat()}|{account_id}|{amount}"
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class StoredInsights:
    """What one store wrote."""

    found: int
    new: int


@use_case
def store_insights(
    *, session: Session, actor: Actor, as_of: dt.date, insights: Iterable[Mapping[str, Any]]
) -> StoredInsights:
    """Keep each detected insight once (kind, day, account and amount make it the same); audited.

    Each insight is a mapping with ``party_id``, ``kind``, ``occurred_on``, ``amount``, ``currency``,
    ``account_id`` and ``details``; unknown parties (not yet loaded) are skipped.
    """
    actor.require(Permission.CUSTOMER_READ)
    rows = list(insights)
    known: set[int] = set()
    asked = sorted({int(r["party_id"]) for r in rows})
    for start in range(0, len(asked), 1000):  # stay under the bound-parameter limits
        known |= set(session.scalars(select(Party.id).where(Party.id.in_(asked[start : start + 1000]))))
    wanted = {
        (int(r["party_id"]), fingerprint(r["kind"], r["occurred_on"], r.get("account_id"), r.get("amount"))): r
        for r in rows
        if int(r["party_id"]) in known
    }
    stored: set[tuple[int, str]] = set()
    parties = sorted({party for party, _ in wanted})
    for start in range(0, len(parties), 1000):  # stay under the bound-parameter limits
        chunk = parties[start : start + 1000]
        query = select(CustomerInsight.party_id, CustomerInsight.fingerprint).where(CustomerInsight.party_id.in_(chunk))
        stored |= {(party, print_) for party, print_ in session.execute(query)}
    at = now()
    new = [
        CustomerInsight(
            party_id=party,
            kind=r["kind"],
            fingerprint=print_,
            occurred_on=r["occurred_on"],
            amount=r.get("amount"),
            currency=r.get("currency"),
            account_id=r.get("account_id"),
            details=dict(r.get("details") or {}),
            as_of=as_of,
            detected_at=at,
        )
        for (party, print_), r in wanted.items()
        if (party, print_) not in stored
    ]
    session.add_all(new)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="insights.store",
        entity="insights",
        data={"as_of": as_of.isoformat(), "found": len(rows), "new": len(new)},
    )
    return StoredInsights(found=len(rows), new=len(new))


def party_insights(*, session: Session, actor: Actor, party_id: int, limit: int = 10) -> list[InsightView]:
    """The customer's latest insights not dismissed, newest first."""
    actor.require(Permission.TRANSACTION_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    found = session.scalars(
        select(CustomerInsight)
        .where(CustomerInsight.party_id == party_id, CustomerInsight.dismissed_at.is_(None))
        .order_by(CustomerInsight.occurred_on.desc(), CustomerInsight.id.desc())
        .limit(limit)
    )
    return [
        InsightView(
            id=i.id,
            kind=i.kind,
            occurred_on=i.occurred_on,
            amount=i.amount,
            currency=i.currency,
            details=i.details or {},
        )
        for i in found
    ]
