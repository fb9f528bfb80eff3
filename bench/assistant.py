"""Benchmark: concurrent chat sessions with the assistant over its HTTP API, beside bare /health calls.

Builds its own small bank in a scratch folder (``--keep DIR`` keeps it and reuses the bank on the
next run; SQLite there by default, or ``--database-url`` for a scratch PostgreSQL database):
generated and ingested as ``guanxi generate`` and ``guanxi ingest`` do (3 months of history).
It picks one customer per session with an open account, gives those without a debit card one and
enrols a passcode for each. None of that is timed.

Then it starts the real server (``guanxi serve`` on 127.0.0.1 and a free port, in its own process,
with the scratch settings), waits for /health, and has one conversation to warm it up (the first
message fits the intent model). Then, at the same concurrency (``--sessions``, default 100):

- the baseline: each client makes as many ``GET /health`` calls as a conversation makes requests,
  one after the other (HTTP, the server's thread pool and one database round-trip); then
- the assistant: each session has one scripted conversation, in English, Traditional or Simplified
  Chinese in turn: start; hello; "what's my balance" (refused until sign-in); sign in (the held-back
  question is answered); the balance again; lock the debit card, yes; unlock the card, yes; one
  out-of-scope question; close.

Every request's latency and outcome is recorded; an error is a failed request, a status other than
the one expected or a reply other than the one expected (a session stops at its first error). It
prints p50/p95/p99 per step and overall, the throughput of each phase, the ratio of the assistant's
percentiles to the baseline's, and exits 1 if any request failed. All sessions come from one
address, so the server's sign-in limit per address is raised to let every session sign in.

    .venv/bin/python bench/assistant.py
    .venv/bin/python bench/assistant.py --quick
    .venv/bin/python bench/assistant.py --sessions 200 --customers 1000 --keep scratch/assistant
    .venv/bin/python bench/assistant.py --database-url postgresql://USER@HOST/SCRATCH_DB
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

API = "/api/v1/assistant/conversations"
PASSCODE = "harbour-7305"
SOURCE = "bench-assistant"  # the source system of the cards this benchmark adds
STEPS = (
    "start",
    "hello",
    "balance, signed out",
    "sign in",
    "balance",
    "lock the debit card",
    "lock: yes",
    "unlock the card",
    "unlock: yes",
    "out of scope",
    "close",
)
LANGUAGES = ("en", "zh-Hant", "zh-Hans")
# What the customer writes, per language of the conversation.
SCRIPT: dict[str, dict[str, str]] = {
    "en": {
        "hello": "hello",
        "balance": "what's my balance",
        "lock": "lock my debit card",
        "lock yes": "yes",
        "unlock": "unlock my card",
        "unlock yes": "yes",
        "out of scope": "what's the weather like tomorrow?",
    },
    "zh-Hant": {
        "hello": "你好",
        "balance": "我戶口有幾多錢？",
        "lock": "鎖定我的儲蓄卡",
        "lock yes": "是",
        "unlock": "解鎖我的卡",
        "unlock yes": "是",
        "out of scope": "今天天氣怎樣？",
    },
    "zh-Hans": {
        "hello": "你好",
        "balance": "我的余额是多少？",
        "lock": "锁定我的借记卡",
        "lock yes": "是的",
        "unlock": "解锁我的卡",
        "unlock yes": "好的",
        "out of scope": "今天天气怎么样？",
    },
}


@dataclass(frozen=True)
class Customer:
    """A customer a session signs in as, and the debit card it locks and unlocks."""

    party_id: int
    tier: str
    ending: str


@dataclass
class Record:
    """Every request's step, latency and error (None when it went as expected)."""

    samples: list[tuple[str, float, str | None]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, step: str, seconds: float, problem: str | None, who: str) -> None:
        """Keep one request's outcome; the first failures are kept in words for the report."""
        self.samples.append((step, seconds, problem))
        if problem is not None:
            self.failures.append(f"{who}, step '{step}': {problem}")


class Stop(Exception):
    """A session's request went wrong: the rest of its conversation cannot follow."""


def scratch_environment(work: Path, database_url: str | None, sessions: int) -> dict[str, str]:
    """Point this process and the server at the scratch bank (never at a configured one)."""
    var = work / "var"
    env = {
        "GUANXI_VAR_DIR": str(var),
        "GUANXI_DATABASE_URL": database_url or f"sqlite:///{(var / 'guanxi.db').as_posix()}",
        "GUANXI_LAKE_PATH": str(var / "lake"),
        # Every session comes from 127.0.0.1: the per-address sign-in limit would refuse most of them.
        "GUANXI_SIGN_IN_ATTEMPTS_PER_MINUTE": str(sessions + 10),
    }
    os.environ.update(env)
    from guanxi.config import get_settings

    get_settings.cache_clear()
    return env


