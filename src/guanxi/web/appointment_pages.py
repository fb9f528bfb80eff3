"""Booking from the customer 360: the free slots of the customer's RM (or home branch) on a day,
the booking form, and cancelling. Thin over the appointments services the API uses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from guanxi.api.csrf import check_csrf_form
from guanxi.api.deps import RowId, SessionDep
from guanxi.appointments.schemas import AppointmentCreate, AppointmentPurpose
from guanxi.appointments.service import book_appointment, cancel_appointment, get_appointment_or_raise
from guanxi.appointments.slots import available_slots
from guanxi.calendars.service import working_calendar
from guanxi.clock import now
from guanxi.errors import GuanxiError
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.security.permissions import Permission
from guanxi.web.forms import from_form
from guanxi.web.render import render
from guanxi.web.session import PageActor

Csrf = Annotated[str | None, Form(max_length=100)]
MAX_ID = 2**63 - 1


def book_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    party_id: RowId,
    day: Annotated[dt.date | None, Query()] = None,
    where: Annotated[str, Query(pattern="^(rm|branch)$")] = "rm",
    error: str | None = None,
) -> Response:
    """The free slots of the customer's RM or home branch on a day, and the booking form."""
    actor.require(Permission.CASE_WRITE)
    party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    if where == "rm" and party.relationship_manager_id is None:
        where = "branch"
    zone = working_calendar(session, party.home_branch_id).zone
    day = day or (now().astimezone(zone) + dt.timedelta(days=1)).date()
    slots = None
    if where == "branch" and party.home_branch_id is None:
        error = error or "no_branch"
    else:
        slots = available_slots(
            session=session,
            actor=actor,
            day=day,
            staff_id=party.relationship_manager_id if where == "rm" else None,
            branch_id=party.home_branch_id if where == "branch" else None,
        )
    return render(
        request,
        "appointment_new.html",
        actor,
        status_code=409 if error == "slot_taken" else 200,
        party=party,
        day=day,
        where=where,
        slots=slots,
        zone=zone,
        purposes=list(AppointmentPurpose),
        error=error,
        previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
    )


def book_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    party_id: RowId,
    starts_at: Annotated[dt.datetime, Form()],
    purpose: Annotated[AppointmentPurpose, Form()],
    where: Annotated[str, Form(pattern="^(rm|branch)$")],
    notes: Annotated[str | None, Form(max_length=2000)] = None,
    csrf_token: Csrf = None,
) -> Response:
    """Book the chosen slot; a slot taken meanwhile shows the day again with the others."""
    check_csrf_form(request, csrf_token)
    party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    data = from_form(
        AppointmentCreate,
        party_id=party.id,
        staff_id=party.relationship_manager_id if where == "rm" else None,
        branch_id=party.home_branch_id if where == "branch" else None,
        starts_at=starts_at,
        purpose=purpose,
        notes=notes or None,
    )
    session.rollback()
    try:
        book_appointment(session=session, actor=actor, data=data)
    except GuanxiError as exc:
        if exc.http_status in (403, 404):
            raise
        session.rollback()
        zone = working_calendar(session, party.home_branch_id).zone
        return book_page(
            request, session, actor, party_id, day=starts_at.astimezone(zone).date(), where=where, error=exc.code
        )
    return RedirectResponse(f"/customers/{party_id}#appointments-title", status_code=303)


def cancel_submit(
    request: Request, session: SessionDep, actor: PageActor, appointment_id: RowId, csrf_token: Csrf = None
) -> Response:
    """Call off a booked appointment, then show the customer again."""
    check_csrf_form(request, csrf_token)
    party_id = get_appointment_or_raise(session=session, actor=actor, appointment_id=appointment_id).party_id
    session.rollback()
    cancel_appointment(session=session, actor=actor, appointment_id=appointment_id, reason="cancelled in the workspace")
    return RedirectResponse(f"/customers/{party_id}#appointments-title", status_code=303)
