"""ORM: accounts with their holders' roles and current balances, cards, loans and standing orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guanxi.clock import now
from guanxi.db import Amount, Base, BigId, Rate, SourceKeyed, UTCDateTime, source_unique


class Account(SourceKeyed, Base):
    """An account held at the bank (reference data from core banking)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_number: Mapped[str] = mapped_column(String(34), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="active")
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    # Negative balances are amounts the customer owes (cards, loans). NULL: not known yet.
    balance: Mapped[Decimal | None] = mapped_column(Amount())
    balance_as_of: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    credit_limit: Mapped[Decimal | None] = mapped_column(Amount())
    statement_frequency: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class AccountRole(SourceKeyed, Base):
    """A party's role on an account: owner, joint holder or authorised user."""

    __tablename__ = "account_roles"
    __table_args__ = (source_unique(), UniqueConstraint("account_id", "party_id", "role"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class Card(SourceKeyed, Base):
    """A debit or credit card on an account."""

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id", ondelete="SET NULL"), index=True)
    card_type: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    co_brand_partner: Mapped[str | None] = mapped_column(String(100))


class Loan(SourceKeyed, Base):
    """A loan facility booked on an account."""

    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    principal: Mapped[Decimal] = mapped_column(Amount())
    currency: Mapped[str] = mapped_column(String(3))
    term_months: Mapped[int] = mapped_column(Integer)
    monthly_payment: Mapped[Decimal | None] = mapped_column(Amount())
    interest_rate: Mapped[Decimal | None] = mapped_column(Rate())
    granted_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    days_past_due: Mapped[int | None] = mapped_column(Integer)


class StandingOrder(SourceKeyed, Base):
    """A standing payment order from an account."""

    __tablename__ = "standing_orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    beneficiary_bank: Mapped[str | None] = mapped_column(String(64))
    beneficiary_account: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Amount())
    currency: Mapped[str] = mapped_column(String(3))
    purpose: Mapped[str] = mapped_column(String(16))
