"""Reading parties: search (by name, key, or personal data through blind indexes), detail, and
the audited reveal of personal data. Every read applies the actor's row scope."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from guanxi.audit.service import record
from guanxi.errors import NotFound, ValidationFailed
from guanxi.parties.models import ContactPoint, HouseholdMember, IdentityDocument, Party, PartyRelationship
from guanxi.parties.schemas import (
    ContactPointRead,
    IdentityDocumentRead,
    PartyRead,
    PartySummary,
    PiiReveal,
    RelationshipRead,
    RevealedContact,
    RevealedDocument,
)
from guanxi.parties.scope import get_visible_party_or_raise, visible_parties, visible_party_ids
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.security.pii import SEARCHABLE_KINDS, Vault

BIRTH_DATE_COLUMN = "parties.birth_date"
CONTACT_COLUMN = "contact_points.value"
DOCUMENT_COLUMN = "identity_documents.number"


def _by_personal_data(vault: Vault, query: str) -> list:
    """Conditions matching parties whose phone, email, WeChat id or document number equals ``query``."""
    contact_digests = [vault.blind_index(kind, query) for kind in sorted(SEARCHABLE_KINDS - {"id_number"})]
    document_digest = vault.blind_index("id_number", query)
    return [
        Party.id.in_(select(ContactPoint.party_id).where(ContactPoint.value_index.in_(contact_digests))),
        Party.id.in_(select(IdentityDocument.party_id).where(IdentityDocument.number_index == document_digest)),
    ]


def list_parties(
    *,
    session: Session,
    actor: Actor,
    vault: Vault,
    query: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[PartySummary], int]:
    """Parties the actor may see matching a name, key, phone, email or id number; with the total."""
    actor.require(Permission.CUSTOMER_READ)
    stmt = select(Party).where(visible_parties(actor))
    if query and query.strip():
        text = query.strip()
        pattern = f"%{text}%"
        stmt = stmt.where(
            or_(
                Party.full_name.ilike(pattern),
                Party.latin_name.ilike(pattern),
                Party.source_key == text,
                *_by_personal_data(vault, text),
            )
        )
    if status:
        stmt = stmt.where(Party.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Party.full_name, Party.id).limit(limit).offset(offset)).all()
    return [PartySummary.model_validate(p) for p in rows], total


def get_party_or_raise(*, session: Session, party_id: int) -> Party:
    """The party with ``party_id`` regardless of scope (internal use); raises ``NotFound``."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"no party with id {party_id}", details={"party_id": party_id})
    return party


def get_party_detail(*, session: Session, actor: Actor, party_id: int) -> PartyRead:
    """A party with masked contact points and documents, households and relationships."""
    actor.require(Permission.CUSTOMER_READ)
    party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
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
            number_masked=d.number_masked,
            issuing_country=d.issuing_country,
            expires_on=d.expires_on,
            verified=d.verified,
        )
        for d in session.scalars(
            select(IdentityDocument).where(IdentityDocument.party_id == party_id).order_by(IdentityDocument.id)
        )
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
    # Another party's name is shown only to those who may see that party.
    visible = visible_party_ids(session, actor, [i for _, i, _ in (*outgoing, *incoming)])
    detail.relationships = [
        RelationshipRead(kind=k, direction=direction, other_party_id=i, other_party_name=n if i in visible else None)
        for direction, rows in (("from", outgoing), ("to", incoming))
        for k, i, n in rows
    ]
    return detail


def _parse_fields(fields: list[str]) -> tuple[bool, set[int] | None, set[int] | None]:
    """(birth date?, contact ids, document ids); ``None`` ids mean all of that kind."""
    if "all" in fields:
        return True, None, None
    birth, contacts, documents = False, set(), set()
    for name in fields:
        kind, _, raw_id = name.partition(":")
        if kind == "birth_date" and not raw_id:
            birth = True
            continue
        if kind in ("contact_point", "identity_document") and raw_id.isdigit():
            (contacts if kind == "contact_point" else documents).add(int(raw_id))
            continue
        raise ValidationFailed(
            f"unknown field '{name}': use birth_date, contact_point:<id>, identity_document:<id> or all",
            details={"field": name},
        )
    return birth, contacts, documents


def decrypt_birth_date(vault: Vault, dek: bytes, party: Party) -> dt.date | None:
    """A party's birth date in clear."""
    if party.birth_date_enc is None:
        return None
    return dt.date.fromisoformat(vault.decrypt(dek, party.birth_date_enc, BIRTH_DATE_COLUMN))


def reveal_pii(
    *, session: Session, actor: Actor, vault: Vault, party_id: int, fields: list[str], reason: str
) -> PiiReveal:
    """Show personal data in clear to a permitted actor, recording which fields and why."""
    actor.require(Permission.CUSTOMER_PII_READ)
    birth, contacts, documents = _parse_fields(fields)
    with session.begin():
        party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
        if party.data_key is None:
            raise NotFound(f"party {party_id} has no personal data (erased or never held)")
        dek = vault.unwrap(party.data_key)
        result = PiiReveal(party_id=party_id, birth_date=decrypt_birth_date(vault, dek, party) if birth else None)
        contact_rows = session.scalars(
            select(ContactPoint).where(ContactPoint.party_id == party_id).order_by(ContactPoint.id)
        ).all()
        for row in contact_rows:
            if (contacts is None or row.id in contacts) and row.value_enc is not None:
                result.contact_points.append(
                    RevealedContact(id=row.id, kind=row.kind, value=vault.decrypt(dek, row.value_enc, CONTACT_COLUMN))
                )
        document_rows = session.scalars(
            select(IdentityDocument).where(IdentityDocument.party_id == party_id).order_by(IdentityDocument.id)
        ).all()
        for doc in document_rows:
            if (documents is None or doc.id in documents) and doc.number_enc is not None:
                result.identity_documents.append(
                    RevealedDocument(
                        id=doc.id, doc_type=doc.doc_type, number=vault.decrypt(dek, doc.number_enc, DOCUMENT_COLUMN)
                    )
                )
        missing = sorted((contacts or set()) - {c.id for c in result.contact_points}) + sorted(
            (documents or set()) - {d.id for d in result.identity_documents}
        )
        if missing:
            raise NotFound(f"party {party_id} has no such contact point or document: {missing}")
        revealed = (["birth_date"] if birth else []) + [f"contact_point:{c.id}" for c in result.contact_points]
        revealed += [f"identity_document:{d.id}" for d in result.identity_documents]
        record(
            session=session,
            actor=actor,
            action="customer.pii.reveal",
            entity="party",
            entity_id=party_id,
            data={"fields": revealed, "reason": reason},
        )
    return result
