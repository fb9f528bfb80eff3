"""Pydantic schemas of the calendars API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CalendarRead(BaseModel):
    """A business calendar with its holidays."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str
    week: dict[str, Any]
    branch_id: int | None
    holidays: list[HolidayRead] = []


class HolidayCreate(BaseModel):
    """A day the calendar is closed."""

    model_config = ConfigDict(extra="forbid")

    day: dt.date
    name: str = Field(min_length=1, max_length=100)


class HolidayRead(HolidayCreate):
    """A stored holiday."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int


CalendarRead.model_rebuild()
