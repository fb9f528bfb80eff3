"""The assistant's conversation API, for the web chat widget, apps and other channels.

These endpoints face customers, not staff: a conversation is reached with the token handed out
when it starts, sent as ``X-Conversation-Token`` (a header, so it never lands in access logs).
Money and actions need the customer signed in to the conversation; sign-in attempts are rate
limited per address on top of the per-customer lock.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from guanxi.api.deps import SessionDep, client_address
from guanxi.assistant import conversations as service
from guanxi.assistant.dialogue import Dialogue
from guanxi.assistant.dialogue_intents import train_dialogue_model
from guanxi.assistant.faq import load_faq
from guanxi.assistant.models import Conversation, ConversationMessage
from guanxi.assistant.schemas import (
    ConversationStart,
    ConversationStarted,
    ConversationState,
    CustomerSignIn,
    MessageRead,
    MessageSend,
)
from guanxi.assistant.wechat_channel import handle_wechat
from guanxi.clock import now

router = APIRouter(prefix="/api/v1/assistant", tags=["assistant"])
Token = Annotated[str, Header(alias="X-Conversation-Token", min_length=16, max_length=128)]
_building = threading.Lock()


def dialogue_of(request: Request) -> Dialogue:
    """The application's dialogue (its models are fitted once, on first use)."""
    with _building:
        dialogue = getattr(request.app.state, "assistant_dialogue", None)
        if dialogue is None:
            dialogue = Dialogue(train_dialogue_model(), load_faq(), today=lambda: now().date())
            request.app.state.assistant_dialogue = dialogue
    return dialogue


def _state(conversation: Conversation, messages: list[ConversationMessage]) -> ConversationState:
    return ConversationState(
        conversation_id=conversation.id,
        status=conversation.status,
        signed_in=conversation.party_id is not None,
        language=conversation.language,
        case_id=conversation.case_id,
        messages=[MessageRead.model_validate(m) for m in messages],
    )


@router.post("/conversations", response_model=ConversationStarted, status_code=201)
def start(body: ConversationStart, session: SessionDep) -> ConversationStarted:
    """Start a conversation; the reply carries its token and the assistant's greeting."""
    conversation, token = service.start_conversation(session=session, channel=body.channel, language=body.language)
    _, greeting = service.list_messages(session=session, token=token)
    return ConversationStarted(
        conversation_id=conversation.id, token=token, messages=[MessageRead.model_validate(m) for m in greeting]
    )


@router.post("/conversations/sign-in", response_model=ConversationState)
def sign_in(body: CustomerSignIn, token: Token, request: Request, session: SessionDep) -> ConversationState:
    """The customer signs in to the conversation; a request held back for sign-in is answered now."""
    request.app.state.sign_in_limiter.hit(f"assistant:{client_address(request)}")
    signed = service.sign_in(session=session, token=token, party_id=body.party_id, passcode=body.passcode)
    exchange = service.answer_pending(
        sessions=request.app.state.session_factory,
        dialogue=dialogue_of(request),
        lake_root=request.app.state.lake_root,
        signed=signed,
    )
    replies: list[ConversationMessage] = exchange.replies if exchange else []
    told = service.tell_insights(
        sessions=request.app.state.session_factory,
        lake_root=request.app.state.lake_root,
        conversation_id=signed.conversation_id,
    )
    replies += [told] if told else []
    conversation, _ = service.list_messages(session=session, token=token, after_id=2**62)
    return _state(conversation, replies)


@router.post("/conversations/messages", response_model=ConversationState)
def send(body: MessageSend, token: Token, request: Request, session: SessionDep) -> ConversationState:
    """Send the customer's message; the reply carries it and the assistant's answers."""
    exchange = service.post_message(
        sessions=request.app.state.session_factory,
        dialogue=dialogue_of(request),
        lake_root=request.app.state.lake_root,
        token=token,
        text=body.text,
    )
    conversation, _ = service.list_messages(session=session, token=token, after_id=2**62)
    return _state(conversation, [exchange.message, *exchange.replies])


@router.get("/conversations/messages", response_model=ConversationState)
def messages(token: Token, session: SessionDep, after: Annotated[int, Query(ge=0, le=2**62)] = 0) -> ConversationState:
    """The conversation's messages after the one numbered ``after`` (an agent's replies included)."""
    conversation, found = service.list_messages(session=session, token=token, after_id=after)
    return _state(conversation, found)


@router.post("/conversations/close", response_model=ConversationState)
def close(token: Token, session: SessionDep) -> ConversationState:
    """End the conversation."""
    service.close_conversation(session=session, token=token)
    conversation, _ = service.list_messages(session=session, token=token, after_id=2**62)
    return _state(conversation, [])


@router.post("/wechat", response_class=Response, responses={200: {"content": {"application/xml": {}}}})
async def wechat(
    request: Request,
    signature: Annotated[str, Query(max_length=64)],
    timestamp: Annotated[str, Query(max_length=16)],
    nonce: Annotated[str, Query(max_length=64)],
) -> Response:
    """A WeChat official-account message in, the assistant's reply out (signed with the bank's token)."""
    body = await request.body()
    reply = await handle_wechat(request, body=body, signature=signature, timestamp=timestamp, nonce=nonce)
    return Response(content=reply, media_type="application/xml")
