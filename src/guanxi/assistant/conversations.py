"""Conversations with the assistant: start one, sign the customer in, exchange messages, hand over.

The use cases here own their transactions. A message is handled in three short steps, so no
database lock is held while the dialogue thinks or a domain service acts: the customer's message
is stored; the dialogue answers (any action it takes commits on its own, through its service);
the replies and the new state are stored. After a handover the customer's messages go to the
case, and the agent's replies on the case come back into the conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.assistant.actions import CustomerActions
from guanxi.assistant.dialogue import Dialogue, Turn
from guanxi.assistant.models import Conversation, ConversationMessage
from guanxi.assistant.replies import say
from guanxi.audit.service import record
from guanxi.cases.models import Case, CaseEvent
from guanxi.cases.service import add_event
from guanxi.clock import now
from guanxi.codes import ContactChannel
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.interactions.models import Interaction
from guanxi.interactions.service import record_assistant_contact
from guanxi.security.actor import Actor
from guanxi.security.customers import CustomerPrincipal, authenticate_customer
from guanxi.security.permissions import CUSTOMER_ROLE

CHANNELS = ("web", "mobile_app", "wechat", "api")
LANGUAGES = ("en", "zh-Hant", "zh-Hans")
MAX_MESSAGE = 2_000
ASSISTANT = Actor(username="assistant", role="assistant", source="assistant")
PROACTIVE_INSIGHTS = 3  # told unasked at sign-in; the rest on request
SENDER_LABEL = {"customer": "Customer", "assistant": "Assistant", "agent": "Agent"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def customer_actor(party_id: int, channel: str) -> Actor:
    """The actor the assistant uses for a signed-in customer: the customer role, their record only."""
    return Actor(username=f"customer:{party_id}", role=CUSTOMER_ROLE, party_id=party_id, source=channel)


def contact_channel(channel: str) -> str:
    """The contact channel a conversation counts as on the customer's history."""
    return ContactChannel.WECHAT.value if channel == "wechat" else ContactChannel.ASSISTANT.value


@use_case
def start_conversation(
    *,
    session: Session,
    channel: str,
    language: str = "en",
    external_id: str | None = None,
    token: str | None = None,
) -> tuple[Conversation, str]:
    """Open a conversation; returns it and the token that reaches it (shown once, stored hashed).

    A channel that derives its own token (WeChat, from the sender's id) passes it in."""
    if channel not in CHANNELS:
        raise ValidationFailed(f"unknown channel '{channel}'; one of: {', '.join(CHANNELS)}", code="bad_channel")
    if language not in LANGUAGES:
        raise ValidationFailed(f"unknown language '{language}'; one of: {', '.join(LANGUAGES)}", code="bad_language")
    token = token or secrets.token_urlsafe(32)
    at = now()
    conversation = Conversation(
        token_hash=_hash(token),
        channel=channel,
        external_id=external_id,
        language=language,
        status="open",
        state={},
        started_at=at,
        last_activity_at=at,
    )
    session.add(conversation)
    session.flush()
    _add(session, conversation, "assistant", say("greeting", language))
    session.flush()
    record(
        session=session, actor=ASSISTANT, action="conversation.start", entity="conversation", entity_id=conversation.id
    )
    return conversation, token


def find_conversation(session: Session, token: str, *, for_update: bool = False) -> Conversation:
    """The conversation ``token`` reaches; ``NotFound`` otherwise (a wrong token learns nothing)."""
    query = select(Conversation).where(Conversation.token_hash == _hash(token))
    if for_update:
        query = query.with_for_update()
    conversation = session.scalar(query)
    if conversation is None:
        raise NotFound("no such conversation", code="conversation_not_found")
    return conversation


def conversation_by_external_id(session: Session, channel: str, external_id: str) -> Conversation | None:
    """The open conversation of a sender on an outside channel (WeChat), if any."""
    return session.scalar(
        select(Conversation).where(
            Conversation.channel == channel,
            Conversation.external_id == external_id,
            Conversation.status != "closed",
        )
    )


@dataclass(frozen=True)
class SignedIn:
    """A conversation now belonging to a customer, and the message held back until they signed in."""

    conversation_id: int
    party_id: int
    pending: str | None
    pending_message_id: int | None


