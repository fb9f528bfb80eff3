"""Data-subject rights: export everything held about a customer, and erase them.

Erasure is crypto-shredding: the customer's data key is destroyed, so every ciphertext written
with it is unreadable with the keys that remain, and the ciphertexts, blind indexes and free
text are cleared too. Accounts, balances and transactions stay, linked to a de-identified stub,
so the bank's statistics still add up.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from guanxi.accounts.models import Account, AccountRole, Card, Loan, StandingOrder
from guanxi.appointments.models import Appointment
from guanxi.assistant.models import Conversation, ConversationMessage
from guanxi.audit.models import AuditEvent
from guanxi.audit.service import record
from guanxi.cases.models import Case, CaseEvent
from guanxi.clock import now
from guanxi.db import Base
from guanxi.events.models import EventInvitation
from guanxi.interactions.models import Interaction
from guanxi.lake import reader
from guanxi.lake.redact import LAKE_FREE_TEXT, redact_rows
from guanxi.outbox.models import OutboxMessage
from guanxi.parties.models import ContactPoint, Household, HouseholdMember, IdentityDocument, PartyRelationship
from guanxi.parties.protection import CONTACT_COLUMN, DOCUMENT_COLUMN, household_stub_name
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.parties.service import decrypt_birth_date
from guanxi.privacy.schemas import ErasureReport
from guanxi.security.actor import Actor
from guanxi.security.models import ConsentRecord, CustomerCredential
from guanxi.security.permissions import Permission
from guanxi.security.pii import ERASED, Vault
from guanxi.surveys.models import Survey
from guanxi.tasks.models import Task

EXPORT_FORMAT = "guanxi.customer-export/1"
_NEVER_EXPORTED = {"data_key", "birth_date_enc", "value_enc", "value_index", "number_enc", "number_index"}


def _plain(row: Base) -> dict[str, Any]:
    """A row's columns as JSON-ready values (without keys, ciphertexts or indexes)."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in _NEVER_EXPORTED:
            continue
        value = getattr(row, column.key)
        out[column.key] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


def _jsonable(table: Any) -> list[dict[str, Any]]:
    rows = table.to_pylist() if table.num_columns else []
    return [
        {k: (str(v) if not isinstance(v, str | int | float | bool | type(None)) else v) for k, v in r.items()}
        for r in rows
    ]


def _account_ids(session: Session, party_id: int) -> list[int]:
    return list(session.scalars(select(AccountRole.account_id).where(AccountRole.party_id == party_id).distinct()))


