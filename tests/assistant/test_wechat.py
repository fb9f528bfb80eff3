"""WeChat official-account messages: parsing posted XML, formatting text replies, checking signatures."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from guanxi.assistant.wechat import (
    MAX_BODY_BYTES,
    WeChatMessage,
    format_text_reply,
    parse_message,
    verify_signature,
)
from guanxi.errors import ValidationFailed

AT = dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
FIELDS = {
    "ToUserName": "<![CDATA[gh_bank]]>",
    "FromUserName": "<![CDATA[o_customer]]>",
    "CreateTime": str(int(AT.timestamp())),
    "MsgType": "<![CDATA[text]]>",
    "Content": "<![CDATA[我的卡丢了 <urgent> & help]]>",
    "MsgId": "24510000000000001",
}


def body(fields: dict[str, str], *, skip: str | None = None) -> bytes:
    """A posted message with ``fields`` in order, ``skip`` left out."""
    inner = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items() if name != skip)
    return f"<xml>{inner}</xml>".encode()


def test_parse_message_reads_a_text_message() -> None:
    # Given a text message as the platform posts it, with markup characters inside CDATA
    # When it is parsed
    message = parse_message(body(FIELDS))
    # Then every field is read, the time as aware UTC
    assert message == WeChatMessage(
        to_user="gh_bank",
        from_user="o_customer",
        created=AT,
        msg_type="text",
        content="我的卡丢了 <urgent> & help",
        msg_id="24510000000000001",
        event=None,
    )
    assert message.created.tzinfo is dt.UTC


def test_parse_message_accepts_an_xml_declaration_and_whitespace() -> None:
    # Given a body with an XML declaration and an indented layout
    raw = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <ToUserName>gh_bank</ToUserName>\n'
        b"  <FromUserName> o_customer </FromUserName>\n  <CreateTime>1796113800</CreateTime>\n"
        b"  <MsgType>text</MsgType>\n  <Content><![CDATA[hi]]></Content>\n</xml>"
    )
    # When it is parsed
    message = parse_message(raw)
    # Then identifiers are trimmed and a missing MsgId is None
    assert (message.to_user, message.from_user, message.content, message.msg_id) == (
        "gh_bank",
        "o_customer",
        "hi",
        None,
    )


def test_parse_message_reads_an_event() -> None:
    # Given a subscribe event, which has no content and no MsgId
    fields = {
        "ToUserName": "<![CDATA[gh_bank]]>",
        "FromUserName": "<![CDATA[o_customer]]>",
        "CreateTime": "1796113800",
        "MsgType": "<![CDATA[event]]>",
        "Event": "<![CDATA[subscribe]]>",
    }
    # When it is parsed
    message = parse_message(body(fields))
    # Then the event is read and the text fields are None
    assert message == WeChatMessage("gh_bank", "o_customer", AT, "event", None, None, "subscribe")


def test_parse_message_refuses_an_event_without_its_name() -> None:
    # Given an event message with no Event field
    fields = {**FIELDS, "MsgType": "event"}
    del fields["Content"]
    # When it is parsed
    with pytest.raises(ValidationFailed) as raised:
        parse_message(body(fields))
    # Then the error names Event
    assert (raised.value.code, raised.value.details) == ("wechat_missing_field", {"field": "Event"})


@pytest.mark.parametrize("field", ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"])
def test_parse_message_names_each_missing_field(field: str) -> None:
    # Given a text message without one of its required fields
    # When it is parsed
    with pytest.raises(ValidationFailed) as raised:
        parse_message(body(FIELDS, skip=field))
    # Then the error names that field
    assert raised.value.code == "wechat_missing_field"
    assert raised.value.details == {"field": field}
    assert field in raised.value.message


@pytest.mark.parametrize("field", ["ToUserName", "FromUserName", "MsgType"])
def test_parse_message_refuses_an_empty_field(field: str) -> None:
    # Given a message whose field is present but empty
    # When it is parsed
    with pytest.raises(ValidationFailed) as raised:
        parse_message(body({**FIELDS, field: "<![CDATA[]]>"}))
    # Then the error names that field
    assert raised.value.details == {"field": field}


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "99999999999999999999"])
def test_parse_message_refuses_a_bad_create_time(value: str) -> None:
    # Given a CreateTime that is not whole seconds in range
    # When it is parsed
    with pytest.raises(ValidationFailed) as raised:
        parse_message(body({**FIELDS, "CreateTime": value}))
    # Then the error names CreateTime
    assert raised.value.code == "wechat_bad_field"
    assert raised.value.details == {"field": "CreateTime", "value": value}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>', "DOCTYPE"),
        (b'<!doctype xml SYSTEM "file:///etc/passwd"><xml/>', "DOCTYPE"),
        (b'<xml><!ENTITY a "b"></xml>', "ENTITY"),
    ],
)
def test_parse_message_refuses_doctype_and_entities(raw: bytes, reason: str) -> None:
    # Given a body declaring a document type or an entity
    # When it is parsed
    with pytest.raises(ValidationFailed) as raised:
        parse_message(raw)
    # Then it is refused before any parsing, naming what it declared
    assert raised.value.code == "wechat_declaration_refused"
    assert raised.value.details == {"field": "body", "reason": reason}


def test_parse_message_refuses_an_oversize_body() -> None:
    # Given a well-formed message one byte over 64 KiB
    padding = "x" * (MAX_BODY_BYTES - len(body({**FIELDS, "Content": "<![CDATA[hi]]>"})) + 1)
    raw = body({**FIELDS, "Content": padding + "<![CDATA[hi]]>"})
    assert len(raw) == MAX_BODY_BYTES + 1
    # When it is parsed
    with pytest.raises(ValidationFailed) as raised:
        parse_message(raw)
    # Then it is refused for its size
    assert raised.value.code == "wechat_body_too_large"
    assert raised.value.details == {"field": "body", "size": MAX_BODY_BYTES + 1, "limit": MAX_BODY_BYTES}


def test_parse_message_accepts_a_body_of_exactly_64_kib() -> None:
    # Given a message exactly at the size limit
    padding = "x" * (MAX_BODY_BYTES - len(body({**FIELDS, "Content": "<![CDATA[]]>"})))
    raw = body({**FIELDS, "Content": f"<![CDATA[{padding}]]>"})
    assert len(raw) == MAX_BODY_BYTES
    # When it is parsed
    # Then it is read whole
    assert parse_message(raw).content == padding


@pytest.mark.parametrize(
    "raw",
    [b"", b"not xml", b"<xml><ToUserName>a</xml>", "<xml>é</xml>".encode("latin-1"), b"<message/>"],
)
def test_parse_message_refuses_what_is_not_a_message(raw: bytes) -> None:
    # Given a body that is empty, not XML, not UTF-8 or not rooted at <xml>
    # When it is parsed
    with pytest.raises(ValidationFailed) as raised:
        parse_message(raw)
    # Then the body is named as bad XML
    assert raised.value.code == "wechat_bad_xml"
    assert raised.value.details == {"field": "body"}


def test_parse_message_ignores_a_declared_encoding() -> None:
    # Given a UTF-8 body whose declaration claims another encoding
    raw = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + body(FIELDS)
    # When it is parsed
    # Then the Chinese text is read as UTF-8 all the same
    assert parse_message(raw).content == "我的卡丢了 <urgent> & help"


def test_format_text_reply_round_trips_through_parse_message() -> None:
    # Given a reply with Chinese text, markup characters and a CDATA terminator in it
    content = "您好!卡已冻结 <ok> & ]]> 再见 ]]]]>"
    # When it is formatted and the bytes parsed back
    raw = format_text_reply(to_user="o_customer", from_user="gh_bank", content=content, at=AT)
    message = parse_message(raw)
    # Then every field survives exactly
    assert message == WeChatMessage("o_customer", "gh_bank", AT, "text", content, None, None)


def test_format_text_reply_writes_the_platform_layout() -> None:
    # Given a reply at a time in another zone
    at = dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    # When it is formatted
    raw = format_text_reply(to_user="o_c", from_user="gh_b", content="a]]>b", at=at)
    # Then values are in CDATA, the terminator split, CreateTime whole UTC seconds
    assert raw == (
        b"<xml><ToUserName><![CDATA[o_c]]></ToUserName><FromUserName><![CDATA[gh_b]]></FromUserName>"
        b"<CreateTime>1796113800</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        b"<Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"to_user": ""}, "to_user"),
        ({"from_user": ""}, "from_user"),
        ({"content": ""}, "content"),
        ({"content": "bell \x07"}, "content"),
        ({"at": dt.datetime(2026, 12, 1, 8, 30)}, "at"),
    ],
)
def test_format_text_reply_refuses_bad_input(kwargs: dict[str, object], field: str) -> None:
    # Given a reply missing a value, holding a character XML cannot carry, or at a naive time
    arguments = {"to_user": "o_c", "from_user": "gh_b", "content": "hi", "at": AT, **kwargs}
    # When it is formatted
    with pytest.raises(ValidationFailed) as raised:
        format_text_reply(**arguments)  # type: ignore[arg-type]
    # Then the error names the field
    assert raised.value.details == {"field": field}


def signature_of(token: str, timestamp: str, nonce: str) -> str:
    """The platform's signature, computed here independently."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def test_verify_signature_accepts_the_platform_signature() -> None:
    # Given a signature made from the account token, a timestamp and a nonce
    signature = signature_of("bank-token", "1796113800", "381239")
    # When it is verified
    # Then it is accepted
    assert verify_signature(token="bank-token", signature=signature, timestamp="1796113800", nonce="381239")


