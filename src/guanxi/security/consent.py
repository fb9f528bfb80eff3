"""Whether a customer's consent is in force: the one check every contacting use case makes.

Campaigns, surveys, the outbox and the assistant ask :func:`has_consent` before contacting or
profiling a customer. It reads the records every time (no cache), so a withdrawal takes effect
on the very next check. Without any record the answer is no: consent is opt-in. Recording and
listing consent is the privacy domain's (``privacy/consent.py``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.clock import now
from guanxi.codes import ConsentChannel, ConsentPurpose, ConsentStatus
from guanxi.errors import ValidationFailed
from guanxi.security.models import ConsentRecord


def check_code(value: str, enum: type, field: str) -> None:
    """Refuse a code that is not one of ``enum``'s, naming the field and the allowed values."""
    allowed = [m.value for m in enum]
    if value not in allowed:
        raise ValidationFailed(f"unknown {field} '{value}' (one of: {', '.join(allowed)})", details={"field": field})


def has_consent(*, session: Session, party_id: int, purpose: str, channel: str, at: dt.datetime | None = None) -> bool:
    """Whether the customer's consent for ``purpose`` over ``channel`` is in force (now, or at ``at``).

    The latest record for this channel or for every channel (``any``) decides; none means no.
    """
    check_code(purpose, ConsentPurpose, "purpose")
    check_code(channel, ConsentChannel, "channel")
    channels = {channel, ConsentChannel.ANY.value}
    latest = session.execute(
        select(ConsentRecord.status)
        .where(
            ConsentRecord.party_id == party_id,
            ConsentRecord.purpose == purpose,
            ConsentRecord.channel.in_(channels),
            ConsentRecord.recorded_at <= (at or now()),
        )
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return latest == ConsentStatus.GIVEN.value


def parties_consenting(*, session: Session, purpose: str, at: dt.datetime | None = None) -> set[int]:
    """Every customer whose consent for ``purpose`` is in force on at least one channel (bulk form).

    The same rule as :func:`has_consent`, for a whole run at once: for each channel, the latest
    record for that channel or for every channel (``any``) decides; a customer counts when the
    decision is yes on some channel.
    """
    check_code(purpose, ConsentPurpose, "purpose")
    rows = session.execute(
        select(ConsentRecord.party_id, ConsentRecord.channel, ConsentRecord.status)
        .where(ConsentRecord.purpose == purpose, ConsentRecord.recorded_at <= (at or now()))
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    )
    every = ConsentChannel.ANY.value
    latest_any: dict[int, tuple[int, str]] = {}
    latest_channel: dict[tuple[int, str], tuple[int, str]] = {}
    for order, (party_id, channel, status) in enumerate(rows):
        if channel == every:
            latest_any[party_id] = (order, status)
        else:
            latest_channel[(party_id, channel)] = (order, status)
    given = ConsentStatus.GIVEN.value
    yes = {party for party, (_, status) in latest_any.items() if status == given}
    for (party, _), (order, status) in latest_channel.items():
        overall = latest_any.get(party)
        decision = status if overall is None or overall[0] < order else overall[1]
        if decision == given:
            yes.add(party)
    return yes