def build_bank(work: Path, customers: int, database_url: str | None) -> None:
    """Generate and ingest the bank once per scratch folder and database, as ``guanxi generate`` and
    ``guanxi ingest`` do."""
    from guanxi.cli.ingest_commands import run_ingest
    from guanxi.config import get_settings
    from guanxi.db import make_engine
    from guanxi.ingest.synth import generate_bank
    from guanxi.migrate import upgrade

    marker, built = work / ".built", f"{customers} {hashlib.sha256((database_url or '').encode()).hexdigest()}"
    if marker.exists() and marker.read_text() == built:
        return
    started = time.perf_counter()
    upgrade(make_engine(get_settings().resolved_database_url))
    generate_bank(customers=customers, months=3, seed=1, out=work / "extract", fmt="parquet")
    report = run_ingest(work / "extract", fmt="canonical", mapping_file=None, source_system="bench")
    print(f"bank: {customers:,} customers, {report.rows_read:,} rows in {time.perf_counter() - started:.1f} s")
    marker.write_text(built)


def prepare_customers(count: int) -> list[Customer]:
    """``count`` customers with an open account, one live debit card and a passcode.

    Customers with a locked card or more than one live debit card are passed over, so that "lock my
    debit card" and "unlock my card" each name one card; those without a debit card get one."""
    from sqlalchemy import func, select

    from guanxi.accounts.models import Account, AccountRole, Card
    from guanxi.config import get_settings
    from guanxi.db import make_engine, unit_of_work
    from guanxi.security.customers import enrol_customer
    from guanxi.security.models import CustomerCredential
    from guanxi.security.service import SYSTEM

    started = time.perf_counter()
    engine = make_engine(get_settings().resolved_database_url)
    live = ("active", "locked")
    with unit_of_work(engine) as session:
        locked = select(Card.party_id).where(Card.status == "locked", Card.party_id.is_not(None))
        debit = (
            select(Card.party_id)
            .where(Card.card_type == "debit", Card.status.in_(live), Card.party_id.is_not(None))
            .group_by(Card.party_id)
            .having(func.count() > 1)
        )
        rows = session.execute(
            select(AccountRole.party_id, func.min(Account.id))
            .join(Account, Account.id == AccountRole.account_id)
            .where(Account.status != "closed", AccountRole.party_id.not_in(locked), AccountRole.party_id.not_in(debit))
            .group_by(AccountRole.party_id)
            .order_by(AccountRole.party_id)
            .limit(count)
        ).all()
        if len(rows) < count:
            raise SystemExit(f"the bank has {len(rows)} customers fit for a session, not {count}: raise --customers")
        parties = [party_id for party_id, _ in rows]
        with_debit = set(
            session.scalars(
                select(Card.party_id).where(
                    Card.party_id.in_(parties), Card.card_type == "debit", Card.status.in_(live)
                )
            )
        )
        for party_id, account_id in rows:
            if party_id not in with_debit:
                session.add(
                    Card(
                        source_system=SOURCE,
                        source_key=f"DEBIT-{party_id}",
                        account_id=account_id,
                        party_id=party_id,
                        card_type="debit",
                        tier="classic",
                        status="active",
                        issued_on=dt.date(2024, 1, 1),
                    )
                )
        enrolled = set(
            session.scalars(select(CustomerCredential.party_id).where(CustomerCredential.party_id.in_(parties)))
        )
        for party_id in parties:
            if party_id not in enrolled:
                enrol_customer(session=session, actor=SYSTEM, party_id=party_id, passcode=PASSCODE)
    with unit_of_work(engine) as session:
        found = session.execute(
            select(Card.party_id, Card.tier, Account.account_number)
            .join(Account, Account.id == Card.account_id)
            .where(Card.party_id.in_(parties), Card.card_type == "debit", Card.status == "active")
        ).all()
    by_party = {party_id: Customer(party_id, tier, number[-4:]) for party_id, tier, number in found}
    print(
        f"customers: {len(parties)} ready ({len(parties) - len(with_debit)} debit cards added,"
        f" {len(parties) - len(enrolled)} passcodes enrolled) in {time.perf_counter() - started:.1f} s"
    )
    return [by_party[party_id] for party_id in parties]


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def log_tail(log: Path, lines: int = 20) -> str:
    """The end of the server's log (the scratch folder may be gone by the time anyone looks)."""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``guanxi serve`` with the scratch settings and wait until /health answers."""
    port = free_port()
    started = time.perf_counter()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "guanxi", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < 120:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}):\n{log_tail(log)}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                print(f"server: guanxi serve on 127.0.0.1:{port}, up in {time.perf_counter() - started:.1f} s")
                return server, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"the server did not answer /health within 120 s:\n{log_tail(log)}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server this benchmark started."""
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def expect(replies: list[str]) -> Callable[[dict[str, Any]], str | None]:
    """A check that the assistant answered exactly ``replies``."""

    def check(body: dict[str, Any]) -> str | None:
        got = [m["text"] for m in body["messages"] if m["sender"] == "assistant"]
        return None if got == replies else f"expected {replies!r}, got {got!r}"

    return check


