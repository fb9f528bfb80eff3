"""A customer changes their e-mail address or mobile number, proven by a code sent to the new one.

The new detail is stored at once, encrypted like every contact point, but *pending*: not primary,
not verified, and used for nothing but the code (``VERIFICATION_SOURCE`` messages go to the point
being verified). Only the right code makes it the customer's primary, verified detail; a wrong
or late code, or a change of mind, removes it. Each step is one transaction with its audit entry;
the value itself never enters the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.outbox.service import enqueue
from guanxi.parties.models import ContactPoint
from guanxi.parties.protection import CONTACT_COLUMN
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.security.pii import SEARCHABLE_KINDS, Vault, mask

VERIFICATION_SOURCE = "contact_verification"
PENDING = "pending verification"
KINDS = {"email": "email", "phone": "sms"}  # contact kind -> the channel its code goes by


@dataclass(frozen=True)
class ProposedContact:
    """A pending contact point and the code that proves it (give the code only to the outbox)."""

    contact_point_id: int
    masked: str
    code: str


def code_digest(contact_point_id: int, code: str, secret: str) -> str:
    """What to keep of a code: keyed to the point, so a copied digest proves nothing elsewhere."""
    return hmac.new(secret.encode(), f"{contact_point_id}:{code}".encode(), hashlib.sha256).hexdigest()


@use_case
def propose_contact(
    *, session: Session, actor: Actor, vault: Vault, party_id: int, kind: str, value: str
) -> ProposedContact:
    """Store the new detail as pending and queue a 6-digit code to it; audited (without the value)."""
    actor.require(Permission.CONTACT_WRITE)
    if kind not in KINDS:
        raise ValidationFailed(f"unknown contact kind '{kind}'; one of: {', '.join(KINDS)}", code="bad_contact_kind")
    party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    if party.data_key is None:
        raise Conflict("this customer's personal data was erased", code="erased")
    dek = vault.unwrap(party.data_key)
    point = ContactPoint(
        source_system="guanxi",
        source_key=f"self-service-{secrets.token_hex(8)}",
        party_id=party.id,
        kind=kind,
        value_enc=vault.encrypt(dek, value, CONTACT_COLUMN),
        value_masked=mask(kind, value),
        value_index=vault.blind_index(kind, value) if kind in SEARCHABLE_KINDS else None,
        label=PENDING,
        is_primary=False,
        verified=False,
    )
    session.add(point)
    session.flush()
    code = f"{secrets.randbelow(10**6):06d}"
    enqueue(
        session,
        channel=KINDS[kind],
        party_id=party.id,
        subject="Your verification code",
        body=f"Your code to confirm this {'address' if kind == 'email' else 'number'} is {code}. "
        "It is valid for 10 minutes. If you did not ask for it, ignore this message.",
        source=VERIFICATION_SOURCE,
        source_id=point.id,
    )
    record(
        session=session,
        actor=actor,
        action="contact.propose",
        entity="party",
        entity_id=party.id,
        data={"contact_point_id": point.id, "kind": kind},
    )
    return ProposedContact(contact_point_id=point.id, masked=point.value_masked, code=code)


def _pending(session: Session, actor: Actor, party_id: int, contact_point_id: int) -> ContactPoint:
    actor.require(Permission.CONTACT_WRITE)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    point = session.scalar(
        select(ContactPoint)
        .where(ContactPoint.id == contact_point_id, ContactPoint.party_id == party_id, ContactPoint.label == PENDING)
        .with_for_update()
    )
    if point is None:
        raise NotFound(f"no pending contact change {contact_point_id}", code="no_pending_change")
    return point


@use_case
def confirm_contact(*, session: Session, actor: Actor, party_id: int, contact_point_id: int) -> ContactPoint:
    """The code was right: the pending detail becomes the customer's primary, verified one; audited."""
    point = _pending(session, actor, party_id, contact_point_id)
    at = now()
    session.execute(
        update(ContactPoint)
        .where(ContactPoint.party_id == party_id, ContactPoint.kind == point.kind, ContactPoint.id != point.id)
        .values(is_primary=False)
        .execution_options(synchronize_session=False)
    )
    point.is_primary, point.verified, point.verified_at, point.label = True, True, at, None
    record(
        session=session,
        actor=actor,
        action="contact.verify",
        entity="party",
        entity_id=party_id,
        data={"contact_point_id": point.id, "kind": point.kind},
    )
    return point


@use_case
def withdraw_contact(*, session: Session, actor: Actor, party_id: int, contact_point_id: int, reason: str) -> None:
    """Drop a pending detail (wrong code too often, too late, or the customer changed their mind); audited."""
    point = _pending(session, actor, party_id, contact_point_id)
    session.delete(point)
    record(
        session=session,
        actor=actor,
        action="contact.withdraw",
        entity="party",
        entity_id=party_id,
        data={"contact_point_id": contact_point_id, "reason": reason},
    )
