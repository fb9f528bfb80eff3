"""The audit log is a hash chain: an untouched log verifies, and an edited, deleted, swapped or
truncated entry is named exactly. The database itself refuses updates and deletes.

Every test runs on each backend. The engine is shared by the whole session and each test's writes
are rolled back, so expectations are computed from what the log holds when the test starts.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import Connection, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from guanxi.audit.models import AuditChainHead, AuditEvent
from guanxi.audit.service import HEAD_ID, pending, record
from guanxi.audit.verify import ChainReport, verify_chain
from guanxi.cli.common import ExitCode
from guanxi.cli.main import app
from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory
from guanxi.security.models import User
from guanxi.security.service import SYSTEM, create_user

PASSWORD = "Correct-Horse-Battery-9"
EVENTS = AuditEvent.__table__
runner = CliRunner()


# -- helpers ------------------------------------------------------------------------------------
def _count(bind: Connection) -> int:
    return bind.scalar(select(func.count()).select_from(EVENTS)) or 0


def _head(bind: Connection) -> tuple[int, str]:
    row = bind.execute(
        select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(AuditChainHead.id == HEAD_ID)
    ).one()
    return int(row.last_seq), str(row.last_hash)


def _write_entries(session: Session, username: str = "chain.user") -> list[tuple[int, int]]:
    """Four entries written through real use cases; their (seq, id) in chain order."""
    with session.begin():
        create_user(
            session=session,
            actor=SYSTEM,
            username=username,
            display_name="Chain User",
            role="auditor",
            password=PASSWORD,
        )
    for n in range(3):
        record(session=session, actor=SYSTEM, action="test.touch", entity="thing", entity_id=n, data={"n": n})
        session.commit()
    rows = session.execute(select(AuditEvent.seq, AuditEvent.id).order_by(AuditEvent.seq.desc()).limit(4)).all()
    return [(int(seq), int(id_)) for seq, id_ in reversed(rows)]


def _verify(bind: Connection) -> ChainReport:
    """Verify as the API and the CLI do: with a session of its own (nothing cached)."""
    with session_factory(bind)() as fresh:
        return verify_chain(fresh)


def _allow_tampering(bind: Connection) -> None:
    """Play an attacker with database access: switch off the append-only triggers (rolled back later)."""
    if bind.dialect.name == "postgresql":
        bind.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        bind.execute(text("DROP TRIGGER audit_events_no_update"))
        bind.execute(text("DROP TRIGGER audit_events_no_delete"))


def _row(bind: Connection, entry_id: int) -> dict[str, Any]:
    return dict(bind.execute(select(EVENTS).where(EVENTS.c.id == entry_id)).mappings().one())


@pytest.fixture
def chain(session: Session, bind: Connection) -> tuple[int, list[tuple[int, int]]]:
    """Four new entries on top of whatever the log held; returns (entries before, [(seq, id)])."""
    before = _count(bind)
    # the log is consistent to start with: its head counts exactly the entries present
    assert _head(bind)[0] == before
    entries = _write_entries(session)
    assert [seq for seq, _ in entries] == [before + 1, before + 2, before + 3, before + 4]
    return before, entries


# -- an untouched log ---------------------------------------------------------------------------
def test_an_untouched_log_verifies_every_entry(chain, bind):
    # given four entries written by real use cases
    before, entries = chain
    # when the chain is verified
    report = _verify(bind)
    # then every entry is checked and nothing is wrong
    assert report == ChainReport(checked=before + 4, ok=True)
    assert report.describe() == f"audit chain intact: {before + 4} entries verified"
    # and the head points at the last entry
    last = _row(bind, entries[-1][1])
    assert _head(bind) == (before + 4, last["hash"])


def test_entries_link_to_each_other(chain, bind):
    # given four entries
    _, entries = chain
    rows = [_row(bind, entry_id) for _, entry_id in entries]
    # then each names the previous entry's hash
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert rows[0]["action"] == "user.create"
    assert [r["action"] for r in rows[1:]] == ["test.touch"] * 3


# -- tampering ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [{"data": {"n": 999}}, {"actor": "mallory"}, {"data": None}],
    ids=["data", "actor", "data-removed"],
)
def test_an_edited_entry_is_named(chain, bind, change):
    # given four entries, and an attacker who edits the second of them
    before, entries = chain
    _allow_tampering(bind)
    seq, entry_id = entries[1]
    assert bind.execute(update(EVENTS).where(EVENTS.c.id == entry_id).values(**change)).rowcount == 1
    # when the chain is verified
    report = _verify(bind)
    # then exactly that entry is named, after the entries before it checked out
    assert report == ChainReport(
        checked=before + 1,
        ok=False,
        bad_seq=seq,
        bad_id=entry_id,
        problem="its content changed after it was written",
    )
    assert report.describe() == (
        f"audit chain broken at entry seq {seq} (id {entry_id}): its content changed after it was written"
    )


def test_an_edited_entry_with_a_recomputed_plain_hash_is_still_caught(chain, bind):
    # given an attacker who edits the second entry and rewrites its hash without the audit key
    before, entries = chain
    _allow_tampering(bind)
    seq, entry_id = entries[1]
    forged = hashlib.sha256(b"anything without the key").hexdigest()
    bind.execute(update(EVENTS).where(EVENTS.c.id == entry_id).values(actor="mallory", hash=forged))
    # when the chain is verified
    report = _verify(bind)
    # then the edited entry is named (its HMAC does not match)
    assert (report.ok, report.checked, report.bad_seq, report.bad_id) == (False, before + 1, seq, entry_id)
    assert report.problem == "its content changed after it was written"


def test_a_deleted_middle_entry_is_named_by_the_entry_after_the_gap(chain, bind):
    # given four entries, and an attacker who deletes the second of them
    before, entries = chain
    _allow_tampering(bind)
    deleted_seq, deleted_id = entries[1]
    assert bind.execute(delete(EVENTS).where(EVENTS.c.id == deleted_id)).rowcount == 1
    # when the chain is verified
    report = _verify(bind)
    # then the entry after the gap is named
    after_seq, after_id = entries[2]
    assert report == ChainReport(
        checked=before + 1,
        ok=False,
        bad_seq=after_seq,
        bad_id=after_id,
        problem=f"expected seq {deleted_seq} here: entries before it were deleted or renumbered",
    )


def test_entries_whose_seq_values_are_exchanged_are_caught_at_the_first(chain, bind):
    # given four entries, and an attacker who exchanges the seq of the second and third
    before, entries = chain
    _allow_tampering(bind)
    (seq_a, id_a), (seq_b, id_b) = entries[1], entries[2]
    bind.execute(update(EVENTS).where(EVENTS.c.id == id_a).values(seq=-1))
    bind.execute(update(EVENTS).where(EVENTS.c.id == id_b).values(seq=seq_a))
    bind.execute(update(EVENTS).where(EVENTS.c.id == id_a).values(seq=seq_b))
    # when the chain is verified
    report = _verify(bind)
    # then the first position of the two is named: the entry now there does not follow its predecessor
    assert report == ChainReport(
        checked=before + 1,
        ok=False,
        bad_seq=seq_a,
        bad_id=id_b,
        problem="does not follow the entry before it: an entry was deleted, inserted or moved",
    )


def test_entries_whose_contents_are_exchanged_are_caught(chain, bind):
    # given four entries, and an attacker who exchanges every column but id of the second and third
    # (each row's content and hashes stay self-consistent: only the storage order betrays it)
    before, entries = chain
    _allow_tampering(bind)
    (seq_a, id_a), (seq_b, id_b) = entries[1], entries[2]
    row_a, row_b = _row(bind, id_a), _row(bind, id_b)
    content = [c.name for c in EVENTS.columns if c.name != "id"]
    bind.execute(update(EVENTS).where(EVENTS.c.id == id_a).values(seq=-1))
    bind.execute(update(EVENTS).where(EVENTS.c.id == id_b).values({c: row_a[c] for c in content}))
    bind.execute(update(EVENTS).where(EVENTS.c.id == id_a).values({c: row_b[c] for c in content}))
    assert _row(bind, id_b)["seq"] == seq_a
    assert _row(bind, id_a)["seq"] == seq_b
    # when the chain is verified
    report = _verify(bind)
    # then the chain holds up to the moved content, and the first of the two rows (lowest id),
    # now stored after a later row, is named
    assert report == ChainReport(
        checked=before + 2,
        ok=False,
        bad_seq=seq_b,
        bad_id=id_a,
        problem="stored out of order: entries were swapped or moved",
    )


def test_deleting_the_last_entry_is_caught_by_the_head(chain, bind):
    # given four entries, and an attacker who deletes the newest
    before, entries = chain
    _allow_tampering(bind)
    last_seq, last_id = entries[-1]
    assert bind.execute(delete(EVENTS).where(EVENTS.c.id == last_id)).rowcount == 1
    # when the chain is verified
    report = _verify(bind)
    # then every remaining entry checks out, but the head knows one more was written
    assert report == ChainReport(
        checked=before + 3,
        ok=False,
        bad_seq=last_seq,
        bad_id=None,
        problem=f"the log ends at seq {last_seq - 1} but {last_seq} entries were written: the last were deleted",
    )
    assert report.describe() == (
        f"audit chain broken at entry seq {last_seq}: the log ends at seq {last_seq - 1} "
        f"but {last_seq} entries were written: the last were deleted"
    )


def test_deleting_the_last_two_entries_is_caught_by_the_head(chain, bind):
    # given four entries, and an attacker who deletes the newest two
    before, entries = chain
    _allow_tampering(bind)
    bind.execute(delete(EVENTS).where(EVENTS.c.id.in_([entries[-1][1], entries[-2][1]])))
    # when the chain is verified
    report = _verify(bind)
    # then the first missing seq is named
    assert report == ChainReport(
        checked=before + 2,
        ok=False,
        bad_seq=before + 3,
        bad_id=None,
        problem=f"the log ends at seq {before + 2} but {before + 4} entries were written: the last were deleted",
    )


# -- transactions -------------------------------------------------------------------------------
def test_a_rolled_back_transaction_leaves_no_entry_and_does_not_move_the_head(session, bind):
    # given the log as it is
    before, head = _count(bind), _head(bind)
    # when a use case records an entry and then fails
    with pytest.raises(RuntimeError, match="changed my mind"), session.begin():
        create_user(
            session=session,
            actor=SYSTEM,
            username="never.created",
            display_name="Never",
            role="auditor",
            password=PASSWORD,
        )
        record(session=session, actor=SYSTEM, action="test.rolled_back", entity="thing", entity_id=1)
        raise RuntimeError("changed my mind")
    # then neither the change nor its entries exist, nothing is queued, and the head did not move
    assert session.scalar(select(User.id).where(User.username == "never.created")) is None
    assert _count(bind) == before
    assert _head(bind) == head
    assert pending(session) == []
    assert _verify(bind) == ChainReport(checked=before, ok=True)


def test_after_a_rollback_the_next_commit_writes_only_its_own_entry(session, bind):
    # given a use case that recorded an entry (before touching the database) and rolled back
    before, (head_seq, _) = _count(bind), _head(bind)
    record(session=session, actor=SYSTEM, action="test.rolled_back", entity="thing", entity_id=1)
    session.rollback()
    # when the next use case commits its own entry
    record(session=session, actor=SYSTEM, action="test.kept", entity="thing", entity_id=2)
    session.commit()
    # then only that entry was written, right after the previous head
    rows = bind.execute(select(EVENTS.c.seq, EVENTS.c.action).where(EVENTS.c.seq > head_seq)).all()
    assert [tuple(r) for r in rows] == [(head_seq + 1, "test.kept")]
    assert _count(bind) == before + 1
    assert _verify(bind) == ChainReport(checked=before + 1, ok=True)


def test_after_a_rollback_of_an_open_transaction_the_next_commit_writes_only_its_own_entry(session, bind):
    # given a use case that read something, recorded an entry and rolled back
    before, (head_seq, _) = _count(bind), _head(bind)
    session.execute(select(func.count()).select_from(User))
    record(session=session, actor=SYSTEM, action="test.rolled_back", entity="thing", entity_id=1)
    session.rollback()
    # when the next use case commits its own entry
    record(session=session, actor=SYSTEM, action="test.kept", entity="thing", entity_id=2)
    session.commit()
    # then only that entry was written
    rows = bind.execute(select(EVENTS.c.seq, EVENTS.c.action).where(EVENTS.c.seq > head_seq)).all()
    assert [tuple(r) for r in rows] == [(head_seq + 1, "test.kept")]
    assert _count(bind) == before + 1


def test_a_rolled_back_savepoint_keeps_the_entries_of_the_committed_transaction(session, bind):
    # given a use case that records its entry, then tries something in a savepoint that fails
    _, (head_seq, _) = _count(bind), _head(bind)
    with session.begin():
        create_user(
            session=session, actor=SYSTEM, username="kept.user", display_name="Kept", role="auditor", password=PASSWORD
        )
        with pytest.raises(RuntimeError), session.begin_nested():
            record(session=session, actor=SYSTEM, action="test.inner", entity="thing", entity_id=1)
            raise RuntimeError("inner step failed")
    # then the committed change has its entry, and the rolled-back step has none
    assert session.scalar(select(User.id).where(User.username == "kept.user")) is not None
    rows = bind.execute(select(EVENTS.c.seq, EVENTS.c.action).where(EVENTS.c.seq > head_seq)).all()
    assert [tuple(r) for r in rows] == [(head_seq + 1, "user.create")]


def test_a_failed_commit_writes_no_entry(session, bind):
    # given a user that exists
    with session.begin():
        create_user(
            session=session, actor=SYSTEM, username="dup.user", display_name="Dup", role="auditor", password=PASSWORD
        )
    before, head = _count(bind), _head(bind)
    # when a second use case records an entry but its change breaks a constraint at commit
    with pytest.raises(DBAPIError), session.begin():
        record(session=session, actor=SYSTEM, action="test.doomed", entity="user", entity_id=0)
        session.add(User(username="dup.user", display_name="Dup", role="auditor", password_hash="x"))
    # then no entry was written and the head is where it was
    assert _count(bind) == before
    assert _head(bind) == head
    assert _verify(bind) == ChainReport(checked=before, ok=True)


# -- the database refuses changes ---------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'mallory' WHERE id = :id",
        "UPDATE audit_events SET data = NULL WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
    ids=["update-actor", "update-data", "delete-one", "delete-all"],
)
def test_the_database_refuses_to_change_the_log(chain, bind, statement):
    # given four entries and the append-only triggers in place
    before, entries = chain
    entry_id = entries[1][1]
    original = _row(bind, entry_id)
    # when an UPDATE or DELETE is attempted
    with pytest.raises(DBAPIError, match="audit_events is append-only"), bind.begin_nested():
        bind.execute(text(statement), {"id": entry_id})
    # then nothing changed and the chain still verifies
    assert _row(bind, entry_id) == original
    assert _count(bind) == before + 4
    assert _verify(bind) == ChainReport(checked=before + 4, ok=True)


def test_the_orm_cannot_edit_an_entry_either(chain, session, bind):
    # given an entry loaded through the ORM
    _, entries = chain
    entry = session.get(AuditEvent, entries[1][1])
    assert entry is not None
    # when it is changed and committed
    entry.actor = "mallory"
    with pytest.raises(DBAPIError, match="audit_events is append-only"):
        session.commit()
    session.rollback()
    # then the stored entry is unchanged
    assert _row(bind, entries[1][1])["actor"] == SYSTEM.username


def test_emptying_the_whole_table_is_refused(chain, bind):
    # given a chain; when someone empties the table at once (TRUNCATE on PostgreSQL; SQLite has
    # no TRUNCATE, its equivalent is a DELETE without WHERE, which the trigger sees row by row)
    before, _ = chain
    statement = "TRUNCATE audit_events" if bind.dialect.name == "postgresql" else "DELETE FROM audit_events"
    with pytest.raises(DBAPIError, match="audit_events is append-only"), bind.begin_nested():
        bind.execute(text(statement))
    # then every entry is still there
    assert _count(bind) == before + 4


# -- guanxi audit verify ------------------------------------------------------------------------
@pytest.fixture
def migrated() -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at revision head" in result.output


def _cli_users(count: int) -> None:
    for n in range(count):
        result = runner.invoke(
            app, ["users", "create", f"clerk.{n}", "--role", "auditor", "--password", "Str0ng-Passphrase"]
        )
        assert result.exit_code == 0, result.output


def _flat(text_: str) -> str:
    return " ".join(text_.split())


def test_cli_verify_reports_an_intact_chain(migrated):
    # given three audited use cases in a fresh database
    _cli_users(3)
    # when the chain is verified
    result = runner.invoke(app, ["audit", "verify"])
    # then it exits 0 and says so
    assert result.exit_code == ExitCode.OK, result.output
    assert "ok: audit chain intact: 3 entries verified" in _flat(result.stdout)


def test_cli_verify_reports_an_intact_chain_as_json(migrated):
    _cli_users(3)
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == ExitCode.OK, result.output
    assert json.loads(result.stdout) == {"checked": 3, "ok": True, "bad_seq": None, "bad_id": None, "problem": None}


def _tamper_with_file_database(seq: int) -> int:
    """Edit the entry ``seq`` of the CLI's SQLite database behind Guanxi's back; return its id."""
    engine = make_engine(get_settings().resolved_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            entry_id = connection.scalar(select(EVENTS.c.id).where(EVENTS.c.seq == seq))
            connection.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(actor="mallory"))
    finally:
        engine.dispose()
    assert entry_id is not None
    return int(entry_id)


def test_cli_verify_exits_1_and_names_a_tampered_entry(migrated):
    # given three entries, the second edited behind Guanxi's back
    _cli_users(3)
    entry_id = _tamper_with_file_database(seq=2)
    # when the chain is verified
    result = runner.invoke(app, ["audit", "verify"])
    # then it exits 1 and names the entry
    assert result.exit_code == ExitCode.ERROR
    assert (
        f"tampered: audit chain broken at entry seq 2 (id {entry_id}): its content changed after it was written"
        in _flat(result.stderr)
    )
    assert "intact" not in result.output


def test_cli_verify_json_names_a_tampered_entry(migrated):
    _cli_users(3)
    entry_id = _tamper_with_file_database(seq=2)
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == ExitCode.ERROR
    assert json.loads(result.stdout) == {
        "checked": 1,
        "ok": False,
        "bad_seq": 2,
        "bad_id": entry_id,
        "problem": "its content changed after it was written",
    }
