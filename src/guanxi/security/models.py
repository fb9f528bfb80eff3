"""ORM: consent records (purpose × channel, given or withdrawn, when and how)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, SourceKeyed, UTCDateTime, source_unique


class ConsentRecord(SourceKeyed, Base):
    """One consent event; the latest per party, purpose and channel is in force."""

    __tablename__ = "consents"
    __table_args__ = (
        source_unique(),
        Index("ix_consents_lookup", "party_id", "purpose", "channel", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    captured_via: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str | None] = mapped_column(String(500))


class User(Base):
    """Someone who signs in to Guanxi: staff or an operator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Failed sign-ins since the last success; past a threshold the account locks with back-off.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The TOTP secret is encrypted under the bank's key; the last used step stops replays.
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class AuthToken(Base):
    """A browser session or an API token; only a digest of the token is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_from: Mapped[str | None] = mapped_column(String(64))


class CustomerCredential(Base):
    """How a customer signs in to customer channels (the assistant): apart from staff users."""

    __tablename__ = "customer_credentials"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
