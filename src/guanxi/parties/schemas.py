"""Pydantic schemas of the parties API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


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
    """A contact point; the value is masked (revealing it is a separate, audited request)."""

    id: int
    kind: str
    value_masked: str
    label: str | None
    city: str | None
    country: str | None
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
    other_party_name: str | None  # None when the other party is outside the user's scope


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
    birth_date_masked: str | None
    birth_year: int | None
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
    erased_at: dt.datetime | None
    contact_points: list[ContactPointRead] = []
    identity_documents: list[IdentityDocumentRead] = []
    household_ids: list[int] = []
    relationships: list[RelationshipRead] = []


class RevealRequest(BaseModel):
    """Which personal data to show in clear, and why (the reason goes to the audit log)."""

    fields: list[str] = Field(
        min_length=1,
        max_length=50,
        description='"birth_date", "contact_point:<id>", "identity_document:<id>" or "all"',
    )
    reason: str = Field(min_length=3, max_length=200)


class RevealedContact(BaseModel):
    """A contact point in clear."""

    id: int
    kind: str
    value: str


class RevealedDocument(BaseModel):
    """An identity document number in clear."""

    id: int
    doc_type: str
    number: str


class PiiReveal(BaseModel):
    """Personal data shown in clear to a permitted user; each reveal is audited."""

    party_id: int
    birth_date: dt.date | None = None
    contact_points: list[RevealedContact] = []
    identity_documents: list[RevealedDocument] = []
