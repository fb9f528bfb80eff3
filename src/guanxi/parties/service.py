"""Reading parties: search and the detail of one party."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from guanxi.errors import NotFound
from guanxi.parties.models import ContactPoint, HouseholdMember, IdentityDocument, Party, PartyRelationship
from guanxi.parties.schemas import (
    ContactPointRead,
    IdentityDocumentRead,
    PartyRead,
    PartySummary,
    RelationshipRead,
)


def mask_tail(value: str, visible: int = 4) -> str:
    """Mask all but the last ``visible`` characters."""
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]


def list_parties(
    *, session: Session, query: str | None = None, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[PartySummary], int]:
    """Parties matching a name fragment and status, ordered by name; with the total count."""
    stmt = select(Party)
    if query:
        pattern = f"%{query.strip()}%"
        stmt = stmt.where(
            or_(Party.full_name.ilike(pattern), Party.latin_name.ilike(pattern), Party.source_key == query)
        )
    if status:
        stmt = stmt.where(Party.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Party.full_name, Party.id).limit(limit).offset(offset)).all()
    return [PartySummary.model_validate(p) for p in rows], total


def get_party_or_raise(*, session: Session, party_id: int) -> Party:
    """The party with ``party_id``; raises ``NotFound``."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"no party with id {party_id}", details={"party_id": party_id})
    return party


def get_party_detail(*, session: Session, party_id: int) -> PartyRead:
    """A party with contact points, masked documents, households and relationships."""
    party = get_party_or_raise(session=session, party_id=party_id)
    detail = PartyRead.model_validate(party)
    detail.contact_points = [
        ContactPointRead.model_validate(c)
        for c in session.scalars(
            select(ContactPoint).where(ContactPoint.party_id == party_id).order_by(ContactPoint.kind, ContactPoint.id)
        )
    ]
    detail.identity_documents = [
        IdentityDocumentRead(
            id=d.id,
            doc_type=d.doc_type,
            number_masked=mask_tail(d.number),
            issuing_country=d.issuing_country,
            expires_on=d.expires_on,
            verified=d.verified,
        )
        for d in session.scalars(select(IdentityDocument).where(IdentityDocument.party_id == party_id))
    ]
    detail.household_ids = list(
        session.scalars(select(HouseholdMember.household_id).where(HouseholdMember.party_id == party_id))
    )
    other = aliased(Party)
    outgoing = session.execute(
        select(PartyRelationship.kind, other.id, other.full_name)
        .join(other, other.id == PartyRelationship.to_party_id)
        .where(PartyRelationship.from_party_id == party_id)
    ).all()
    incoming = session.execute(
        select(PartyRelationship.kind, other.id, other.full_name)
        .join(other, other.id == PartyRelationship.from_party_id)
        .where(PartyRelationship.to_party_id == party_id)
    ).all()
    detail.relationships = [
        RelationshipRead(kind=k, direction="from", other_party_id=i, other_party_name=n) for k, i, n in outgoing
    ] + [RelationshipRead(kind=k, direction="to", other_party_id=i, other_party_name=n) for k, i, n in incoming]
    return detail