def expect_balances(intro: str) -> Callable[[dict[str, Any]], str | None]:
    """A check that the assistant answered with the customer's balances."""

    def check(body: dict[str, Any]) -> str | None:
        got = [m["text"] for m in body["messages"] if m["sender"] == "assistant"]
        return None if len(got) == 1 and got[0].startswith(intro + "\n") else f"expected balances, got {got!r}"

    return check


async def converse(client: httpx.AsyncClient, customer: Customer, language: str, record: Record, who: str) -> None:
    """One scripted conversation; each request is recorded, and the first error ends it."""
    from guanxi.assistant.replies import card_label, say

    words = SCRIPT[language]
    card = card_label(customer.tier, "debit", customer.ending, language)
    headers: dict[str, str] = {}

    async def call(step: str, path: str, status: int, check: Callable[[dict[str, Any]], str | None], **kw: Any) -> Any:
        started = time.perf_counter()
        try:
            response = await client.post(path, headers=headers, **kw)
        except httpx.HTTPError as error:
            record.add(step, time.perf_counter() - started, f"{type(error).__name__}: {error}", who)
            raise Stop from None
        seconds = time.perf_counter() - started
        if response.status_code != status:
            problem: str | None = f"HTTP {response.status_code}: {response.text[:300]}"
        else:
            problem = check(response.json())
        record.add(step, seconds, problem, who)
        if problem is not None:
            raise Stop
        return response.json()

    def say_text(step: str, key: str, check: Callable[[dict[str, Any]], str | None]) -> Any:
        return call(step, f"{API}/messages", 200, check, json={"text": words[key]})

    greeting = say("greeting", language)
    started = await call(
        STEPS[0],
        API,
        201,
        lambda b: None if b["messages"][0]["text"] == greeting else f"greeting {b['messages']!r}",
        json={"language": language},
    )
    headers["X-Conversation-Token"] = started["token"]
    await say_text(STEPS[1], "hello", expect([greeting]))
    await say_text(STEPS[2], "balance", expect([say("sign_in_first", language)]))
    await call(
        STEPS[3],
        f"{API}/sign-in",
        200,
        expect_balances(say("balance_intro", language)),
        json={"party_id": customer.party_id, "passcode": PASSCODE},
    )
    await say_text(STEPS[4], "balance", expect_balances(say("balance_intro", language)))
    await say_text(STEPS[5], "lock", expect([say("confirm_lock_card", language, card=card)]))
    await say_text(STEPS[6], "lock yes", expect([say("done_lock_card", language, card=card)]))
    await say_text(STEPS[7], "unlock", expect([say("confirm_unlock_card", language, card=card)]))
    await say_text(STEPS[8], "unlock yes", expect([say("done_unlock_card", language, card=card)]))
    await say_text(STEPS[9], "out of scope", expect([say("rephrase", language)]))
    await call(STEPS[10], f"{API}/close", 200, lambda b: None if b["status"] == "closed" else f"status {b['status']}")


async def one_session(base: str, customer: Customer, language: str, record: Record, who: str) -> None:
    """A session on its own connection, as a customer's browser or app would have."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        with contextlib.suppress(Stop):  # recorded already: the session simply ends
            await converse(client, customer, language, record, who)


async def health_client(base: str, calls: int, record: Record, who: str) -> None:
    """The baseline client: ``calls`` bare /health round-trips, one after the other."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for _ in range(calls):
            started = time.perf_counter()
            try:
                response = await client.get("/health")
                problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            record.add("GET /health", time.perf_counter() - started, problem, who)


async def run_phase(name: str, jobs: list[Callable[[], Any]]) -> float:
    """Run every job at once (progress shown on a terminal); return the wall time."""
    done, live = 0, sys.stdout.isatty()

    async def counted(job: Callable[[], Any]) -> None:
        nonlocal done
        await job()
        done += 1
        if live:
            print(f"\r{name}: {done}/{len(jobs)}", end="", flush=True)

    started = time.perf_counter()
    await asyncio.gather(*(counted(job) for job in jobs))
    seconds = time.perf_counter() - started
    print(f"\r{name}: {len(jobs)} concurrent in {seconds:.1f} s")
    return seconds


