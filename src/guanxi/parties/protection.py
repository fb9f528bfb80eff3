"""Writing personal data: rows carrying plaintext PII become ciphertext, mask and blind index.

Every path that stores a birth date, contact value or document number goes through here (the
ingest, key rotation), so the rules are in one place. An unchanged value keeps its ciphertext,
so reloading the same extract changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.parties.models import ContactPoint, Household, HouseholdMember, IdentityDocument, Party
from guanxi.security.pii import SEARCHABLE_KINDS, DecryptionFailed, Vault, mask, mask_date

BIRTH_DATE_COLUMN = "parties.birth_date"
CONTACT_COLUMN = "contact_points.value"
DOCUMENT_COLUMN = "identity_documents.number"

# The plaintext field of each protected table and the columns it is stored as.
PROTECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "parties": ("birth_date", ("birth_date_enc", "birth_date_masked", "birth_year")),
    "contact_points": ("value", ("value_enc", "value_masked", "value_index")),
    "identity_documents": ("number", ("number_enc", "number_masked", "number_index")),
}


def stored_columns(table: str, fields: Iterable[str]) -> frozenset[str]:
    """The stored columns standing for ``fields`` of ``table`` (plaintext fields map to their columns)."""
    field, columns = PROTECTED.get(table, ("", ()))
    out: set[str] = set()
    for name in fields:
        out.update(columns if name == field else (name,))
    return frozenset(out)


def _reuse(vault: Vault, dek: bytes, blob: bytes | None, plaintext: str, column: str) -> bytes:
    """The old ciphertext when it still holds ``plaintext``; a fresh one otherwise."""
    if blob is not None:
        try:
            if vault.decrypt(dek, blob, column) == plaintext:
                return blob
        except DecryptionFailed:
            pass
    return vault.encrypt(dek, plaintext, column)


def protect_parties(
    session: Session, vault: Vault, rows: list[dict[str, Any]], source_system: str
) -> tuple[list[dict[str, Any]], int]:
    """Give new parties a data key and encrypt birth dates; drop rows of erased parties.

    Returns the rows to write and how many were dropped because the customer was erased.
    """
    keys = [r["source_key"] for r in rows]
    existing = {
        key: (data_key, blob, erased)
        for key, data_key, blob, erased in session.execute(
            select(Party.source_key, Party.data_key, Party.birth_date_enc, Party.erased_at).where(
                Party.source_system == source_system, Party.source_key.in_(keys)
            )
        )
    }
    kept: list[dict[str, Any]] = []
    for row in rows:
        data_key, blob, erased = existing.get(row["source_key"], (None, None, None))
        if erased is not None:
            continue  # an erased customer's data never comes back, whatever core banking still sends
        if data_key is None:
            dek, data_key = vault.new_data_key()
        else:
            dek = vault.unwrap(data_key)
        row["data_key"] = data_key
        born: dt.date | None = row.pop("birth_date", None)
        row["birth_date_enc"] = None if born is None else _reuse(vault, dek, blob, born.isoformat(), BIRTH_DATE_COLUMN)
        row["birth_date_masked"] = None if born is None else mask_date(born)
        row["birth_year"] = None if born is None else born.year
        kept.append(row)
    return kept, len(rows) - len(kept)


def _party_keys(session: Session, vault: Vault, party_ids: set[int]) -> dict[int, bytes | None]:
    rows = session.execute(select(Party.id, Party.data_key).where(Party.id.in_(party_ids)))
    return {pid: (vault.unwrap(wrapped) if wrapped is not None else None) for pid, wrapped in rows}


def protect_details(
    session: Session, vault: Vault, table: str, rows: list[dict[str, Any]], source_system: str
) -> tuple[list[dict[str, Any]], int]:
    """Encrypt contact values or document numbers with their party's key; drop erased parties' rows."""
    model = ContactPoint if table == "contact_points" else IdentityDocument
    field, (enc, masked, index) = PROTECTED[table]
    column = CONTACT_COLUMN if table == "contact_points" else DOCUMENT_COLUMN
    deks = _party_keys(session, vault, {r["party_id"] for r in rows if r["party_id"] is not None})
    old: dict[str, bytes | None] = {
        key: blob
        for key, blob in session.execute(
            select(model.source_key, getattr(model, enc)).where(
                model.source_system == source_system, model.source_key.in_([r["source_key"] for r in rows])
            )
        )
    }
    kept: list[dict[str, Any]] = []
    for row in rows:
        dek = deks.get(row["party_id"])
        if dek is None:
            continue  # the party was erased: its details are not stored again
        plaintext: str = row.pop(field)
        kind = row["kind"] if table == "contact_points" else "id_number"
        row[enc] = _reuse(vault, dek, old.get(row["source_key"]), plaintext, column)
        row[masked] = mask(kind, plaintext)
        row[index] = vault.blind_index(kind, plaintext) if kind in SEARCHABLE_KINDS else None
        kept.append(row)
    return kept, len(rows) - len(kept)


def household_stub_name(household_id: int) -> str:
    """What a household is called once one of its members has been erased."""
    return f"Household {household_id}"


def _withhold_erased_free_text(session: Session, table: str, rows: list[dict[str, Any]], source_system: str) -> None:
    """Free text that named an erased customer is not stored again (consent evidence, household names)."""
    if table == "consents":
        party_ids = {r["party_id"] for r in rows if r.get("party_id") is not None}
        erased = set(session.scalars(select(Party.id).where(Party.id.in_(party_ids), Party.erased_at.is_not(None))))
        for row in rows:
            if row.get("party_id") in erased:
                row["evidence"] = None
    elif table == "households":
        stubs = {
            key: household_stub_name(hid)
            for key, hid in session.execute(
                select(Household.source_key, Household.id)
                .join(HouseholdMember, HouseholdMember.household_id == Household.id)
                .join(Party, Party.id == HouseholdMember.party_id)
                .where(
                    Household.source_system == source_system,
                    Household.source_key.in_([r["source_key"] for r in rows]),
                    Party.erased_at.is_not(None),
                )
                .distinct()
            )
        }
        for row in rows:
            if row["source_key"] in stubs:
                row["name"] = stubs[row["source_key"]]


def protect_rows(
    session: Session, vault: Vault, table: str, rows: list[dict[str, Any]], source_system: str
) -> tuple[list[dict[str, Any]], int]:
    """Protect the personal data in a batch of rows bound for ``table`` (others pass through)."""
    if table == "parties":
        return protect_parties(session, vault, rows, source_system)
    if table in PROTECTED:
        return protect_details(session, vault, table, rows, source_system)
    _withhold_erased_free_text(session, table, rows, source_system)
    return rows, 0