def sign_in(*, session: Session, token: str, party_id: int, passcode: str) -> SignedIn:
    """Check the customer's passcode (failures count towards their lock) and bind the conversation
    to them; it goes on their history as an interaction."""
    # A plain read: on SQLite an explicit transaction would take the write lock.
    conversation = find_conversation(session, token)
    channel, owner = conversation.channel, conversation.party_id
    session.rollback()
    if owner is not None and owner != party_id:
        raise Conflict("this conversation belongs to another customer", code="conversation_of_another_customer")
    principal: CustomerPrincipal = authenticate_customer(
        session=session, party_id=party_id, passcode=passcode, channel=f"assistant:{channel}"
    )
    with session.begin():
        conversation = find_conversation(session, token, for_update=True)
        actor = customer_actor(principal.party_id, conversation.channel)
        if conversation.interaction_id is None:
            interaction = record_assistant_contact(
                session, actor=actor, party_id=party_id, channel=contact_channel(conversation.channel)
            )
            conversation.interaction_id = interaction.id
        conversation.party_id, conversation.authenticated_at = party_id, principal.signed_in_at
        state = dict(conversation.state or {})
        pending = state.pop("after_sign_in", None)
        pending_id = state.pop("after_sign_in_message", None)
        conversation.state = state
        return SignedIn(
            conversation_id=conversation.id, party_id=party_id, pending=pending, pending_message_id=pending_id
        )


def answer_pending(
    *, sessions: Callable[[], Session], dialogue: Dialogue, lake_root: Path, signed: SignedIn
) -> Exchange | None:
    """Answer the message the customer sent before signing in (it is not stored a second time)."""
    if not signed.pending or signed.pending_message_id is None:
        return None
    with sessions() as session:
        conversation = session.get(Conversation, signed.conversation_id)
        assert conversation is not None
        context = (conversation.party_id, conversation.channel, dict(conversation.state or {}), conversation.language)
    return answer(
        sessions=sessions,
        dialogue=dialogue,
        lake_root=lake_root,
        conversation_id=signed.conversation_id,
        message_id=signed.pending_message_id,
        text=signed.pending,
        context=context,
    )


def tell_insights(
    *, sessions: Callable[[], Session], lake_root: Path, conversation_id: int
) -> ConversationMessage | None:
    """Once per conversation, right after sign-in: what is worth knowing about their money (if anything)."""
    with sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.party_id is not None
        if (conversation.state or {}).get("insights_told"):
            return None
        party_id, channel, language = conversation.party_id, conversation.channel, conversation.language
    actions = CustomerActions(
        sessions, customer_actor(party_id, channel), lake_root=lake_root, channel=contact_channel(channel)
    )
    found = actions.insights()[:PROACTIVE_INSIGHTS]
    with sessions() as session, session.begin():
        conversation = session.scalar(select(Conversation).where(Conversation.id == conversation_id).with_for_update())
        assert conversation is not None
        conversation.state = dict(conversation.state or {}) | {"insights_told": True}
        if not found:
            return None
        text = "\n".join([say("insights_intro", language)] + [insight.sentence(language) for insight in found])
        message = _add(session, conversation, "assistant", text, data={"insights": [i.kind for i in found]})
        session.flush()
        return message


@dataclass(frozen=True)
class Exchange:
    """One message and what came back."""

    conversation_id: int
    message: ConversationMessage
    replies: list[ConversationMessage]
    turn: Turn | None


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed("the message is empty", code="empty_message", details={"field": "text"})
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed(
            f"the message is longer than {MAX_MESSAGE} characters", code="message_too_long", details={"field": "text"}
        )
    return text


def _add(session: Session, conversation: Conversation, sender: str, text: str, **extra: Any) -> ConversationMessage:
    message = ConversationMessage(conversation_id=conversation.id, at=now(), sender=sender, text=text, **extra)
    session.add(message)
    conversation.last_activity_at = message.at
    return message


def transcript(session: Session, conversation_id: int) -> str:
    """The conversation as a person reads it: one line per message, oldest first."""
    messages = session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.id)
    )
    return "\n".join(
        f"[{m.at:%Y-%m-%d %H:%M} UTC] {SENDER_LABEL.get(m.sender, m.sender)}: {m.text}{_faq_note(m.data)}"
        for m in messages
    )


def _faq_note(data: dict[str, Any] | None) -> str:
    """For an answer from the FAQ, the bank's question it matched and how closely, for the staff who read on."""
    faq = (data or {}).get("faq")
    if not isinstance(faq, dict):
        return ""
    return f' [FAQ {faq.get("key")}: matched "{faq.get("question")}", score {float(faq.get("score", 0)):.2f}]'


def post_message(
    *,
    sessions: Callable[[], Session],
    dialogue: Dialogue,
    lake_root: Path,
    token: str,
    text: str,
) -> Exchange:
    """Take the customer's message and answer it (or pass it to the agent after a handover)."""
    text = _check_text(text)
    with sessions() as session, session.begin():
        conversation = find_conversation(session, token, for_update=True)
        if conversation.status == "closed":
            raise Conflict("this conversation is closed: start a new one", code="conversation_closed")
        message = _add(session, conversation, "customer", text)
        if conversation.status == "handed_over" and conversation.case_id is not None:
            _forward_to_case(session, conversation, text)
            session.flush()
            return Exchange(conversation.id, message, [], None)
        session.flush()
        conversation_id, message_id = conversation.id, message.id
        party_id, channel = conversation.party_id, conversation.channel
        state, language = dict(conversation.state or {}), conversation.language
    return answer(
        sessions=sessions,
        dialogue=dialogue,
        lake_root=lake_root,
        conversation_id=conversation_id,
        message_id=message_id,
        text=text,
        context=(party_id, channel, state, language),
    )


