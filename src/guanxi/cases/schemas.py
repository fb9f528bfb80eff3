"""Pydantic schemas of the cases API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guanxi.cases.taxonomy import CASE_CATEGORIES
from guanxi.codes import CasePriority, CaseStatus, CaseType, ContactChannel, ResolutionCode, RootCause

MAX_ID = 2**63 - 1


def _known_category(value: str) -> str:
    if value not in CASE_CATEGORIES:
        raise ValueError(f"unknown category '{value}'; one of: {', '.join(CASE_CATEGORIES)}")
    return value


class CaseCreate(BaseModel):
    """A new case for a customer."""

    model_config = ConfigDict(extra="forbid")

    party_id: int = Field(ge=1, le=MAX_ID)
    case_type: CaseType
    category: str = Field(max_length=64)
    sub_category: str | None = Field(default=None, max_length=120)
    priority: CasePriority = CasePriority.NORMAL
    channel: ContactChannel
    subject: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)

    _category = field_validator("category")(_known_category)


class CaseTransition(BaseModel):
    """Move a case to another state; resolving needs a resolution code and root cause."""

    model_config = ConfigDict(extra="forbid")

    to: CaseStatus
    note: str | None = Field(default=None, max_length=5_000)
    resolution_code: ResolutionCode | None = None
    root_cause: RootCause | None = None


class CaseAssign(BaseModel):
    """Give a case to a member of staff (and their team) or to a team's queue."""

    model_config = ConfigDict(extra="forbid")

    staff_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    team_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class CaseNote(BaseModel):
    """An internal note, or a reply the customer sees."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=5_000)
    visibility: Literal["internal", "customer"] = "internal"


class CaseEscalation(BaseModel):
    """Why a case is escalated to the team lead."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class AttachmentCreate(BaseModel):
    """Metadata of a file attached to a case."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f]+$")
    content_type: str = Field(min_length=3, max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")
    size_bytes: int = Field(ge=0, le=100 * 1024 * 1024)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class CaseRead(BaseModel):
    """A case with its SLA clock as it stands now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    party_id: int
    party_name: str | None = None
    team_id: int | None
    owner_staff_id: int | None
    case_type: str
    category: str
    sub_category: str | None
    priority: str
    channel: str
    status: str
    subject: str
    description: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    resolved_at: dt.datetime | None
    due_at: dt.datetime | None
    sla_remaining_seconds: int | None = None
    sla_paused: bool = False
    at_risk: bool
    breached: bool
    escalation_level: int
    resolution_code: str | None
    root_cause: str | None
    reopen_count: int
    suggested_category: str | None
    suggested_confidence: float | None
    routed_by: str | None


class CasePage(BaseModel):
    """One page of the case queue."""

    items: list[CaseRead]
    total: int
    limit: int
    offset: int


class CaseEventRead(BaseModel):
    """One step of a case's history."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: dt.datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    visibility: str
    body: str | None
    data: dict[str, object] | None


class AttachmentRead(AttachmentCreate):
    """An attachment's metadata as stored."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    added_by: str
    added_at: dt.datetime


class CaseDetail(BaseModel):
    """A case with its history and attachments."""

    case: CaseRead
    events: list[CaseEventRead]
    attachments: list[AttachmentRead]
    allowed_transitions: list[str]


class SlaTargetWrite(BaseModel):
    """The business hours allowed for a type, priority and (optionally) category."""

    model_config = ConfigDict(extra="forbid")

    case_type: CaseType
    priority: CasePriority
    category: str | None = Field(default=None, max_length=64)
    business_hours: float = Field(gt=0, le=10_000)

    @field_validator("category")
    @classmethod
    def _category_known(cls, value: str | None) -> str | None:
        return None if value is None else _known_category(value)


class SlaTargetRead(SlaTargetWrite):
    """A stored SLA target."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int


class SweepResult(BaseModel):
    """What an SLA sweep changed."""

    at_risk: int
    breached: int
    escalated: int


class RootCauseCount(BaseModel):
    """How many cases were closed with a root cause in a month."""

    month: str
    root_cause: str
    cases: int


class RootCauseReport(BaseModel):
    """Top root causes over a period and their monthly trend."""

    start: dt.date
    end: dt.date
    top: list[tuple[str, int]]
    trend: list[RootCauseCount]


class CategorySuggestionRequest(BaseModel):
    """A complaint narrative to categorise."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


class CategorySuggestion(BaseModel):
    """What the categoriser suggests, with its confidence; staff decide."""

    category: str
    sub_category: str | None
    confidence: float
    alternatives: list[tuple[str, float]]
