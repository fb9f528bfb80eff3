"""SQLite under concurrent requests: use cases queue for the write lock instead of failing, and
plain reads never wait for a writer."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select, text

from guanxi.config import get_settings
from guanxi.db import make_engine, session_factory, unit_of_work
from guanxi.migrate import upgrade
from guanxi.security.auth import AuthenticationFailed, sign_in
from guanxi.security.models import User
from guanxi.security.pii import Vault
from guanxi.security.service import SYSTEM, create_user


def test_parallel_failed_sign_ins_are_each_counted_and_audited(tmp_path: Path):
    # given a user in a SQLite file shared by several threads
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        create_user(
            session=session,
            actor=SYSTEM,
            username="chen",
            display_name="Chen",
            role="auditor",
            password="Correct-Horse-Battery-9",
        )
    settings, vault = get_settings(), Vault.from_settings(get_settings())
    outcomes: list[str] = []

    def attempt() -> None:
        with session_factory(engine)() as session:
            try:
                sign_in(session=session, settings=settings, vault=vault, username="chen", password="Wrong-Pass-123")
            except AuthenticationFailed:
                outcomes.append("refused")
            except Exception as exc:  # any other failure is what this test looks for
                outcomes.append(type(exc).__name__)

    # when four wrong passwords arrive at once
    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then each is refused as a wrong password (none fails on the database), counted and audited
    assert outcomes == ["refused"] * 4
    with session_factory(engine)() as session:
        assert session.scalar(select(User.failed_sign_ins).where(User.username == "chen")) == 4
        failed = session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in_failed'"))
        assert failed == 4
    engine.dispose()


def test_a_read_does_not_wait_for_a_writer(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as writer, writer.begin():
        # a use case holds the write lock …
        writer.execute(text("UPDATE audit_chain_head SET last_seq = last_seq"))
        # … while a plain read in another connection goes ahead
        with factory() as reader:
            assert reader.scalar(text("SELECT count(*) FROM users")) == 0
    engine.dispose()
