"""HTTP: business calendars and their holidays."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from guanxi.api.deps import RowId, SessionDep, require
from guanxi.calendars import service
from guanxi.calendars.schemas import CalendarRead, HolidayCreate, HolidayRead
from guanxi.security.permissions import Permission

router = APIRouter(prefix="/api/v1/calendars", tags=["calendars"])


@router.get("", response_model=list[CalendarRead])
def list_calendars(
    session: SessionDep, actor: Annotated[Any, Depends(require(Permission.CASE_READ))]
) -> list[CalendarRead]:
    """The bank's business calendars (opening hours, time zone) with their holidays."""
    result = []
    for calendar in service.list_calendars(session=session):
        read = CalendarRead.model_validate(calendar)
        read.holidays = [
            HolidayRead.model_validate(h) for h in service.list_holidays(session=session, calendar_id=calendar.id)
        ]
        result.append(read)
    return result


@router.post("/{calendar_id}/holidays", response_model=HolidayRead, status_code=201)
def add_holiday(
    calendar_id: RowId,
    body: HolidayCreate,
    session: SessionDep,
    actor: Annotated[Any, Depends(require(Permission.SERVICE_CONFIGURE))],
) -> HolidayRead:
    """Close a calendar on a day (SLA clocks and bookings skip it from then on)."""
    holiday = service.add_holiday(session=session, actor=actor, calendar_id=calendar_id, day=body.day, name=body.name)
    return HolidayRead.model_validate(holiday)
