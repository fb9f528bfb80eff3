"""The WeChat channel: a signed official-account message in, the assistant's answer out.

Each WeChat sender (their OpenID for the bank's account) has one conversation, reached with a
token derived from the bank's WeChat token and the OpenID, so nothing but the signature check
stands between WeChat's servers and the dialogue. Linking an OpenID to a customer (WeChat's own
log-in) is the bank's integration: until then the conversation is anonymous, and anything about
the customer's money is refused with the sign-in prompt, as on every channel.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from fastapi import Request

from guanxi.assistant import conversations as service
from guanxi.assistant.replies import say
from guanxi.assistant.wechat import format_text_reply, parse_message, verify_signature
from guanxi.clock import now
from guanxi.errors import GuanxiError, PermissionDenied

WECHAT = "wechat"
DEFAULT_LANGUAGE = "zh-Hans"
UNREADABLE = {
    "en": "Sorry, I can only read text messages.",
    "zh-Hant": "抱歉，我只能閱讀文字訊息。",
    "zh-Hans": "抱歉，我只能阅读文字消息。",
}


class WeChatNotConfigured(GuanxiError):
    """The bank has not set up its WeChat account."""

    code = "wechat_not_configured"
    http_status = 404


def conversation_token(secret: str, open_id: str) -> str:
    """The conversation token of a WeChat sender (derived, so it never needs storing)."""
    return hmac.new(secret.encode(), f"wechat:{open_id}".encode(), hashlib.sha256).hexdigest()


def _answer(request: Request, secret: str, body: bytes) -> bytes:
    from guanxi.assistant.api import dialogue_of  # the API module owns the shared dialogue

    message = parse_message(body)
    sessions = request.app.state.session_factory
    token = conversation_token(secret, message.from_user)
    with sessions() as session:
        known = service.conversation_by_external_id(session, WECHAT, message.from_user)
    if known is None:
        with sessions() as session:
            service.start_conversation(
                session=session, channel=WECHAT, language=DEFAULT_LANGUAGE, external_id=message.from_user, token=token
            )
    if message.msg_type == "event":
        text = say("greeting", DEFAULT_LANGUAGE)
    elif message.msg_type != "text" or not message.content:
        text = UNREADABLE[DEFAULT_LANGUAGE]
    else:
        exchange = service.post_message(
            sessions=sessions,
            dialogue=dialogue_of(request),
            lake_root=request.app.state.lake_root,
            token=token,
            text=message.content,
        )
        text = "\n\n".join(reply.text for reply in exchange.replies)
    return format_text_reply(to_user=message.from_user, from_user=message.to_user, content=text or "…", at=now())


async def handle_wechat(request: Request, *, body: bytes, signature: str, timestamp: str, nonce: str) -> bytes:
    """Check WeChat's signature, answer the message, and return the reply in WeChat's format."""
    secret = request.app.state.settings.wechat_token
    if not secret:
        raise WeChatNotConfigured("the WeChat channel is not set up")
    if not verify_signature(token=secret, signature=signature, timestamp=timestamp, nonce=nonce):
        raise PermissionDenied("the WeChat signature does not match", code="bad_signature")
    # The dialogue and the database are synchronous: keep them off the event loop.
    return await asyncio.to_thread(_answer, request, secret, body)