def export_party(*, session: Session, actor: Actor, vault: Vault, lake_root: Path, party_id: int) -> dict[str, Any]:
    """Everything Guanxi holds about a customer, machine-readable; the export is audited."""
    actor.require(Permission.CUSTOMER_EXPORT)
    with session.begin():
        party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
        dek = vault.unwrap(party.data_key) if party.data_key is not None else None
        profile = _plain(party)
        profile["birth_date"] = (
            decrypt_birth_date(vault, dek, party).isoformat() if dek and party.birth_date_enc else None
        )
        contacts = []
        for row in session.scalars(
            select(ContactPoint).where(ContactPoint.party_id == party_id).order_by(ContactPoint.id)
        ):
            item = _plain(row)
            item["value"] = vault.decrypt(dek, row.value_enc, CONTACT_COLUMN) if dek and row.value_enc else None
            contacts.append(item)
        documents = []
        for doc in session.scalars(
            select(IdentityDocument).where(IdentityDocument.party_id == party_id).order_by(IdentityDocument.id)
        ):
            item = _plain(doc)
            item["number"] = vault.decrypt(dek, doc.number_enc, DOCUMENT_COLUMN) if dek and doc.number_enc else None
            documents.append(item)
        account_ids = _account_ids(session, party_id)

        def rows_of(model: Any, *conditions: Any) -> list[dict[str, Any]]:
            return [_plain(r) for r in session.scalars(select(model).where(*conditions).order_by(model.id))]

        export: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "generated_at": now().isoformat(),
            "party": profile,
            "contact_points": contacts,
            "identity_documents": documents,
            "households": [
                {"household_id": hid, "name": name, "role": role}
                for hid, name, role in session.execute(
                    select(Household.id, Household.name, HouseholdMember.role)
                    .join(HouseholdMember, HouseholdMember.household_id == Household.id)
                    .where(HouseholdMember.party_id == party_id)
                )
            ],
            # Other people's data is not this customer's to receive: relationships give ids only.
            "relationships": [
                {"kind": r.kind, "from_party_id": r.from_party_id, "to_party_id": r.to_party_id}
                for r in session.scalars(
                    select(PartyRelationship).where(
                        (PartyRelationship.from_party_id == party_id) | (PartyRelationship.to_party_id == party_id)
                    )
                )
            ],
            "accounts": rows_of(Account, Account.id.in_(account_ids)),
            "account_roles": rows_of(AccountRole, AccountRole.party_id == party_id),
            # A co-holder's card is theirs, not this customer's.
            "cards": rows_of(
                Card, Card.account_id.in_(account_ids), (Card.party_id == party_id) | Card.party_id.is_(None)
            ),
            "loans": rows_of(Loan, Loan.account_id.in_(account_ids)),
            "standing_orders": rows_of(StandingOrder, StandingOrder.account_id.in_(account_ids)),
            "consents": rows_of(ConsentRecord, ConsentRecord.party_id == party_id),
            "cases": rows_of(Case, Case.party_id == party_id),
            "case_events": rows_of(CaseEvent, CaseEvent.case_id.in_(select(Case.id).where(Case.party_id == party_id))),
            "interactions": rows_of(Interaction, Interaction.party_id == party_id),
            "conversations": [
                {k: v for k, v in row.items() if k != "token_hash"}
                for row in rows_of(Conversation, Conversation.party_id == party_id)
            ],
            "conversation_messages": rows_of(
                ConversationMessage,
                ConversationMessage.conversation_id.in_(
                    select(Conversation.id).where(Conversation.party_id == party_id)
                ),
            ),
            "surveys": [
                {k: v for k, v in row.items() if k != "token_digest"}
                for row in rows_of(Survey, Survey.party_id == party_id)
            ],
            "appointments": rows_of(Appointment, Appointment.party_id == party_id),
            "event_invitations": rows_of(EventInvitation, EventInvitation.party_id == party_id),
            "messages": rows_of(OutboxMessage, OutboxMessage.party_id == party_id),
            "tasks": rows_of(Task, Task.party_id == party_id),
            "transactions": _jsonable(reader.rows_for(lake_root, "transactions", "account_id", account_ids)),
            "digital_events": _jsonable(reader.rows_for(lake_root, "digital_events", "party_id", [party_id])),
            "access_log": [
                {"occurred_at": e.occurred_at.isoformat(), "actor": e.actor, "action": e.action}
                for e in session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.entity == "party", AuditEvent.entity_id == str(party_id))
                    .order_by(AuditEvent.seq)
                )
            ],
        }
        record(
            session=session,
            actor=actor,
            action="customer.export",
            entity="party",
            entity_id=party_id,
            data={"sections": {k: len(v) for k, v in export.items() if isinstance(v, list)}},
        )
    return export


def _checkpoint_sqlite(session: Session, patience: float = 10.0) -> bool | None:
    """Fold SQLite's write-ahead log into the database file, so old page copies holding the
    destroyed key leave the disk. True when done; False if readers kept it busy (erase again);
    None where it does not apply (PostgreSQL needs a VACUUM instead; see docs/security.md)."""
    bind = session.get_bind()
    if not (isinstance(bind, Engine) and bind.dialect.name == "sqlite"):
        return None
    deadline = time.monotonic() + patience
    raw = bind.raw_connection()
    try:
        while True:
            busy, log_frames, checkpointed = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy and log_frames in (0, -1, checkpointed):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)  # a reader holds an old snapshot; it ends soon
    finally:
        raw.close()


