"""Recording and listing consent per purpose and channel, with its history.

The check every contacting use case makes, :func:`has_consent`, lives in ``security/consent.py``
(below the domains that contact customers).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.codes import CaptureMethod, ConsentChannel, ConsentPurpose, ConsentStatus
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.privacy.schemas import ConsentChange, ConsentRead, ConsentState
from guanxi.security.actor import Actor
from guanxi.security.consent import check_code
from guanxi.security.models import ConsentRecord
from guanxi.security.permissions import Permission


def consent_state(*, session: Session, actor: Actor, party_id: int) -> ConsentState:
    """The consent in force per purpose and channel, and the full history, newest first."""
    actor.require(Permission.CONSENT_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    history = session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.party_id == party_id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
    ).all()
    current: dict[str, ConsentRead] = {}
    for row in history:
        current.setdefault(f"{row.purpose}:{row.channel}", ConsentRead.model_validate(row))
    return ConsentState(
        party_id=party_id,
        current=sorted(current.values(), key=lambda r: (r.purpose, r.channel)),
        history=[ConsentRead.model_validate(r) for r in history],
    )


def record_consent(*, session: Session, actor: Actor, party_id: int, change: ConsentChange) -> ConsentRead:
    """Record a consent given or withdrawn; it is in force from this moment."""
    actor.require(Permission.CONSENT_WRITE)
    check_code(change.purpose, ConsentPurpose, "purpose")
    check_code(change.channel, ConsentChannel, "channel")
    check_code(change.status, ConsentStatus, "status")
    check_code(change.captured_via, CaptureMethod, "captured_via")
    with session.begin():
        get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
        at = now()
        row = ConsentRecord(
            party_id=party_id,
            purpose=change.purpose,
            channel=change.channel,
            status=change.status,
            recorded_at=at,
            captured_via=change.captured_via,
            evidence=change.evidence,
            source_system="guanxi",
            source_key=f"consent-{uuid.uuid4().hex}",
        )
        session.add(row)
        session.flush()
        record(
            session=session,
            actor=actor,
            action=f"consent.{change.status}",
            entity="party",
            entity_id=party_id,
            data={"purpose": change.purpose, "channel": change.channel, "captured_via": change.captured_via},
        )
        return ConsentRead.model_validate(row)
