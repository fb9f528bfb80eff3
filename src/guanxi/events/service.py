"""Event use cases: create, read, list, and close (held) or call off; each write audited.

Events are the bank's, not a customer's: every user who reads customers sees them. Who was
invited is about customers, so invitation lists are scoped (``invitations.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.events.models import BankEvent, EventInvitation
from guanxi.events.schemas import EventCreate, EventRead, EventStatus, InvitationStatus
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.team.models import Branch

E = EventStatus
ALLOWED: dict[EventStatus, frozenset[EventStatus]] = {
    E.OPEN: frozenset({E.COMPLETED, E.CANCELLED}),
    E.COMPLETED: frozenset(),
    E.CANCELLED: frozenset(),
}
# Invitations that hold a seat.
SEATED = (InvitationStatus.ACCEPTED.value, InvitationStatus.ATTENDED.value)


def get_event_or_raise(*, session: Session, actor: Actor, event_id: int, for_update: bool = False) -> BankEvent:
    """The event with ``event_id``; ``NotFound`` otherwise."""
    actor.require(Permission.CUSTOMER_READ)
    query = select(BankEvent).where(BankEvent.id == event_id)
    if for_update:
        query = query.with_for_update()
    event = session.scalar(query)
    if event is None:
        raise NotFound(f"no event with id {event_id}", details={"event_id": event_id})
    return event


def require_open(event: BankEvent, what: str) -> None:
    """Refuse ``what`` on an event that is completed or cancelled."""
    if event.status != E.OPEN.value:
        raise Conflict(
            f"event {event.id} is {event.status}: {what} is no longer possible",
            code="event_closed",
            details={"event_id": event.id, "status": event.status},
        )


def require_not_started(event: BankEvent, what: str, at: dt.datetime) -> None:
    """Refuse ``what`` once the event has started."""
    if event.starts_at <= at:
        raise Conflict(
            f"event {event.id} started at {event.starts_at.isoformat()}: {what} is no longer possible",
            code="event_started",
            details={"event_id": event.id},
        )


def require_started(event: BankEvent, what: str, at: dt.datetime) -> None:
    """Refuse ``what`` before the event has started."""
    if event.starts_at > at:
        raise Conflict(
            f"event {event.id} starts at {event.starts_at.isoformat()}: {what} waits until it has started",
            code="event_not_started",
            details={"event_id": event.id},
        )


@use_case
def create_event(*, session: Session, actor: Actor, data: EventCreate) -> BankEvent:
    """Create an event in the future with a capacity; it opens for invitations."""
    actor.require(Permission.CASE_WRITE)
    at = now()
    if data.starts_at <= at:
        raise ValidationFailed(
            f"starts_at {data.starts_at.isoformat()} is in the past",
            code="in_the_past",
            details={"field": "starts_at"},
        )
    if data.ends_at <= data.starts_at:
        raise ValidationFailed(
            f"ends_at {data.ends_at.isoformat()} is not after starts_at {data.starts_at.isoformat()}",
            code="ends_before_start",
            details={"field": "ends_at"},
        )
    if data.branch_id is not None and session.get(Branch, data.branch_id) is None:
        raise NotFound(
            f"no branch with id {data.branch_id}", code="branch_not_found", details={"branch_id": data.branch_id}
        )
    event = BankEvent(
        title=data.title,
        kind=data.kind.value,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        branch_id=data.branch_id,
        venue=data.venue,
        capacity=data.capacity,
        status=E.OPEN.value,
        created_by=actor.username,
        created_at=at,
    )
    session.add(event)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="event.create",
        entity="event",
        entity_id=event.id,
        data={
            "title": event.title,
            "kind": event.kind,
            "starts_at": event.starts_at.isoformat(),
            "capacity": event.capacity,
            "branch_id": event.branch_id,
        },
    )
    return event


def allowed_transitions(event: BankEvent) -> list[str]:
    """The states the event may move to next."""
    targets = ALLOWED[EventStatus(event.status)]
    return [status.value for status in EventStatus if status in targets]


@use_case
def transition_event(*, session: Session, actor: Actor, event_id: int, to: str, reason: str | None = None) -> BankEvent:
    """Close an event as held (once it has started) or call it off (before it starts)."""
    actor.require(Permission.CASE_WRITE)
    event = get_event_or_raise(session=session, actor=actor, event_id=event_id, for_update=True)
    current, target = EventStatus(event.status), EventStatus(to)
    if target not in ALLOWED[current]:
        raise Conflict(
            f"an event that is {current.value} cannot become {target.value}",
            code="illegal_transition",
            details={"from": current.value, "to": target.value, "allowed": allowed_transitions(event)},
        )
    at = now()
    if target is E.CANCELLED:
        require_not_started(event, "calling it off", at)
    else:
        require_started(event, "closing it as held", at)
    event.status = target.value
    record(
        session=session,
        actor=actor,
        action="event.cancel" if target is E.CANCELLED else "event.complete",
        entity="event",
        entity_id=event.id,
        data={"from": current.value, "to": target.value, "reason": reason},
    )
    return event


def invitation_counts(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many invitations of each event stand in each state."""
    if not event_ids:
        return {}
    rows = session.execute(
        select(EventInvitation.event_id, EventInvitation.status, func.count())
        .where(EventInvitation.event_id.in_(event_ids))
        .group_by(EventInvitation.event_id, EventInvitation.status)
    ).all()
    counts: dict[int, dict[str, int]] = {event_id: {} for event_id in event_ids}
    for event_id, status, count in rows:
        counts[event_id][status] = int(count)
    return counts


def seats_taken(session: Session, event_id: int) -> int:
    """Invitations holding a seat (accepted or attended)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(EventInvitation)
            .where(EventInvitation.event_id == event_id, EventInvitation.status.in_(SEATED))
        )
        or 0
    )


def _read(event: BankEvent, counts: dict[str, int]) -> EventRead:
    read = EventRead.model_validate(event)
    read.accepted = counts.get(InvitationStatus.ACCEPTED.value, 0)
    read.declined = counts.get(InvitationStatus.DECLINED.value, 0)
    read.attended = counts.get(InvitationStatus.ATTENDED.value, 0)
    read.invited = sum(counts.values())
    read.seats_left = max(event.capacity - read.accepted - read.attended, 0)
    return read


def event_read(session: Session, event: BankEvent) -> EventRead:
    """The API view of an event, with how its invitations stand (counts only)."""
    return _read(event, invitation_counts(session, [event.id]).get(event.id, {}))


@dataclass(frozen=True)
class EventFilters:
    """Which events a list shows: every filter is optional."""

    status: tuple[str, ...] = ()
    upcoming: bool = False
    branch_id: int | None = None


def list_events(
    *, session: Session, actor: Actor, filters: EventFilters, limit: int = 50, offset: int = 0
) -> tuple[list[EventRead], int]:
    """Events soonest first, with their invitation counts, and how many match."""
    actor.require(Permission.CUSTOMER_READ)
    query = select(BankEvent)
    if filters.status:
        query = query.where(BankEvent.status.in_(filters.status))
    if filters.upcoming:
        query = query.where(BankEvent.starts_at > now())
    if filters.branch_id is not None:
        query = query.where(BankEvent.branch_id == filters.branch_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = list(session.scalars(query.order_by(BankEvent.starts_at, BankEvent.id).limit(limit).offset(offset)))
    counts = invitation_counts(session, [e.id for e in events])
    return [_read(e, counts.get(e.id, {})) for e in events], int(total)
