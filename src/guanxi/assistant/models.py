"""ORM: the assistant's conversations and their messages.

A conversation is reached only with the random token handed out when it starts (only its
SHA-256 is stored), or for WeChat by the sender's id on that channel. Once the customer signs
in it belongs to them: it is kept as an interaction on their record, and erased with them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, JsonDocument, UTCDateTime


class Conversation(Base):
    """One chat with the assistant, from its first message until it is closed."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    # The sender's id on an outside channel (a WeChat OpenID); NULL for the web and the API.
    external_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    authenticated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Where the dialogue stands: the intent being served, slots filled, what is being confirmed.
    state: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument())
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class ConversationMessage(Base):
    """One message in a conversation: from the customer, the assistant or a member of staff."""

    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    sender: Mapped[str] = mapped_column(String(16))  # customer, assistant, agent
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    # What the assistant did or offered with this message (an action's outcome, FAQ match, buttons).
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument())
