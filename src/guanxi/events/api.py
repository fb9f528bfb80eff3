"""HTTP: events, invitations (a list or a segment), answers, attendance and follow-up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import PageDep, RowId, SessionDep, require
from guanxi.events import invitations, service
from guanxi.events.schemas import (
    EventCreate,
    EventPage,
    EventRead,
    EventStatus,
    EventTransition,
    FollowUpResult,
    InvitationPage,
    InvitationRead,
    InvitationRequest,
    InvitationResult,
    InvitationStatus,
    RsvpAnswer,
)
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/events", tags=["events"])
# As for appointments: reading is reading about customers, organising is servicing work.
Reader = Annotated[Any, Depends(require(Permission.CUSTOMER_READ))]
Writer = Annotated[Any, Depends(require(Permission.CASE_WRITE))]


@router.get("", response_model=EventPage)
def list_events(
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    status: Annotated[list[EventStatus] | None, Query(description="only these states")] = None,
    upcoming: Annotated[bool, Query(description="only events that have not started")] = False,
    branch_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> EventPage:
    """Events soonest first, with how their invitations stand."""
    filters = service.EventFilters(status=tuple(s.value for s in status or ()), upcoming=upcoming, branch_id=branch_id)
    items, total = service.list_events(
        session=session, actor=actor, filters=filters, limit=page.limit, offset=page.offset
    )
    return EventPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=EventRead, status_code=201)
def create_event(body: EventCreate, session: SessionDep, actor: Writer) -> EventRead:
    """Create an event (a seminar, an investment salon, a product launch) with its capacity."""
    event = service.create_event(session=session, actor=actor, data=body)
    session.rollback()
    return service.event_read(session, event)


@router.get("/{event_id}", response_model=EventRead)
def get_event(event_id: RowId, session: SessionDep, actor: Reader) -> EventRead:
    """One event, with how its invitations stand."""
    return service.event_read(session, service.get_event_or_raise(session=session, actor=actor, event_id=event_id))


@router.post("/{event_id}/transitions", response_model=EventRead)
def transition(event_id: RowId, body: EventTransition, session: SessionDep, actor: Writer) -> EventRead:
    """Close an event as held (after it starts) or call it off (before); illegal moves are a 409."""
    event = service.transition_event(session=session, actor=actor, event_id=event_id, to=body.to, reason=body.reason)
    session.rollback()
    return service.event_read(session, event)


@router.get("/{event_id}/invitations", response_model=InvitationPage)
def list_invitations(
    event_id: RowId,
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    status: Annotated[list[InvitationStatus] | None, Query(description="only these states")] = None,
) -> InvitationPage:
    """The event's invitations of customers the user sees."""
    items, total = invitations.list_invitations(
        session=session,
        actor=actor,
        event_id=event_id,
        status=tuple(s.value for s in status or ()),
        limit=page.limit,
        offset=page.offset,
    )
    return InvitationPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/{event_id}/invitations", response_model=InvitationResult)
def invite(event_id: RowId, body: InvitationRequest, session: SessionDep, actor: Writer) -> InvitationResult:
    """Invite customers by id, or the user's customers in a segment; repeat invitations are skipped."""
    return invitations.invite_to_event(session=session, actor=actor, event_id=event_id, data=body)


@router.post("/{event_id}/invitations/{party_id}/rsvp", response_model=InvitationRead)
def rsvp(event_id: RowId, party_id: RowId, body: RsvpAnswer, session: SessionDep, actor: Writer) -> InvitationRead:
    """Record a customer's answer; accepting when every seat is taken is a 409 ``event_full``."""
    invitation = invitations.answer_invitation(
        session=session, actor=actor, event_id=event_id, party_id=party_id, answer=body.answer
    )
    session.rollback()
    return invitations.invitation_read(session, invitation)


@router.post("/{event_id}/invitations/{party_id}/attendance", response_model=InvitationRead)
def attendance(event_id: RowId, party_id: RowId, session: SessionDep, actor: Writer) -> InvitationRead:
    """Record that an invited customer came (once the event has started)."""
    invitation = invitations.mark_attended(session=session, actor=actor, event_id=event_id, party_id=party_id)
    session.rollback()
    return invitations.invitation_read(session, invitation)


@router.post("/{event_id}/follow-up", response_model=FollowUpResult)
def follow_up(event_id: RowId, session: SessionDep, actor: Writer) -> FollowUpResult:
    """Raise a follow-up task per attendee for their RM; running it again raises nothing new."""
    return invitations.follow_up_event(session=session, actor=actor, event_id=event_id)