def test_verify_signature_accepts_a_known_vector() -> None:
    # Given the sha1 of "1796113800381239bank-token" (the three sorted and joined), spelt out
    signature = hashlib.sha1(b"1796113800381239bank-token").hexdigest()
    # When it is verified
    # Then it is accepted
    assert verify_signature(token="bank-token", signature=signature, timestamp="1796113800", nonce="381239")


@pytest.mark.parametrize(
    ("token", "signature", "timestamp", "nonce"),
    [
        ("other-token", signature_of("bank-token", "1796113800", "381239"), "1796113800", "381239"),
        ("bank-token", signature_of("bank-token", "1796113800", "381239"), "1796113801", "381239"),
        ("bank-token", signature_of("bank-token", "1796113800", "381239"), "1796113800", "381240"),
        ("bank-token", "", "1796113800", "381239"),
        ("bank-token", "签名", "1796113800", "381239"),
        ("bank-token", signature_of("bank-token", "1796113800", "381239").upper(), "1796113800", "381239"),
    ],
)
def test_verify_signature_refuses_a_wrong_signature(token: str, signature: str, timestamp: str, nonce: str) -> None:
    # Given a signature that does not match the token, timestamp or nonce (or is empty, or not hex)
    # When it is verified
    # Then it is refused
    assert verify_signature(token=token, signature=signature, timestamp=timestamp, nonce=nonce) is False
