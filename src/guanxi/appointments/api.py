"""HTTP: free slots, booking, listing, and moving appointments through their short life."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import PageDep, RowId, SessionDep, require
from guanxi.appointments import service, slots
from guanxi.appointments.schemas import (
    AppointmentCreate,
    AppointmentPage,
    AppointmentRead,
    AppointmentReschedule,
    AppointmentStatus,
    AppointmentTransition,
    Availability,
)
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/appointments", tags=["appointments"])
# Reading appointments is reading about customers; booking and moving them is servicing work,
# which the roles holding case.write (service agents, RMs, branch managers) do.
Reader = Annotated[Any, Depends(require(Permission.CUSTOMER_READ))]
Writer = Annotated[Any, Depends(require(Permission.CASE_WRITE))]
OptionalId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


def _read(session: Any, appointment: Any) -> AppointmentRead:
    session.rollback()
    return service.appointment_read(session, appointment)


@router.get("", response_model=AppointmentPage)
def list_appointments(
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    party_id: OptionalId = None,
    staff_id: OptionalId = None,
    branch_id: OptionalId = None,
    status: Annotated[list[AppointmentStatus] | None, Query(description="only these states")] = None,
    day: Annotated[dt.date | None, Query(description="only this day (the bank's time zone)")] = None,
) -> AppointmentPage:
    """Appointments of the customers the user sees, soonest first."""
    filters = service.AppointmentFilters(
        party_id=party_id,
        staff_id=staff_id,
        branch_id=branch_id,
        status=tuple(s.value for s in status or ()),
        day=day,
    )
    items, total = service.list_appointments(
        session=session, actor=actor, filters=filters, limit=page.limit, offset=page.offset
    )
    return AppointmentPage(
        items=[service.appointment_read(session, a) for a in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("", response_model=AppointmentRead, status_code=201)
def book(body: AppointmentCreate, session: SessionDep, actor: Writer) -> AppointmentRead:
    """Book a slot with a relationship manager or at a branch (a taken slot is a 409 ``slot_taken``)."""
    return _read(session, service.book_appointment(session=session, actor=actor, data=body))


@router.get("/availability", response_model=Availability)
def availability(
    session: SessionDep,
    actor: Reader,
    day: Annotated[dt.date, Query(description="the day, in the calendar's time zone")],
    staff_id: OptionalId = None,
    branch_id: OptionalId = None,
) -> Availability:
    """The free slots of a relationship manager (``staff_id``) or a branch (``branch_id``) on a day."""
    return slots.available_slots(session=session, actor=actor, day=day, staff_id=staff_id, branch_id=branch_id)


@router.get("/{appointment_id}", response_model=AppointmentRead)
def get_appointment(appointment_id: RowId, session: SessionDep, actor: Reader) -> AppointmentRead:
    """One appointment."""
    appointment = service.get_appointment_or_raise(session=session, actor=actor, appointment_id=appointment_id)
    return service.appointment_read(session, appointment)


@router.post("/{appointment_id}/transitions", response_model=AppointmentRead)
def transition(
    appointment_id: RowId, body: AppointmentTransition, session: SessionDep, actor: Writer
) -> AppointmentRead:
    """Cancel a booked appointment, or record it as completed or a no-show (illegal moves are a 409)."""
    return _read(
        session,
        service.transition_appointment(
            session=session, actor=actor, appointment_id=appointment_id, to=body.to, reason=body.reason
        ),
    )


@router.post("/{appointment_id}/reschedule", response_model=AppointmentRead, status_code=201)
def reschedule(
    appointment_id: RowId, body: AppointmentReschedule, session: SessionDep, actor: Writer
) -> AppointmentRead:
    """Move a booked appointment to another slot: the new appointment is returned, the old one cancelled."""
    return _read(
        session, service.reschedule_appointment(session=session, actor=actor, appointment_id=appointment_id, data=body)
    )
