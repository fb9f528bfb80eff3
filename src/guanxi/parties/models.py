"""ORM: parties (individuals and organisations), their contact points, identity documents,
households and relationships between parties."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Base, BigId, SourceKeyed, UTCDateTime, source_unique


class Party(SourceKeyed, Base):
    """A customer or other party: a person or an organisation."""

    __tablename__ = "parties"
    __table_args__ = (
        source_unique(),
        CheckConstraint("risk_tolerance IS NULL OR risk_tolerance BETWEEN 1 AND 5", name="risk_tolerance_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_type: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    latin_name: Mapped[str | None] = mapped_column(String(200))
    gender: Mapped[str | None] = mapped_column(String(16))
    # The birth date is personal data: encrypted, shown masked; the year alone serves analytics.
    birth_date_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    birth_date_masked: Mapped[str | None] = mapped_column(String(16))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    incorporated_on: Mapped[dt.date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(100))
    income_band: Mapped[str | None] = mapped_column(String(16))
    risk_tolerance: Mapped[int | None] = mapped_column(Integer)
    kyc_status: Mapped[str] = mapped_column(String(16), default="pending")
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    customer_since: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    home_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    relationship_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # This party's data key, wrapped by the bank's key; destroyed on erasure (crypto-shredding).
    data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class ContactPoint(SourceKeyed, Base):
    """A way to reach a party: phone, email, address or WeChat id, with its verification state."""

    __tablename__ = "contact_points"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    value_masked: Mapped[str] = mapped_column(String(500))
    value_index: Mapped[str | None] = mapped_column(String(32), index=True)
    label: Mapped[str | None] = mapped_column(String(30))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class IdentityDocument(SourceKeyed, Base):
    """An identity document seen for a party."""

    __tablename__ = "identity_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(32))
    number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    number_masked: Mapped[str] = mapped_column(String(64))
    number_index: Mapped[str | None] = mapped_column(String(32), index=True)
    issuing_country: Mapped[str | None] = mapped_column(String(2))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class Household(SourceKeyed, Base):
    """A household: parties who share finances."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class HouseholdMember(SourceKeyed, Base):
    """A party's membership of a household."""

    __tablename__ = "household_members"
    __table_args__ = (source_unique(), UniqueConstraint("household_id", "party_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class PartyRelationship(SourceKeyed, Base):
    """A directed relationship between two parties (spouse, guarantor, director of…)."""

    __tablename__ = "party_relationships"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    from_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    to_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
