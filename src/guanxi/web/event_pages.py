"""Relationship events in the workspace: the list with seats taken, creating an event, inviting a
segment, answers and attendance, and the follow-up. Thin over the events services the API uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from guanxi.analytics.segmentation import SEGMENTATIONS
from guanxi.api.csrf import check_csrf_form
from guanxi.api.deps import RowId, SessionDep
from guanxi.calendars.service import working_calendar
from guanxi.errors import GuanxiError
from guanxi.events.invitations import (
    answer_invitation,
    follow_up_event,
    invite_to_event,
    list_invitations,
    mark_attended,
)
from guanxi.events.schemas import EventCreate, EventKind, InvitationRequest
from guanxi.events.service import EventFilters, create_event, event_read, get_event_or_raise, list_events
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.web.forms import act_then_show, from_form
from guanxi.web.render import render
from guanxi.web.session import PageActor

Csrf = Annotated[str | None, Form(max_length=100)]


def events_page(request: Request, session: SessionDep, actor: PageActor, error: str | None = None) -> Response:
    """Upcoming and past events with their seats, and the form that creates one."""
    actor.require(Permission.CUSTOMER_READ)
    events, _ = list_events(session=session, actor=actor, filters=EventFilters(), limit=100)
    return render(
        request,
        "events.html",
        actor,
        status_code=422 if error else 200,
        events=events,
        kinds=list(EventKind),
        can_write=actor.can(Permission.CASE_WRITE),
        error=error,
    )


def create_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    kind: Annotated[EventKind, Form()],
    starts_at: Annotated[dt.datetime, Form()],
    hours: Annotated[int, Form(ge=1, le=24)],
    capacity: Annotated[int, Form(ge=1, le=100_000)],
    venue: Annotated[str | None, Form(max_length=200)] = None,
    csrf_token: Csrf = None,
) -> Response:
    """Create the event (local time of the bank's calendar), then show it."""
    check_csrf_form(request, csrf_token)
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=working_calendar(session).zone)
    session.rollback()
    try:
        ends_at = starts_at + dt.timedelta(hours=hours)
    except OverflowError:
        ends_at = dt.datetime.max.replace(tzinfo=dt.UTC)  # refused below as out of range
    try:
        data = from_form(
            EventCreate,
            title=title,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            venue=venue or None,
        )
        event = create_event(session=session, actor=actor, data=data)
    except GuanxiError as exc:
        if exc.http_status in (403, 404):
            raise
        session.rollback()
        return events_page(request, session, actor, error=exc.message)
    return RedirectResponse(f"/events/{event.id}", status_code=303)


def event_page(
    request: Request, session: SessionDep, actor: PageActor, event_id: RowId, message: str | None = None
) -> Response:
    """One event: its seats, the invitations of customers the user sees, and its actions."""
    event = event_read(session, get_event_or_raise(session=session, actor=actor, event_id=event_id))
    invitations, total = list_invitations(session=session, actor=actor, event_id=event_id, limit=200)
    return render(
        request,
        "event.html",
        actor,
        status_code=422 if message else 200,
        event=event,
        invitations=invitations,
        total=total,
        segmentations=SEGMENTATIONS,
        can_write=actor.can(Permission.CASE_WRITE),
        message=message,
    )


def _then_show(
    request: Request, session: SessionDep, actor: Actor, event_id: int, action: Callable[[], object]
) -> Response:
    # An invitation the user may not see is refused like any other answer (shown on the page).
    return act_then_show(
        session,
        action,
        then=f"/events/{event_id}",
        refused=lambda message: event_page(request, session, actor, event_id, message=message),
        raise_statuses=(403,),
    )


def invite_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    event_id: RowId,
    segmentation: Annotated[str, Form(max_length=32)],
    segment: Annotated[str, Form(min_length=1, max_length=64)],
    csrf_token: Csrf = None,
) -> Response:
    """Invite every customer of a segment the user sees."""
    check_csrf_form(request, csrf_token)
    data = InvitationRequest(segmentation=segmentation, segment=segment)
    session.rollback()
    return _then_show(
        request,
        session,
        actor,
        event_id,
        lambda: invite_to_event(session=session, actor=actor, event_id=event_id, data=data),
    )


def answer_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    event_id: RowId,
    party_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    answer: Annotated[str, Form(pattern="^(accepted|declined|attended)$")],
    csrf_token: Csrf = None,
) -> Response:
    """Record a customer's answer, or that they came."""
    check_csrf_form(request, csrf_token)
    session.rollback()
    if answer == "attended":
        return _then_show(
            request,
            session,
            actor,
            event_id,
            lambda: mark_attended(session=session, actor=actor, event_id=event_id, party_id=party_id),
        )
    return _then_show(
        request,
        session,
        actor,
        event_id,
        lambda: answer_invitation(session=session, actor=actor, event_id=event_id, party_id=party_id, answer=answer),
    )


def follow_up_submit(
    request: Request, session: SessionDep, actor: PageActor, event_id: RowId, csrf_token: Csrf = None
) -> Response:
    """Raise a follow-up task for each attendee's RM."""
    check_csrf_form(request, csrf_token)
    session.rollback()
    return _then_show(
        request, session, actor, event_id, lambda: follow_up_event(session=session, actor=actor, event_id=event_id)
    )
