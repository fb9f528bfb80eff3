"""Pydantic schemas of the events API, and the code lists of events and invitations."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from guanxi.fields import UtcDateTime

MAX_ID = 2**63 - 1


class EventKind(StrEnum):
    """What sort of event the bank holds."""

    SEMINAR = "seminar"
    INVESTMENT_SALON = "investment_salon"
    PRODUCT_LAUNCH = "product_launch"
    CLIENT_APPRECIATION = "client_appreciation"


class EventStatus(StrEnum):
    """Where an event stands: open for invitations and answers, then held or called off."""

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class InvitationStatus(StrEnum):
    """How an invited customer answered, and whether they came."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ATTENDED = "attended"


class EventCreate(BaseModel):
    """A new event with its capacity."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    kind: EventKind
    description: str | None = Field(default=None, max_length=5_000)
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    branch_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    venue: str | None = Field(default=None, max_length=200)
    capacity: int = Field(ge=1, le=100_000)


class EventTransition(BaseModel):
    """Close an event as held, or call it off."""

    model_config = ConfigDict(extra="forbid")

    to: Literal["completed", "cancelled"]
    reason: str | None = Field(default=None, max_length=500)


class EventRead(BaseModel):
    """An event with how its invitations stand."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    kind: str
    description: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    branch_id: int | None
    venue: str | None
    capacity: int
    status: str
    created_by: str
    created_at: dt.datetime
    invited: int = 0
    accepted: int = 0
    declined: int = 0
    attended: int = 0
    seats_left: int = 0


class EventPage(BaseModel):
    """One page of events."""

    items: list[EventRead]
    total: int
    limit: int
    offset: int


class InvitationRequest(BaseModel):
    """Whom to invite: a list of customers, or every customer (in the user's scope) of a segment."""

    model_config = ConfigDict(extra="forbid")

    party_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(default=None, min_length=1, max_length=1_000)
    segmentation: str | None = Field(default=None, min_length=1, max_length=32)
    segment: str | None = Field(default=None, min_length=1, max_length=64)


class InvitationResult(BaseModel):
    """Who was invited now, and who had been already."""

    invited: list[int]
    already_invited: list[int]


class RsvpAnswer(BaseModel):
    """A customer's answer to an invitation."""

    model_config = ConfigDict(extra="forbid")

    answer: Literal["accepted", "declined"]


class InvitationRead(BaseModel):
    """An invitation as it stands."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    party_id: int
    party_name: str | None = None
    status: str
    invited_at: dt.datetime
    responded_at: dt.datetime | None
    attended_at: dt.datetime | None
    follow_up_task_id: int | None


class InvitationPage(BaseModel):
    """One page of an event's invitations."""

    items: list[InvitationRead]
    total: int
    limit: int
    offset: int


class FollowUpResult(BaseModel):
    """What following up an event did: one task per attendee, raised once."""

    attendees: int
    tasks_raised: int
    already_followed_up: int
