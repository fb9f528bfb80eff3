"""Pydantic schemas of the sign-in API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class TokenRequest(BaseModel):
    """Credentials exchanged for an API token."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    totp_code: str | None = Field(default=None, max_length=10, description="the 6-digit code, if the user has one")
    name: str | None = Field(default=None, max_length=100, description="what the token is for")
    days: int | None = Field(default=None, ge=1, le=365, description="lifetime; the configured default if unset")


class TokenIssued(BaseModel):
    """A new API token: the secret is shown this once."""

    token: str
    token_id: int
    token_type: str = "bearer"
    expires_at: dt.datetime


class TokenRead(BaseModel):
    """A session or token, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class Me(BaseModel):
    """The signed-in user and what they may do."""

    username: str
    role: str
    scope: str
    permissions: list[str]
    staff_id: int | None
    branch_id: int | None
    team_id: int | None
