"""Pydantic schemas of the accounts API. Money is a Decimal, sent as a string to stay exact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class AccountHolderRead(BaseModel):
    """A party's role on an account."""

    party_id: int
    full_name: str | None  # None when the holder is outside the user's scope
    role: str


class AccountRead(BaseModel):
    """An account with its product and holders."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_number: str
    product_id: int
    product_name: str
    product_family: str
    branch_id: int | None
    currency: str
    status: str
    opened_on: dt.date
    closed_on: dt.date | None
    balance: Decimal | None
    balance_as_of: dt.datetime | None
    credit_limit: Decimal | None
    holders: list[AccountHolderRead] = []


class TransactionRead(BaseModel):
    """A booked transaction from the lake."""

    source_key: str
    booked_at: dt.datetime
    amount: Decimal
    currency: str
    direction: str
    channel: str
    txn_type: str
    merchant_category: str | None
    counterparty: str | None
    description: str | None
    balance_after: Decimal | None


class TransactionPage(BaseModel):
    """One page of an account's transactions, newest first."""

    items: list[TransactionRead]
    total: int
    limit: int
    offset: int
