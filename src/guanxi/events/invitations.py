"""Invitations: inviting customers (a list, or a segment), answers within capacity, attendance and
the follow-up tasks that come after.

Answers are taken with the event's row locked, so concurrent acceptances are counted one after
the other and the capacity holds. Every customer named here must be in the user's scope.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guanxi.analytics.segmentation import SEGMENTATIONS
from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.events.models import BankEvent, EventInvitation
from guanxi.events.schemas import (
    EventStatus,
    FollowUpResult,
    InvitationRead,
    InvitationRequest,
    InvitationResult,
    InvitationStatus,
)
from guanxi.events.service import get_event_or_raise, require_not_started, require_open, require_started, seats_taken
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise, scoped_to_customers, visible_parties, visible_party_ids
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.segments.models import CustomerSegment
from guanxi.tasks.service import raise_task

I_ = InvitationStatus
ALLOWED: dict[InvitationStatus, frozenset[InvitationStatus]] = {
    I_.INVITED: frozenset({I_.ACCEPTED, I_.DECLINED, I_.ATTENDED}),
    I_.ACCEPTED: frozenset({I_.DECLINED, I_.ATTENDED}),
    # A customer who declined may change their mind, or walk in on the day.
    I_.DECLINED: frozenset({I_.ACCEPTED, I_.ATTENDED}),
    I_.ATTENDED: frozenset(),
}
# An attendee's follow-up is due this many days after the event.
FOLLOW_UP_DAYS = 3
FOLLOW_UP_SOURCE = "event_invitation"


def _invitees(session: Session, actor: Actor, data: InvitationRequest) -> list[int]:
    by_list = data.party_ids is not None
    by_segment = data.segmentation is not None or data.segment is not None
    if by_list == by_segment or (by_segment and (data.segmentation is None or data.segment is None)):
        raise ValidationFailed(
            "name either party_ids, or a segmentation and a segment", code="invitees_required", details={}
        )
    if data.party_ids is not None:
        wanted = list(dict.fromkeys(data.party_ids))
        seen = visible_party_ids(session, actor, wanted)
        missing = [party_id for party_id in wanted if party_id not in seen]
        if missing:
            raise NotFound(f"no party with id {missing[0]}", details={"party_ids": missing})
        return wanted
    if data.segmentation not in SEGMENTATIONS:
        raise ValidationFailed(
            f"unknown segmentation '{data.segmentation}' (one of: {', '.join(SEGMENTATIONS)})",
            code="unknown_segmentation",
            details={"field": "segmentation"},
        )
    return list(
        session.scalars(
            select(CustomerSegment.party_id)
            .join(Party, Party.id == CustomerSegment.party_id)
            .where(
                CustomerSegment.segmentation == data.segmentation,
                CustomerSegment.segment == data.segment,
                visible_parties(actor),
            )
            .order_by(CustomerSegment.party_id)
        )
    )


@use_case
def invite_to_event(*, session: Session, actor: Actor, event_id: int, data: InvitationRequest) -> InvitationResult:
    """Invite customers (a list, or the user's customers in a segment) to an open event that has not
    started; those already invited are left as they are. Invitations may outnumber the seats."""
    actor.require(Permission.CASE_WRITE)
    event = get_event_or_raise(session=session, actor=actor, event_id=event_id, for_update=True)
    party_ids = _invitees(session, actor, data)
    at = now()
    require_open(event, "inviting")
    require_not_started(event, "inviting", at)
    existing = set(session.scalars(select(EventInvitation.party_id).where(EventInvitation.event_id == event.id)))
    new = [party_id for party_id in party_ids if party_id not in existing]
    for party_id in new:
        session.add(EventInvitation(event_id=event.id, party_id=party_id, status=I_.INVITED.value, invited_at=at))
    session.flush()
    already = [party_id for party_id in party_ids if party_id in existing]
    record(
        session=session,
        actor=actor,
        action="event.invite",
        entity="event",
        entity_id=event.id,
        data={
            "invited": new,
            "already_invited": len(already),
            "segmentation": data.segmentation,
            "segment": data.segment,
        },
    )
    return InvitationResult(invited=new, already_invited=already)


def _invitation_or_raise(session: Session, actor: Actor, event: BankEvent, party_id: int) -> EventInvitation:
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    invitation = session.scalar(
        select(EventInvitation).where(EventInvitation.event_id == event.id, EventInvitation.party_id == party_id)
    )
    if invitation is None:
        raise NotFound(
            f"party {party_id} is not invited to event {event.id}",
            code="invitation_not_found",
            details={"event_id": event.id, "party_id": party_id},
        )
    return invitation


def allowed_transitions(invitation: EventInvitation) -> list[str]:
    """The states the invitation may move to next."""
    targets = ALLOWED[InvitationStatus(invitation.status)]
    return [status.value for status in InvitationStatus if status in targets]


def _move(invitation: EventInvitation, target: InvitationStatus) -> InvitationStatus:
    current = InvitationStatus(invitation.status)
    if target not in ALLOWED[current]:
        raise Conflict(
            f"an invitation that is {current.value} cannot become {target.value}",
            code="illegal_transition",
            details={"from": current.value, "to": target.value, "allowed": allowed_transitions(invitation)},
        )
    return current


@use_case
def answer_invitation(*, session: Session, actor: Actor, event_id: int, party_id: int, answer: str) -> EventInvitation:
    """Record a customer's answer before the event; accepting takes a seat, and a full event refuses."""
    actor.require(Permission.CASE_WRITE)
    # The lock makes concurrent answers to one event count seats one after the other.
    event = get_event_or_raise(session=session, actor=actor, event_id=event_id, for_update=True)
    invitation = _invitation_or_raise(session, actor, event, party_id)
    at = now()
    require_open(event, "answering")
    require_not_started(event, "answering", at)
    target = InvitationStatus(answer)
    current = _move(invitation, target)
    if target is I_.ACCEPTED and seats_taken(session, event.id) >= event.capacity:
        raise Conflict(
            f"event {event.id} is full ({event.capacity} seats taken)",
            code="event_full",
            details={"event_id": event.id, "capacity": event.capacity},
        )
    invitation.status, invitation.responded_at = target.value, at
    record(
        session=session,
        actor=actor,
        action="event.rsvp",
        entity="event_invitation",
        entity_id=invitation.id,
        data={"event_id": event.id, "party_id": party_id, "from": current.value, "to": target.value},
    )
    return invitation


@use_case
def mark_attended(*, session: Session, actor: Actor, event_id: int, party_id: int) -> EventInvitation:
    """Record that an invited customer came (once the event has started; walk-ins who declined too)."""
    actor.require(Permission.CASE_WRITE)
    event = get_event_or_raise(session=session, actor=actor, event_id=event_id, for_update=True)
    invitation = _invitation_or_raise(session, actor, event, party_id)
    at = now()
    if event.status == EventStatus.CANCELLED.value:
        require_open(event, "recording attendance")
    require_started(event, "recording attendance", at)
    current = _move(invitation, I_.ATTENDED)
    invitation.status, invitation.attended_at = I_.ATTENDED.value, at
    record(
        session=session,
        actor=actor,
        action="event.attend",
        entity="event_invitation",
        entity_id=invitation.id,
        data={"event_id": event.id, "party_id": party_id, "from": current.value},
    )
    return invitation


@use_case
def follow_up_event(*, session: Session, actor: Actor, event_id: int) -> FollowUpResult:
    """Raise a follow-up task per attendee for their relationship manager (or, lacking one, the
    user); attendees followed up before are skipped, so running it again raises nothing new."""
    actor.require(Permission.CASE_WRITE)
    event = get_event_or_raise(session=session, actor=actor, event_id=event_id, for_update=True)
    at = now()
    if event.status == EventStatus.CANCELLED.value:
        require_open(event, "following it up")
    require_started(event, "following it up", at)
    attendees = session.execute(
        select(EventInvitation, Party.relationship_manager_id)
        .join(Party, Party.id == EventInvitation.party_id)
        .where(EventInvitation.event_id == event.id, EventInvitation.status == I_.ATTENDED.value)
        .order_by(EventInvitation.id)
    ).all()
    due = event.ends_at.date() + dt.timedelta(days=FOLLOW_UP_DAYS)
    raised = 0
    for invitation, manager_id in attendees:
        if invitation.follow_up_task_id is not None:
            continue
        task = raise_task(
            session,
            actor=actor,
            kind="event_follow_up",
            title=f"Follow up after {event.title}",
            detail=f"Attended the {event.kind.replace('_', ' ')} on {event.starts_at.date().isoformat()}.",
            source=FOLLOW_UP_SOURCE,
            source_id=invitation.id,
            party_id=invitation.party_id,
            assignee_staff_id=manager_id if manager_id is not None else actor.staff_id,
            due_on=due,
        )
        invitation.follow_up_task_id = task.id
        raised += 1
    record(
        session=session,
        actor=actor,
        action="event.follow_up",
        entity="event",
        entity_id=event.id,
        data={"attendees": len(attendees), "tasks_raised": raised},
    )
    return FollowUpResult(attendees=len(attendees), tasks_raised=raised, already_followed_up=len(attendees) - raised)


def _visible_invitations(actor: Actor) -> ColumnElement[bool]:
    return scoped_to_customers(actor, EventInvitation.party_id)


def list_invitations(
    *,
    session: Session,
    actor: Actor,
    event_id: int,
    status: tuple[str, ...] = (),
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[InvitationRead], int]:
    """An event's invitations of customers the user sees, in the order they were sent."""
    event = get_event_or_raise(session=session, actor=actor, event_id=event_id)
    query = select(EventInvitation).where(EventInvitation.event_id == event.id, _visible_invitations(actor))
    if status:
        query = query.where(EventInvitation.status.in_(status))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    invitations = list(session.scalars(query.order_by(EventInvitation.id).limit(limit).offset(offset)))
    names = {
        party_id: name
        for party_id, name in session.execute(
            select(Party.id, Party.full_name).where(Party.id.in_([i.party_id for i in invitations]))
        )
    }
    items = []
    for invitation in invitations:
        read = InvitationRead.model_validate(invitation)
        read.party_name = names.get(invitation.party_id)
        items.append(read)
    return items, int(total)


def invitation_read(session: Session, invitation: EventInvitation) -> InvitationRead:
    """The API view of one invitation, with the customer's name."""
    read = InvitationRead.model_validate(invitation)
    read.party_name = session.scalar(select(Party.full_name).where(Party.id == invitation.party_id))
    return read
