"""Rotating the PII keys while Guanxi keeps running.

Configure the new key as ``GUANXI_PII_KEY`` and keep the old one in ``GUANXI_PII_PREVIOUS_KEYS``:
every read works throughout, because each wrapped key names the key that wrapped it. The rotation
then re-wraps every customer's data key (and every TOTP secret) under the new key, a batch per
transaction so no lock is held for long. With ``rekey`` each customer also gets a fresh data key
and their fields are re-encrypted. When it reports nothing left under an old key, drop that key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.db import Bind, session_factory
from guanxi.lake.writer import lake_lock
from guanxi.parties.models import ContactPoint, IdentityDocument, Party
from guanxi.parties.protection import BIRTH_DATE_COLUMN, CONTACT_COLUMN, DOCUMENT_COLUMN
from guanxi.security.actor import Actor
from guanxi.security.auth import TOTP_COLUMN
from guanxi.security.models import User
from guanxi.security.pii import Vault


@dataclass
class RotationReport:
    """What a rotation changed."""

    parties_checked: int = 0
    keys_rewrapped: int = 0
    parties_rekeyed: int = 0
    totp_resealed: int = 0


def _rekey(session: Session, vault: Vault, party: Party) -> None:
    assert party.data_key is not None
    old = vault.unwrap(party.data_key)
    new, wrapped = vault.new_data_key()

    def move(blob: bytes | None, column: str) -> bytes | None:
        return None if blob is None else vault.encrypt(new, vault.decrypt(old, blob, column), column)

    party.birth_date_enc = move(party.birth_date_enc, BIRTH_DATE_COLUMN)
    for contact in session.scalars(select(ContactPoint).where(ContactPoint.party_id == party.id)):
        contact.value_enc = move(contact.value_enc, CONTACT_COLUMN)
    for doc in session.scalars(select(IdentityDocument).where(IdentityDocument.party_id == party.id)):
        doc.number_enc = move(doc.number_enc, DOCUMENT_COLUMN)
    party.data_key = wrapped


def count_keyed_parties(bind: Bind) -> int:
    """How many parties hold a data key (the rotation's amount of work)."""
    with session_factory(bind)() as session:
        return session.scalar(select(func.count()).where(Party.data_key.is_not(None))) or 0


def rotate_keys(
    *,
    bind: Bind,
    vault: Vault,
    actor: Actor,
    lake_root: Path,
    rekey: bool = False,
    batch_size: int = 1_000,
    on_progress: Callable[[int], None] | None = None,
) -> RotationReport:
    """Re-wrap every data key under the current KEK (and optionally re-key every customer)."""
    report = RotationReport()
    factory = session_factory(bind)
    # Re-keying changes data keys, so no load may encrypt with an old one meanwhile.
    with lake_lock(lake_root):
        last_id = 0
        while True:
            with factory() as session, session.begin():
                batch = session.scalars(
                    select(Party)
                    .where(Party.id > last_id, Party.data_key.is_not(None))
                    .order_by(Party.id)
                    .limit(batch_size)
                    .with_for_update()
                ).all()
                if not batch:
                    break
                for party in batch:
                    assert party.data_key is not None
                    if rekey:
                        _rekey(session, vault, party)
                        report.parties_rekeyed += 1
                    elif vault.wrapped_by(party.data_key) != vault.kek_id:
                        party.data_key = vault.wrap(vault.unwrap(party.data_key))
                        report.keys_rewrapped += 1
                report.parties_checked += len(batch)
                last_id = batch[-1].id
            if on_progress is not None:
                on_progress(len(batch))
    with factory() as session, session.begin():
        for user in session.scalars(select(User).where(User.totp_secret_enc.is_not(None)).with_for_update()):
            assert user.totp_secret_enc is not None
            if vault.wrapped_by(user.totp_secret_enc) != vault.kek_id:
                user.totp_secret_enc = vault.seal_with_kek(
                    vault.open_with_kek(user.totp_secret_enc, TOTP_COLUMN), TOTP_COLUMN
                )
                report.totp_resealed += 1
        record(
            session=session,
            actor=actor,
            action="keys.rotate",
            entity="keyring",
            entity_id=vault.kek_id,
            data={
                "rekey": rekey,
                "parties_checked": report.parties_checked,
                "keys_rewrapped": report.keys_rewrapped,
                "parties_rekeyed": report.parties_rekeyed,
                "totp_resealed": report.totp_resealed,
            },
        )
    return report