def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 in milliseconds."""
    if not seconds:
        return (float("nan"),) * 3
    p50, p95, p99 = np.percentile(np.array(seconds) * 1000, [50, 95, 99])
    return float(p50), float(p95), float(p99)


def row(label: str, seconds: list[float], errors: int) -> str:
    """One line of the table."""
    p50, p95, p99 = percentiles(seconds)
    return f"{label:<24}{len(seconds):>9,}{errors:>8,}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}"


def report(chat: Record, chat_seconds: float, health: Record, health_seconds: float, sessions: int) -> None:
    """Print the per-step and overall percentiles, the throughputs and the ratio to the baseline."""
    by_step: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for step, seconds, problem in chat.samples:
        by_step[step].append(seconds)
        errors[step] += problem is not None
    print(f"\n{sessions} concurrent sessions (ms)")
    print(f"{'step':<24}{'requests':>9}{'errors':>8}{'p50':>10}{'p95':>10}{'p99':>10}")
    for step in STEPS:
        print(row(step, by_step[step], errors[step]))
    every = [s for _, s, _ in chat.samples]
    bare = [s for _, s, _ in health.samples]
    chat_errors = sum(p is not None for _, _, p in chat.samples)
    health_errors = sum(p is not None for _, _, p in health.samples)
    print(row("every assistant request", every, chat_errors))
    print(row("baseline GET /health", bare, health_errors))
    completed = sessions - len({f.split(",")[0] for f in chat.failures})
    print(
        f"\nthroughput: assistant {len(every) / chat_seconds:,.1f} requests/s "
        f"({completed / chat_seconds:.2f} conversations/s), /health {len(bare) / health_seconds:,.1f} requests/s"
    )
    (c50, _, c99), (h50, _, h99) = percentiles(every), percentiles(bare)
    print(f"ratio assistant / health: p50 {c50 / h50:.2f}, p99 {c99 / h99:.2f}")
    print(f"conversations completed: {completed}/{sessions}; errors: {chat_errors + health_errors}")
    for failure in (chat.failures + health.failures)[:10]:
        print(f"  {failure}")


def server_errors(log: Path) -> None:
    """The server's own lines about unexpected errors (their request ids match the replies above)."""
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("unexpected ")]
    print(f"the server logged {len(lines)} unexpected errors:")
    for line in lines[:10]:
        print(f"  {line}")


def main() -> None:
    """Build the bank, start the server, run the baseline and the conversations, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100, help="concurrent chat sessions")
    parser.add_argument("--customers", type=int, default=500, help="customers in the generated bank")
    parser.add_argument("--keep", type=Path, help="scratch folder to keep (the bank is reused); default: a temp dir")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database instead of SQLite in the folder")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10 sessions on a 100-customer bank")
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.customers = 10, 100
    if args.sessions < 1 or args.customers < args.sessions + 1:
        parser.error("--sessions must be at least 1 and --customers above --sessions (one more for the warm-up)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="guanxi-assistant-"))
    work.mkdir(parents=True, exist_ok=True)
    server = None
    health, chat = Record(), Record()
    try:
        env = scratch_environment(work.resolve(), args.database_url, args.sessions)
        build_bank(work, args.customers, args.database_url)
        warm, *customers = prepare_customers(args.sessions + 1)
        server, base = start_server(env, work / "server.log")
        started = time.perf_counter()
        warm_up = Record()
        asyncio.run(one_session(base, warm, "en", warm_up, "warm-up"))
        if warm_up.failures:
            raise SystemExit(f"the warm-up failed: {warm_up.failures[0]}\n{log_tail(work / 'server.log')}")
        print(f"warm-up: one conversation in {time.perf_counter() - started:.1f} s (fits the intent model)")
        health_seconds = asyncio.run(
            run_phase(
                "baseline /health clients",
                [lambda n=n: health_client(base, len(STEPS), health, f"client {n}") for n in range(args.sessions)],
            )
        )
        chat_seconds = asyncio.run(
            run_phase(
                "assistant sessions",
                [
                    lambda n=n, c=c: one_session(base, c, LANGUAGES[n % len(LANGUAGES)], chat, f"session {n}")
                    for n, c in enumerate(customers)
                ],
            )
        )
        report(chat, chat_seconds, health, health_seconds, args.sessions)
        if chat.failures or health.failures:
            server_errors(work / "server.log")
    finally:
        if server is not None:
            stop_server(server)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if chat.failures or health.failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
