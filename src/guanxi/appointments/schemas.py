"""Pydantic schemas of the appointments API, and the code lists of an appointment."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guanxi.codes import ContactChannel
from guanxi.fields import UtcDateTime

MAX_ID = 2**63 - 1


class AppointmentStatus(StrEnum):
    """Where an appointment stands: booked, then held, missed or called off."""

    BOOKED = "booked"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class AppointmentPurpose(StrEnum):
    """What the customer comes for."""

    ACCOUNT_OPENING = "account_opening"
    INVESTMENT_REVIEW = "investment_review"
    WEALTH_PLANNING = "wealth_planning"
    LOAN_CONSULTATION = "loan_consultation"
    INSURANCE_REVIEW = "insurance_review"
    CARD_SERVICES = "card_services"
    GENERAL_ENQUIRY = "general_enquiry"


class AppointmentCreate(BaseModel):
    """A booking: a customer, a relationship manager *or* a branch, a slot start and a purpose."""

    model_config = ConfigDict(extra="forbid")

    party_id: int = Field(ge=1, le=MAX_ID)
    staff_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    branch_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    starts_at: UtcDateTime
    purpose: AppointmentPurpose
    notes: str | None = Field(default=None, max_length=2_000)
    booked_via: ContactChannel = ContactChannel.BRANCH
    reminder_channel: Literal["sms", "email"] = "sms"


class AppointmentTransition(BaseModel):
    """Record what became of a booked appointment: held, missed, or called off."""

    model_config = ConfigDict(extra="forbid")

    to: Literal["completed", "no_show", "cancelled"]
    reason: str | None = Field(default=None, max_length=500)


class AppointmentReschedule(BaseModel):
    """Move a booked appointment to another slot of the same relationship manager or branch."""

    model_config = ConfigDict(extra="forbid")

    starts_at: UtcDateTime
    reminder_channel: Literal["sms", "email"] | None = None  # default: the channel of the old reminder


class AppointmentRead(BaseModel):
    """An appointment as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    party_id: int
    party_name: str | None = None
    staff_id: int | None
    branch_id: int | None
    resource: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    status: str
    notes: str | None
    booked_by: str
    booked_via: str
    rescheduled_from_id: int | None
    created_at: dt.datetime
    cancelled_at: dt.datetime | None


class AppointmentPage(BaseModel):
    """One page of appointments."""

    items: list[AppointmentRead]
    total: int
    limit: int
    offset: int


class Slot(BaseModel):
    """A bookable slot."""

    starts_at: dt.datetime
    ends_at: dt.datetime


class Availability(BaseModel):
    """The free slots of a relationship manager or a branch on one day (in its calendar's time zone)."""

    resource: str
    day: dt.date
    timezone: str
    slot_minutes: int
    slots: list[Slot]
