"""Pydantic schemas of the interactions API."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from guanxi.codes import ContactChannel
from guanxi.fields import UtcDateTime

MAX_ID = 2**63 - 1
Outcome = Literal[
    "information_given",
    "resolved",
    "follow_up",
    "case_opened",
    "appointment_booked",
    "sale",
    "declined",
    "no_answer",
    "voicemail",
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)


class InteractionCreate(BaseModel):
    """A contact to log on the customer's history."""

    model_config = ConfigDict(extra="forbid")

    channel: ContactChannel
    direction: Literal["inbound", "outbound"]
    topic: str = Field(min_length=1, max_length=120)
    outcome: Outcome | None = None
    summary: str | None = Field(default=None, max_length=10_000)
    occurred_at: UtcDateTime | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=86_400)
    case_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    appointment_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    campaign_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class InteractionRead(BaseModel):
    """A logged contact."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    party_id: int
    occurred_at: dt.datetime
    channel: str
    direction: str
    handled_by: str
    handled_by_staff_id: int | None
    topic: str
    outcome: str | None
    summary: str | None
    sentiment: float | None
    sentiment_label: str | None
    duration_seconds: int | None
    case_id: int | None
    appointment_id: int | None
    campaign_id: int | None


class TimelineEntry(BaseModel):
    """One line of a customer's merged history."""

    at: dt.datetime
    kind: str
    title: str
    detail: str | None = None
    channel: str | None = None
    ref: str | None = None  # what it links to: "case:12", "interaction:7", "appointment:3"
