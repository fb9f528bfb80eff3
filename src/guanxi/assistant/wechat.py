"""WeChat official-account messages: reading what the platform posts and writing text replies (format only).

The platform posts each customer message or event as a small XML document, values in CDATA::

    <xml><ToUserName><![CDATA[gh_bank]]></ToUserName><FromUserName><![CDATA[o_customer]]></FromUserName>
    <CreateTime>1764547200</CreateTime><MsgType><![CDATA[text]]></MsgType>
    <Content><![CDATA[我的卡丢了]]></Content><MsgId>24510000000000001</MsgId></xml>

and signs its requests with ``sha1`` over the account's token, a timestamp and a nonce. Bodies are parsed
with the standard library after refusing anything that declares a document type or entities (no entity
expansion, no external files) and anything over 64 KiB. Sending and receiving over the network belong to
the caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from guanxi.errors import ValidationFailed

__all__ = ["MAX_BODY_BYTES", "WeChatMessage", "format_text_reply", "parse_message", "verify_signature"]

MAX_BODY_BYTES = 64 * 1024
# DTDs are where entity bombs and external entities live; a platform message never has one.
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# The encoding is fixed to UTF-8 below, so a declaration naming another one must not reach the parser.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Characters XML 1.0 cannot carry, even in CDATA.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class WeChatMessage:
    """One message or event from a customer; ``content`` for text, ``event`` for events, else None."""

    to_user: str
    from_user: str
    created: dt.datetime
    msg_type: str
    content: str | None
    msg_id: str | None
    event: str | None


def parse_message(body: bytes) -> WeChatMessage:
    """The message in a body the platform posted; ValidationFailed naming the field that is missing or bad."""
    root = _parse_xml(body)
    msg_type = _required(root, "MsgType")
    content = _optional(root, "Content", strip=False)
    if msg_type == "text" and content is None:
        raise _missing("Content")
    event = _optional(root, "Event")
    if msg_type == "event" and event is None:
        raise _missing("Event")
    return WeChatMessage(
        to_user=_required(root, "ToUserName"),
        from_user=_required(root, "FromUserName"),
        created=_create_time(_required(root, "CreateTime")),
        msg_type=msg_type,
        content=content,
        msg_id=_optional(root, "MsgId"),
        event=event,
    )


def format_text_reply(*, to_user: str, from_user: str, content: str, at: dt.datetime) -> bytes:
    """A passive text reply as the platform expects it: UTF-8 XML, values in CDATA, CreateTime in seconds."""
    for field, value in (("to_user", to_user), ("from_user", from_user), ("content", content)):
        if not value:
            raise ValidationFailed(
                f"a WeChat reply needs {field}", code="wechat_missing_field", details={"field": field}
            )
        if _NOT_XML.search(value):
            raise ValidationFailed(
                f"WeChat reply {field} holds a character XML cannot carry",
                code="wechat_bad_field",
                details={"field": field},
            )
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationFailed(
            "the reply time must carry a time zone", code="wechat_bad_field", details={"field": "at"}
        )
    xml = (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(at.timestamp())}</CreateTime><MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )
    return xml.encode("utf-8")


def verify_signature(*, token: str, signature: str, timestamp: str, nonce: str) -> bool:
    """Whether ``signature`` is the platform's: sha1 hex of token, timestamp and nonce sorted and joined."""
    expected = hashlib.sha1("".join(sorted((token, timestamp, nonce))).encode("utf-8")).hexdigest()
    # Compared in constant time, so the time taken says nothing about how much of a forgery was right.
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8"))


def _parse_xml(body: bytes) -> ET.Element:
    """The root ``<xml>`` element of a body, after the size, declaration and encoding checks."""
    if len(body) > MAX_BODY_BYTES:
        raise ValidationFailed(
            f"WeChat message body is {len(body)} bytes, over the {MAX_BODY_BYTES} allowed",
            code="wechat_body_too_large",
            details={"field": "body", "size": len(body), "limit": MAX_BODY_BYTES},
        )
    declaration = _DECLARATIONS.search(body)
    if declaration is not None:
        name = declaration.group(1).decode("ascii").upper()
        raise ValidationFailed(
            f"WeChat message body declares a {name}, which is refused",
            code="wechat_declaration_refused",
            details={"field": "body", "reason": name},
        )
    try:
        text = _XML_DECLARATION.sub("", bytes(body).decode("utf-8"), count=1)
        root = ET.fromstring(text)
    except (UnicodeDecodeError, ET.ParseError) as exc:
        raise ValidationFailed(
            f"WeChat message body is not UTF-8 XML: {exc}", code="wechat_bad_xml", details={"field": "body"}
        ) from exc
    if root.tag != "xml":
        raise ValidationFailed(
            f"WeChat message root is <{root.tag}>, not <xml>", code="wechat_bad_xml", details={"field": "body"}
        )
    return root


def _optional(root: ET.Element, field: str, *, strip: bool = True) -> str | None:
    """A field's text (identifiers trimmed, content as sent), or None when absent or empty."""
    element = root.find(field)
    if element is None or not element.text:
        return None
    value = element.text.strip() if strip else element.text
    return value or None


def _required(root: ET.Element, field: str) -> str:
    """A field's trimmed text; ValidationFailed naming the field when it is absent or empty."""
    value = _optional(root, field)
    if value is None:
        raise _missing(field)
    return value


def _missing(field: str) -> ValidationFailed:
    """The error for a message without ``field``."""
    return ValidationFailed(f"WeChat message has no {field}", code="wechat_missing_field", details={"field": field})


def _create_time(value: str) -> dt.datetime:
    """CreateTime (whole seconds since 1970) as an aware UTC datetime."""
    if not value.isascii() or not value.isdigit():
        raise ValidationFailed(
            f"WeChat message CreateTime {value!r} is not whole seconds",
            code="wechat_bad_field",
            details={"field": "CreateTime", "value": value},
        )
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValidationFailed(
            f"WeChat message CreateTime {value} is out of range",
            code="wechat_bad_field",
            details={"field": "CreateTime", "value": value},
        ) from exc


def _cdata(value: str) -> str:
    """``value`` in CDATA; a ``]]>`` inside is split across two sections so it cannot end the first early."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
