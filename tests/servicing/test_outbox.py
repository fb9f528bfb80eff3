"""The outbox: queued with the change, delivered after commit by SMTP to a local sink, re-checked
for consent at delivery, retried when the server is down, never queued twice for one reason."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from factories import vault
from guanxi.clock import frozen_at
from guanxi.db import session_factory
from guanxi.outbox.delivery import MAX_ATTEMPTS, SmtpChannel, channels_from_settings, deliver_due
from guanxi.outbox.models import OutboxMessage
from guanxi.outbox.service import cancel, enqueue
from guanxi.security.models import ConsentRecord
from servicing.conftest import T0


class Sink:
    """Collects what the SMTP server receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def queue(session, party_id: int, source_id: str = "1", **fields) -> int:
    with session.begin():
        return enqueue(
            session,
            channel=fields.pop("channel", "email"),
            party_id=party_id,
            subject="Your appointment",
            body="See you tomorrow at 10:00",
            source="test",
            source_id=source_id,
            **fields,
        ).id


def status_of(session, message_id: int) -> tuple[str, int, str | None]:
    with session.begin():
        m = session.get(OutboxMessage, message_id)
        session.refresh(m)
        return m.status, m.attempts, m.last_error


def test_email_is_delivered_by_smtp_to_the_customers_decrypted_address(session, bind, serviced, smtp):
    sink, port = smtp
    message_id = queue(session, serviced["customer"])
    with frozen_at(T0):
        report = deliver_due(
            sessions=session_factory(bind),
            vault=vault(),
            channels=channels_from_settings("127.0.0.1", port, "service@bank.example"),
        )
    assert (report.sent, report.suppressed, report.failed) == (1, 0, 0)
    [(sender, recipients, content)] = sink.received
    assert (sender, recipients) == ("service@bank.example", ["wang@example.com"])
    assert "Subject: Your appointment" in content
    assert status_of(session, message_id) == ("sent", 1, None)


def test_other_channels_are_recorded_and_one_reason_queues_one_message(session, bind, serviced):
    first = queue(session, serviced["customer"], channel="sms")
    again = queue(session, serviced["customer"], channel="sms")
    assert first == again
    with frozen_at(T0):
        report = deliver_due(
            sessions=session_factory(bind), vault=vault(), channels=channels_from_settings(None, 25, "x@y")
        )
    assert (report.recorded, report.sent) == (1, 0)
    assert status_of(session, first)[0] == "recorded"


def test_a_consent_withdrawn_after_queueing_suppresses_the_message(session, bind, serviced, smtp):
    sink, port = smtp
    message_id = queue(session, serviced["customer"])
    with session.begin():
        session.add(
            ConsentRecord(
                party_id=serviced["customer"],
                purpose="service_messages",
                channel="email",
                status="withdrawn",
                recorded_at=T0 - dt.timedelta(minutes=1),
                captured_via="online",
                source_system="test",
                source_key="withdrawal",
            )
        )
    with frozen_at(T0):
        report = deliver_due(
            sessions=session_factory(bind), vault=vault(), channels={"email": SmtpChannel("127.0.0.1", port, "s@b")}
        )
    assert (report.suppressed, sink.received) == (1, [])
    assert status_of(session, message_id) == ("suppressed", 0, "no consent for this purpose on this channel")


def test_a_server_that_is_down_is_retried_later_then_given_up(session, bind, serviced):
    message_id = queue(session, serviced["customer"])
    down = {"email": SmtpChannel("127.0.0.1", free_port(), "s@b", timeout=1)}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with frozen_at(T0 + dt.timedelta(days=attempt)):
            report = deliver_due(sessions=session_factory(bind), vault=vault(), channels=down)
        status, attempts, error = status_of(session, message_id)
        assert attempts == attempt
        assert error.startswith("ConnectionRefusedError")
        assert status == ("failed" if attempt == MAX_ATTEMPTS else "pending")
        assert (report.failed, report.retried) == ((1, 0) if attempt == MAX_ATTEMPTS else (0, 1))


def test_a_message_not_yet_due_waits_and_a_cancelled_one_is_never_sent(session, bind, serviced):
    later = queue(session, serviced["customer"], deliver_after=T0 + dt.timedelta(days=1))
    dropped = queue(session, serviced["customer"], source_id="2")
    with session.begin():
        assert cancel(session, source="test", source_id="2") == 1
    with frozen_at(T0):
        report = deliver_due(
            sessions=session_factory(bind), vault=vault(), channels=channels_from_settings(None, 25, "x")
        )
    assert (report.recorded, report.sent) == (0, 0)
    assert status_of(session, later)[0] == "pending"
    assert status_of(session, dropped)[0] == "cancelled"


def test_enqueue_refuses_an_unknown_channel_or_no_recipient(session, serviced):
    with session.begin():
        with pytest.raises(ValueError, match="unknown outbox channel 'pigeon'"):
            enqueue(session, channel="pigeon", party_id=1, subject="s", body="b", source="t", source_id=1)
        with pytest.raises(ValueError, match="exactly one customer or one member of staff"):
            enqueue(session, channel="email", subject="s", body="b", source="t", source_id=1)
    with session.begin():
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_subject_keeps_to_one_line(session, serviced):
    with session.begin():
        message = enqueue(
            session,
            channel="email",
            party_id=serviced["customer"],
            subject="About your case\r\nBcc: someone@else.example",
            body="b",
            source="test",
            source_id="nl",
        )
        assert message.subject == "About your case Bcc: someone@else.example"


class Exploding:
    """A channel whose gateway fails in an unexpected way."""

    def send(self, *, to: str, subject: str, body: str) -> str:
        raise ValueError("the gateway choked")


def test_one_failing_message_does_not_stop_the_others(session, bind, serviced):
    first = queue(session, serviced["customer"], channel="sms", source_id="a")
    second = queue(session, serviced["customer"], channel="email", source_id="b")
    with frozen_at(T0):
        report = deliver_due(
            sessions=session_factory(bind),
            vault=vault(),
            channels={"sms": Exploding(), "email": channels_from_settings(None, 25, "x")["email"]},
        )
    assert (report.retried, report.recorded) == (1, 1)
    assert status_of(session, first) == ("pending", 1, "ValueError: the gateway choked")
    assert status_of(session, second)[0] == "recorded"


def test_a_verification_code_goes_to_the_pending_address_and_nothing_else_does(session, bind, serviced, smtp):
    from guanxi.parties.contact_changes import propose_contact
    from guanxi.security.service import SYSTEM

    sink, port = smtp
    # given a customer proposing a new address (pending), and an ordinary message queued after it
    proposed = propose_contact(
        session=session,
        actor=SYSTEM,
        vault=vault(),
        party_id=serviced["customer"],
        kind="email",
        value="new@example.com",
    )
    queue(session, serviced["customer"], source_id="after")
    # when the outbox delivers
    with frozen_at(T0):
        report = deliver_due(
            sessions=session_factory(bind),
            vault=vault(),
            channels=channels_from_settings("127.0.0.1", port, "service@bank.example"),
        )
    # then the code went to the new address, and the ordinary message to the one on file
    assert report.sent == 2
    delivered = sorted((recipients[0], "verification code" in content) for _, recipients, content in sink.received)
    assert delivered == [("new@example.com", True), ("wang@example.com", False)]
    assert proposed.code in next(content for _, r, content in sink.received if r == ["new@example.com"])
