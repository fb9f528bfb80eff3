"""Pydantic schemas of the surveys API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SurveyRead(BaseModel):
    """A survey sent, and its answer once given."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    party_id: int
    kind: str
    trigger: str
    case_id: int | None
    interaction_id: int | None
    staff_id: int | None
    team_id: int | None
    channel: str | None
    category: str | None
    sent_at: dt.datetime
    status: str
    score: int | None
    comment: str | None
    answered_at: dt.datetime | None
    follow_up_task_id: int | None


class SurveyAnswer(BaseModel):
    """A customer's answer, carrying the token of their survey link."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
    score: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, max_length=2_000)


class SurveyAnswered(BaseModel):
    """What the customer is told after answering."""

    kind: str
    score: int
    thanks: str


class SurveyTriggerWrite(BaseModel):
    """Whether a trigger sends a survey, and which kind."""

    model_config = ConfigDict(extra="forbid")

    trigger: str = Field(pattern=r"^(case_closed|interaction:[a-z_]+)$", max_length=32)
    kind: Literal["csat", "nps"]
    enabled: bool = True


class SatisfactionRow(BaseModel):
    """CSAT and NPS for one group (a team, channel, category or month)."""

    group: str
    csat_responses: int
    csat_average: float | None
    csat_satisfied_share: float | None  # answers of 4 or 5
    nps_responses: int
    nps: float | None  # % promoters (9-10) − % detractors (0-6)


class SatisfactionReport(BaseModel):
    """Satisfaction over a period, grouped one way."""

    by: str
    start: dt.date
    end: dt.date
    rows: list[SatisfactionRow]
