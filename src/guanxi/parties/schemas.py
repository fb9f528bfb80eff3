"""Pydantic schemas of the parties API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PartySummary(_Read):
    """A party in a list."""

    id: int
    party_type: str
    full_name: str
    latin_name: str | None
    status: str
    kyc_status: str
    customer_since: dt.date | None


class PartyPage(BaseModel):
    """One page of parties."""

    items: list[PartySummary]
    total: int
    limit: int
    offset: int


class ContactPointRead(_Read):
    """A contact point."""

    id: int
    kind: str
    value: str
    label: str | None
    is_primary: bool
    verified: bool


class IdentityDocumentRead(BaseModel):
    """An identity document; the number is masked."""

    id: int
    doc_type: str
    number_masked: str
    issuing_country: str | None
    expires_on: dt.date | None
    verified: bool


class RelationshipRead(BaseModel):
    """A relationship to another party."""

    kind: str
    direction: str  # "from" this party or "to" it
    other_party_id: int
    other_party_name: str


class PartyRead(_Read):
    """A party with its contact points, documents, households and relationships."""

    id: int
    source_system: str
    source_key: str
    party_type: str
    full_name: str
    given_name: str | None
    family_name: str | None
    latin_name: str | None
    gender: str | None
    birth_date: dt.date | None
    incorporated_on: dt.date | None
    occupation: str | None
    income_band: str | None
    risk_tolerance: int | None
    kyc_status: str
    preferred_language: str | None
    status: str
    customer_since: dt.date | None
    closed_on: dt.date | None
    home_branch_id: int | None
    relationship_manager_id: int | None
    contact_points: list[ContactPointRead] = []
    identity_documents: list[IdentityDocumentRead] = []
    household_ids: list[int] = []
    relationships: list[RelationshipRead] = []
