"""ORM: the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, JsonDocument, UTCDateTime


class AuditEvent(Base):
    """Who did what to which record, when and from where; written inside the use case's transaction.

    Entries form a chain: ``seq`` counts them without gaps and ``hash`` covers the entry and the
    previous entry's hash, so an edited, deleted or reordered entry breaks the chain. The table
    is append-only (database triggers refuse updates and deletes).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"), Index("ix_audit_events_actor", "actor"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The end of the audit chain: one row, locked while entries are appended so they queue."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
