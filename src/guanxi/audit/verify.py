"""Checking the audit chain: every entry present, in order, and unchanged since it was written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guanxi.audit.models import AuditEvent
from guanxi.audit.service import GENESIS_HASH, audit_key, entry_hash, get_head


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found: how many entries it checked and the first bad one, if any."""

    checked: int
    ok: bool
    bad_seq: int | None = None
    bad_id: int | None = None
    problem: str | None = None

    def describe(self) -> str:
        """One line for people."""
        if self.ok:
            return f"audit chain intact: {self.checked} entries verified"
        where = f"entry seq {self.bad_seq}" + (f" (id {self.bad_id})" if self.bad_id is not None else "")
        return f"audit chain broken at {where}: {self.problem}"


def verify_chain(session: Session, *, on_progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the log in ``seq`` order and name the first entry that was edited, removed or moved."""
    key = audit_key()
    expected_seq, prev_hash, last_id, checked = 1, GENESIS_HASH, 0, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().yield_per(5_000)
    for event in rows:
        entry = {
            "occurred_at": event.occurred_at,
            "actor": event.actor,
            "action": event.action,
            "entity": event.entity,
            "entity_id": event.entity_id,
            "source": event.source,
            "data": event.data,
        }

        def broken(problem: str, event: AuditEvent = event, checked: int = checked) -> ChainReport:
            return ChainReport(checked, False, event.seq, event.id, problem)

        if event.seq != expected_seq:
            return broken(f"expected seq {expected_seq} here: entries before it were deleted or renumbered")
        if event.id <= last_id:
            return broken("stored out of order: entries were swapped or moved")
        if event.prev_hash != prev_hash:
            return broken("does not follow the entry before it: an entry was deleted, inserted or moved")
        if entry_hash(key, prev_hash, event.seq, entry) != event.hash:
            return broken("its content changed after it was written")
        checked += 1
        expected_seq, prev_hash, last_id = expected_seq + 1, event.hash, event.id
        if on_progress is not None:
            on_progress(1)
    head = get_head(session)
    if head.last_seq != expected_seq - 1 or head.last_hash != prev_hash:
        return ChainReport(
            checked,
            False,
            expected_seq,
            None,
            f"the log ends at seq {expected_seq - 1} but {head.last_seq} entries were written: the last were deleted",
        )
    return ChainReport(checked, True)


def count_entries(session: Session) -> int:
    """How many entries the log holds (for a progress bar)."""
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
