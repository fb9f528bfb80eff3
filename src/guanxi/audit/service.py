"""The audit trail: recorded inside the use case's transaction, chained when it commits.

``record()`` queues an entry on the session. When the session commits, the queued entries are
appended to the chain in one step: the chain's head row is updated first (which makes any
concurrent appender wait for this commit), each entry gets the next ``seq`` and an HMAC over
its content and the previous entry's hash. A rolled-back transaction leaves no entry, and a
committed change never lacks its entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any, Protocol

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from guanxi.audit.models import AuditChainHead, AuditEvent
from guanxi.clock import now
from guanxi.config import get_settings

GENESIS_HASH = "0" * 64
HEAD_ID = 1
_PENDING = "guanxi.audit.pending"


class Auditable(Protocol):
    """Who acts: anything with a user name and, where known, where the request came from."""

    username: str
    source: str | None


def record(
    *,
    session: Session,
    actor: Auditable | str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Queue an audit entry on the session's open transaction; it is written when that commits."""
    username = actor if isinstance(actor, str) else actor.username
    source = None if isinstance(actor, str) else actor.source
    # Begin now, so that rolling this transaction back is a real rollback that drops the entry.
    session.connection()
    within = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(
        (
            within,
            {
                "occurred_at": now(),
                "actor": username,
                "action": action,
                "entity": entity,
                "entity_id": None if entity_id is None else str(entity_id),
                "source": source,
                # Round-trip through JSON so what is hashed is exactly what the database gives back.
                "data": None if data is None else json.loads(json.dumps(data, default=str)),
            },
        )
    )


def pending(session: Session) -> list[dict[str, Any]]:
    """Entries queued on ``session`` and not yet committed."""
    return [entry for _, entry in session.info.get(_PENDING, [])]


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(key: bytes, prev_hash: str, seq: int, entry: dict[str, Any]) -> str:
    """The chained digest of one entry: an HMAC over the previous hash and the entry's content."""
    content = {
        "seq": seq,
        "occurred_at": _stamp(entry["occurred_at"]),
        "actor": entry["actor"],
        "action": entry["action"],
        "entity": entry["entity"],
        "entity_id": entry["entity_id"],
        "source": entry["source"],
        "data": entry["data"],
    }
    message = prev_hash + "\n" + json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def audit_key() -> bytes:
    """The key of the chain's HMAC, from settings (``GUANXI_AUDIT_KEY``)."""
    return hashlib.sha256(b"guanxi:audit:" + get_settings().audit_key.encode("utf-8")).digest()


def _append(session: Session, entries: list[dict[str, Any]]) -> None:
    # Updating the head first takes its row lock (PostgreSQL) or the write lock (SQLite), so
    # appenders queue here and the chain never forks.
    row = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_seq=AuditChainHead.last_seq + len(entries))
        .returning(AuditChainHead.last_seq, AuditChainHead.last_hash)
    ).one()
    key = audit_key()
    seq, prev = row.last_seq - len(entries), row.last_hash
    for entry in entries:
        seq += 1
        digest = entry_hash(key, prev, seq, entry)
        session.add(AuditEvent(seq=seq, prev_hash=prev, hash=digest, **entry))
        prev = digest
    session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(last_hash=prev))
    session.flush()


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    entries = session.info.pop(_PENDING, None)
    if entries:
        _append(session, [entry for _, entry in entries])


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    """Drop the entries queued in the transaction (or savepoint) just rolled back, and only those."""

    def inside(txn: Any) -> bool:
        while txn is not None:
            if txn is previous_transaction:
                return True
            txn = txn.parent
        return False

    kept = [(txn, entry) for txn, entry in session.info.get(_PENDING, []) if not inside(txn)]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_unwritten(session: Session, transaction: Any) -> None:
    """A transaction that ended without committing (closed, or rolled back) takes its entries along."""
    if transaction.parent is None and _PENDING in session.info:
        _drop_pending(session, transaction)


def get_head(session: Session) -> AuditChainHead:
    """The chain's head row."""
    return session.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)).scalar_one()
