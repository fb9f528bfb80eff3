"""Pydantic schemas of consent and data-subject requests."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ConsentRead(BaseModel):
    """One consent record."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    purpose: str
    channel: str
    status: str
    recorded_at: dt.datetime
    captured_via: str


class ConsentState(BaseModel):
    """The consents in force (latest per purpose and channel) and their history."""

    party_id: int
    current: list[ConsentRead]
    history: list[ConsentRead]


class ConsentChange(BaseModel):
    """A consent given or withdrawn."""

    purpose: str = Field(max_length=32, description="marketing, profiling, data_sharing, service_messages")
    channel: str = Field(max_length=16, description="any, email, sms, phone, post, app_push, wechat")
    status: str = Field(max_length=16, description="given or withdrawn")
    captured_via: str = Field(max_length=16, description="branch, online, mobile, phone, paper")
    evidence: str | None = Field(default=None, max_length=500, description="reference to the signed form…")


class ErasureRequest(BaseModel):
    """Why a customer is being erased (the request reference goes to the audit log)."""

    reason: str = Field(min_length=3, max_length=200)


class ErasureReport(BaseModel):
    """What an erasure removed."""

    party_id: int
    erased_at: dt.datetime
    contact_points: int
    identity_documents: int
    consents_cleared: int
    cases_cleared: int
    lake_rows_redacted: int
    # SQLite: whether old copies of the destroyed key left the write-ahead log (False: erase again
    # when readers are gone); None on PostgreSQL, where VACUUM reclaims old row versions.
    storage_cleared: bool | None = None
