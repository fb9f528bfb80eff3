"""Queueing outbound messages inside a use case's transaction.

A use case calls :func:`enqueue` next to the change that causes the message, so the message
exists exactly when the change committed; ``guanxi worker`` delivers it afterwards
(``outbox/delivery.py``). The same ``source``/``source_id``/``channel`` queues one message only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.clock import now
from guanxi.outbox.models import OutboxMessage
from guanxi.parties.models import ContactPoint
from guanxi.security.consent import has_consent

CHANNELS = ("email", "sms", "app_push", "wechat", "letter", "staff")


def enqueue(
    session: Session,
    *,
    channel: str,
    subject: str,
    body: str,
    source: str,
    source_id: str | int,
    party_id: int | None = None,
    staff_id: int | None = None,
    purpose: str = "service_messages",
    deliver_after: dt.datetime | None = None,
) -> OutboxMessage:
    """Queue a message on the caller's transaction (helpers never commit); returns the existing
    message when the same source already queued one on this channel."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel '{channel}'")
    if (party_id is None) == (staff_id is None):
        raise ValueError("a message goes to exactly one customer or one member of staff")
    existing = session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.source == source, OutboxMessage.source_id == str(source_id), OutboxMessage.channel == channel
        )
    )
    if existing is not None:
        return existing
    message = OutboxMessage(
        channel=channel,
        party_id=party_id,
        staff_id=staff_id,
        purpose=purpose,
        # A header line: no line breaks (they would fail the mail header or forge another).
        subject=" ".join(subject.split())[:200],
        body=body,
        deliver_after=deliver_after or now(),
        source=source,
        source_id=str(source_id),
        status="pending",
        attempts=0,
    )
    session.add(message)
    session.flush()
    return message


def reachable_channel(session: Session, party_id: int, purpose: str = "service_messages") -> str | None:
    """The channel a customer can be messaged on for ``purpose``: email, else SMS, when they have
    that contact point and consent to it; ``None`` when neither."""
    kinds = set(session.scalars(select(ContactPoint.kind).where(ContactPoint.party_id == party_id)))
    for channel, kind in (("email", "email"), ("sms", "phone")):
        if kind in kinds and has_consent(session=session, party_id=party_id, purpose=purpose, channel=channel):
            return channel
    return None


def cancel(session: Session, *, source: str, source_id: str | int) -> int:
    """Cancel the pending messages a source queued (a cancelled appointment's reminder); returns how many."""
    pending = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.source == source,
            OutboxMessage.source_id == str(source_id),
            OutboxMessage.status == "pending",
        )
    ).all()
    for message in pending:
        message.status = "cancelled"
    return len(pending)
