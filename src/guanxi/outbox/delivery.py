"""Delivering the outbox after commit: email through SMTP, other channels recorded.

Each message is delivered in a transaction of its own. A customer's address is read from their
contact points (decrypted with the vault) only now, and their consent for the message's purpose
on its channel is checked again: a withdrawal between queueing and delivery suppresses it.
Failures are retried with a growing delay, then given up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from guanxi.clock import now
from guanxi.outbox.models import OutboxMessage
from guanxi.parties.contact_changes import PENDING, VERIFICATION_SOURCE
from guanxi.parties.models import ContactPoint, Party
from guanxi.parties.protection import CONTACT_COLUMN
from guanxi.security.consent import has_consent
from guanxi.security.pii import Vault
from guanxi.team.models import Staff

MAX_ATTEMPTS = 5
# Which contact point a channel needs, and which consent channel covers it.
ADDRESS_KIND = {"email": "email", "sms": "phone", "wechat": "wechat"}
CONSENT_CHANNEL = {"email": "email", "sms": "sms", "app_push": "app_push", "wechat": "wechat", "letter": "post"}


class Channel(Protocol):
    """Sends one message to one address; raises on failure."""

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Deliver the message; returns the outcome ("sent" or "recorded")."""
        ...


@dataclass
class SmtpChannel:
    """Email through an SMTP server."""

    host: str
    port: int
    sender: str
    timeout: float = 10.0

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Hand the message to the SMTP server."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
        return "sent"


@dataclass
class RecordingChannel:
    """A channel whose gateway is not configured: the message is kept as delivered-by-record."""

    log: list[tuple[str, str]] = field(default_factory=list)

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Record the message (the address is not kept)."""
        self.log.append((subject, body))
        return "recorded"


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    recorded: int = 0
    suppressed: int = 0
    failed: int = 0
    retried: int = 0


def _address(session: Session, vault: Vault, message: OutboxMessage) -> str | None:
    if message.staff_id is not None:
        return session.scalar(select(Staff.email).where(Staff.id == message.staff_id))
    kind = ADDRESS_KIND.get(message.channel)
    if kind is None:
        return f"party:{message.party_id}"  # app push and letters are addressed by the customer record
    party = session.get(Party, message.party_id)
    if party is None or party.data_key is None:
        return None
    query = select(ContactPoint).where(
        ContactPoint.party_id == party.id, ContactPoint.kind == kind, ContactPoint.value_enc.is_not(None)
    )
    if message.source == VERIFICATION_SOURCE:
        # A verification code goes to the detail being verified, and nowhere else.
        query = query.where(ContactPoint.id == int(message.source_id))
    else:
        query = query.where(ContactPoint.label.is_distinct_from(PENDING))  # nothing else goes to a pending one
    point = session.scalar(query.order_by(ContactPoint.is_primary.desc(), ContactPoint.id).limit(1))
    if point is None:
        return None
    return vault.decrypt(vault.unwrap(party.data_key), point.value_enc, CONTACT_COLUMN)


def _deliver_one(session: Session, vault: Vault, channels: dict[str, Channel], message_id: int) -> str:
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())
    if message is None or message.status != "pending":
        return "skipped"
    if message.party_id is not None and not has_consent(
        session=session, party_id=message.party_id, purpose=message.purpose, channel=CONSENT_CHANNEL[message.channel]
    ):
        message.status, message.last_error = "suppressed", "no consent for this purpose on this channel"
        return "suppressed"
    to = _address(session, vault, message)
    if to is None:
        message.status, message.last_error = "suppressed", "no address on this channel"
        return "suppressed"
    message.attempts += 1
    try:
        outcome = channels.get(message.channel, RecordingChannel()).send(
            to=to, subject=message.subject, body=message.body
        )
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
            return "failed"
        message.deliver_after = now() + dt.timedelta(minutes=2**message.attempts)
        return "retried"
    message.status, message.sent_at, message.last_error = outcome, now(), None
    return outcome


def deliver_due(
    *,
    sessions: sessionmaker[Session] | Callable[[], Session],
    vault: Vault,
    channels: dict[str, Channel],
    batch: int = 200,
) -> DeliveryReport:
    """Deliver the messages that are due, each in its own transaction; returns what happened."""
    report = DeliveryReport()
    with sessions() as session:
        with session.begin():
            due = list(
                session.scalars(
                    select(OutboxMessage.id)
                    .where(OutboxMessage.status == "pending", OutboxMessage.deliver_after <= now())
                    .order_by(OutboxMessage.deliver_after, OutboxMessage.id)
                    .limit(batch)
                )
            )
        for message_id in due:
            with session.begin():
                outcome = _deliver_one(session, vault, channels, message_id)
            if outcome != "skipped":
                setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def channels_from_settings(smtp_host: str | None, smtp_port: int, sender: str) -> dict[str, Channel]:
    """The delivery channels configured: SMTP email when a server is set; everything else recorded."""
    recording = RecordingChannel()
    channels: dict[str, Channel] = {name: recording for name in ("sms", "app_push", "wechat", "letter")}
    channels["email"] = SmtpChannel(smtp_host, smtp_port, sender) if smtp_host else recording
    channels["staff"] = channels["email"]
    return channels