def answer(
    *,
    sessions: Callable[[], Session],
    dialogue: Dialogue,
    lake_root: Path,
    conversation_id: int,
    message_id: int,
    text: str,
    context: tuple[int | None, str, dict[str, Any], str],
) -> Exchange:
    """Let the dialogue answer a stored customer message, then store its replies and state."""
    party_id, channel, state, language = context
    actions = None
    if party_id is not None:
        actor = customer_actor(party_id, channel)
        actions = CustomerActions(sessions, actor, lake_root=lake_root, channel=contact_channel(channel))

    def read_transcript() -> str:
        with sessions() as session:
            return transcript(session, conversation_id)

    turn = dialogue.respond(text, state=state, language=language, actions=actions, transcript=read_transcript)
    if turn.state.get("after_sign_in") == text:
        turn.state["after_sign_in_message"] = message_id  # answered once the customer signs in
    with sessions() as session, session.begin():
        conversation = session.scalar(select(Conversation).where(Conversation.id == conversation_id).with_for_update())
        assert conversation is not None
        message = session.get(ConversationMessage, message_id)
        assert message is not None
        message.intent, message.confidence = turn.intent, turn.confidence
        replies = [_add(session, conversation, "assistant", reply, data=turn.data or None) for reply in turn.replies]
        conversation.state, conversation.language = turn.state, turn.language
        if turn.handed_over_case is not None:
            conversation.status, conversation.case_id = "handed_over", turn.handed_over_case
            _note_outcome(session, conversation, "case_opened")
        session.flush()
        return Exchange(conversation_id, message, replies, turn)


def _note_outcome(session: Session, conversation: Conversation, outcome: str) -> None:
    if conversation.interaction_id is None:
        return
    interaction = session.get(Interaction, conversation.interaction_id)
    if interaction is not None:
        interaction.outcome = outcome
        interaction.case_id = conversation.case_id or interaction.case_id
        interaction.duration_seconds = int((now() - conversation.started_at).total_seconds())


def _forward_to_case(session: Session, conversation: Conversation, text: str) -> None:
    case = session.get(Case, conversation.case_id)
    if case is None or conversation.party_id is None:
        return
    actor = customer_actor(conversation.party_id, conversation.channel)
    add_event(session, case, actor=actor, kind="customer_message", at=now(), body=text, visibility="customer")


@use_case
def sync_agent_replies(*, session: Session, token: str) -> Conversation:
    """Bring the agent's replies on the conversation's case into the conversation (once each)."""
    conversation = find_conversation(session, token, for_update=True)
    if conversation.case_id is None:
        return conversation
    seen = {
        (m.data or {}).get("case_event_id")
        for m in session.scalars(
            select(ConversationMessage).where(
                ConversationMessage.conversation_id == conversation.id, ConversationMessage.sender == "agent"
            )
        )
    }
    replies = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == conversation.case_id, CaseEvent.kind == "reply", CaseEvent.visibility == "customer")
        .order_by(CaseEvent.id)
    )
    for event in replies:
        if event.id not in seen and event.body:
            _add(session, conversation, "agent", event.body, data={"case_event_id": event.id})
    return conversation


def list_messages(*, session: Session, token: str, after_id: int = 0) -> tuple[Conversation, list[ConversationMessage]]:
    """The conversation and its messages after ``after_id``, oldest first (agent replies included)."""
    if find_conversation(session, token).case_id is not None:
        session.rollback()
        sync_agent_replies(session=session, token=token)  # the only write, and only after a handover
    conversation = find_conversation(session, token)
    messages = list(
        session.scalars(
            select(ConversationMessage)
            .where(ConversationMessage.conversation_id == conversation.id, ConversationMessage.id > after_id)
            .order_by(ConversationMessage.id)
        )
    )
    session.expunge_all()
    session.rollback()  # reads only: end the transaction
    return conversation, messages


@use_case
def close_conversation(*, session: Session, token: str) -> Conversation:
    """End the conversation; a later message needs a new one."""
    conversation = find_conversation(session, token, for_update=True)
    if conversation.status != "closed":
        if conversation.status == "open":
            _note_outcome(session, conversation, "resolved")
        conversation.status = "closed"
        conversation.last_activity_at = now()
    return conversation


def idle_since(conversation: Conversation) -> dt.timedelta:
    """How long the conversation has been quiet."""
    return now() - conversation.last_activity_at
