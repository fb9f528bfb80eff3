"""Pydantic schemas of the assistant's conversation API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1


class ConversationStart(BaseModel):
    """Open a conversation on a channel, in a language."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal["web", "mobile_app", "api"] = "web"
    language: Literal["en", "zh-Hant", "zh-Hans"] = "en"


class MessageRead(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    sender: str
    text: str
    intent: str | None = None
    confidence: float | None = None
    data: dict[str, Any] | None = None


class ConversationStarted(BaseModel):
    """A new conversation: keep the token, it is the only way back to it."""

    conversation_id: int
    token: str
    messages: list[MessageRead]


class CustomerSignIn(BaseModel):
    """The customer proves who they are."""

    model_config = ConfigDict(extra="forbid")

    party_id: int = Field(ge=1, le=MAX_ID)
    passcode: str = Field(min_length=1, max_length=128)


class MessageSend(BaseModel):
    """A message from the customer."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2_000)


class ConversationState(BaseModel):
    """Where the conversation stands, with the messages asked for."""

    conversation_id: int
    status: str
    signed_in: bool
    language: str
    case_id: int | None
    messages: list[MessageRead]