def _erase_servicing_text(session: Session, party_id: int) -> None:
    """Clear the free text of the customer's contacts, case history, surveys, bookings and tasks;
    stop messages not yet delivered."""
    their_cases = select(Case.id).where(Case.party_id == party_id)
    their_conversations = select(Conversation.id).where(Conversation.party_id == party_id)
    for statement in (
        update(CaseEvent).where(CaseEvent.case_id.in_(their_cases)).values(body=None),
        # A case opened by the assistant carries the conversation as its description.
        update(Case).where(Case.party_id == party_id, Case.channel == "assistant").values(description=None),
        update(ConversationMessage)
        .where(ConversationMessage.conversation_id.in_(their_conversations))
        .values(text=ERASED, data=None),
        update(Conversation).where(Conversation.party_id == party_id).values(state={}),
        update(Interaction).where(Interaction.party_id == party_id).values(summary=None, topic=ERASED),
        update(Survey).where(Survey.party_id == party_id).values(comment=None),
        update(Appointment).where(Appointment.party_id == party_id).values(notes=None),
        update(Task).where(Task.party_id == party_id).values(detail=None),
        update(OutboxMessage)
        .where(OutboxMessage.party_id == party_id, OutboxMessage.status == "pending")
        .values(status="cancelled"),
        # Sent messages too: their text quoted the customer's case and carried their survey link.
        update(OutboxMessage).where(OutboxMessage.party_id == party_id).values(subject=ERASED, body=ERASED),
    ):
        session.execute(statement.execution_options(synchronize_session=False))


def erase_party(*, session: Session, actor: Actor, lake_root: Path, party_id: int, reason: str) -> ErasureReport:
    """Erase a customer's personal data for good (crypto-shredding); the erasure is audited.

    The database part commits first; the lake's free text is then cleared. If that second step
    fails, running the erasure again completes it.
    """
    actor.require(Permission.CUSTOMER_ERASE)
    with session.begin():
        party = get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
        first_time = party.erased_at is None
        at = party.erased_at or now()
        if first_time:
            party.data_key = None
            party.birth_date_enc = None
            party.birth_date_masked = ERASED if party.birth_date_masked else None
            # Keep the decade only: age bands still add up, the person cannot be singled out by it.
            party.birth_year = None if party.birth_year is None else party.birth_year // 10 * 10
            party.full_name = f"Erased customer {party.id}"
            party.given_name = party.family_name = party.latin_name = party.occupation = None
            party.erased_at = at
        contacts = session.execute(
            update(ContactPoint)
            .where(ContactPoint.party_id == party_id)
            .values(value_enc=None, value_index=None, value_masked=ERASED, label=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        documents = session.execute(
            update(IdentityDocument)
            .where(IdentityDocument.party_id == party_id)
            .values(number_enc=None, number_index=None, number_masked=ERASED)
            .execution_options(synchronize_session=False)
        ).rowcount
        consents = session.execute(
            update(ConsentRecord)
            .where(ConsentRecord.party_id == party_id, ConsentRecord.evidence.is_not(None))
            .values(evidence=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        cases = session.execute(
            update(Case)
            .where(Case.party_id == party_id)
            .values(subject=ERASED, description=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        _erase_servicing_text(session, party_id)
        # The customer can no longer sign in to customer channels.
        session.execute(delete(CustomerCredential).where(CustomerCredential.party_id == party_id))
        for household_id in session.scalars(
            select(HouseholdMember.household_id).where(HouseholdMember.party_id == party_id)
        ).all():
            session.execute(
                update(Household).where(Household.id == household_id).values(name=household_stub_name(household_id))
            )
        account_ids = _account_ids(session, party_id)
        # Erasing again is harmless: it repeats the clean-up (finishing a lake step that failed).
        record(
            session=session,
            actor=actor,
            action="customer.erase" if first_time else "customer.erase_repeated",
            entity="party",
            entity_id=party_id,
            data={"reason": reason, "contact_points": contacts, "identity_documents": documents},
        )
    storage_cleared = _checkpoint_sqlite(session)
    redacted = 0
    for table, (column, fields) in LAKE_FREE_TEXT.items():
        ids = account_ids if column == "account_id" else [party_id]
        redacted += redact_rows(lake_root, table, column, ids, fields)
    return ErasureReport(
        party_id=party_id,
        erased_at=at,
        contact_points=contacts or 0,
        identity_documents=documents or 0,
        consents_cleared=consents or 0,
        cases_cleared=cases or 0,
        lake_rows_redacted=redacted,
        storage_cleared=storage_cleared,
    )
