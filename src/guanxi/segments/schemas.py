"""Pydantic schemas of the segments API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CustomerSegmentRead(BaseModel):
    """A customer's segment in one segmentation, with the reason code and its figures."""

    model_config = ConfigDict(from_attributes=True)

    segmentation: str
    segment: str
    reason: str
    detail: dict[str, Any] | None
    as_of: dt.date


class SegmentSizes(BaseModel):
    """How many customers each segment holds, per segmentation, as of the latest run."""

    as_of: dt.date | None
    sizes: dict[str, dict[str, int]]


class MigrationCell(BaseModel):
    """Customers who were in ``from_segment`` on the first date and in ``to_segment`` on the second."""

    from_segment: str
    to_segment: str
    customers: int


class RuleCheck(BaseModel):
    """A rule to count or save."""

    expression: str = Field(min_length=1, max_length=1000, description="e.g. aum >= 1000000 and digital_share < 0.2")


class RuleCount(BaseModel):
    """How many customers a rule selects in the latest features."""

    expression: str
    size: int
    as_of: dt.date


class RuleSegmentCreate(RuleCheck):
    """A rule segment to save."""

    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)


class RuleSegmentRead(BaseModel):
    """A saved rule segment with its size at the last run."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    expression: str
    description: str | None
    created_by: str
    created_at: dt.datetime
    size: int | None
    size_as_of: dt.date | None


class CustomerFeatures(BaseModel):
    """A customer's features from the latest analysis (``guanxi features list`` explains them)."""

    as_of: dt.date
    features: dict[str, float | None]


class SegmentHistoryEntry(BaseModel):
    """A customer's segment in one segmentation on one analysed date."""

    as_of: dt.date
    segmentation: str
    segment: str
    reason: str
