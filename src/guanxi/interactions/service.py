"""Logging contacts with customers and reading them back; a logged contact may prompt a survey."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.appointments.models import Appointment
from guanxi.audit.service import record
from guanxi.cases.models import Case
from guanxi.clock import now
from guanxi.db import use_case
from guanxi.errors import NotFound, ValidationFailed
from guanxi.interactions.models import Interaction
from guanxi.interactions.schemas import InteractionCreate
from guanxi.interactions.sentiment import score_text
from guanxi.parties.scope import get_visible_party_or_raise
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission
from guanxi.surveys.service import survey_after

# A contact needs logging rights: whoever works cases or serves customers.
LOG_PERMISSION = Permission.CASE_WRITE


@use_case
def log_interaction(*, session: Session, actor: Actor, party_id: int, data: InteractionCreate) -> Interaction:
    """Log a contact on the customer's history (scored for tone when it has text); audited."""
    actor.require(LOG_PERMISSION)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    at = data.occurred_at or now()
    if at > now():
        raise ValidationFailed("a contact cannot be logged in the future", code="in_the_future")
    if data.case_id is not None:
        case_party = session.scalar(select(Case.party_id).where(Case.id == data.case_id))
        if case_party is None:
            raise NotFound(f"no case with id {data.case_id}", code="case_not_found")
        if case_party != party_id:
            raise ValidationFailed(f"case {data.case_id} belongs to another customer", code="case_of_another_customer")
    if data.appointment_id is not None:
        appointment_party = session.scalar(select(Appointment.party_id).where(Appointment.id == data.appointment_id))
        if appointment_party is None:
            raise NotFound(f"no appointment with id {data.appointment_id}", code="appointment_not_found")
        if appointment_party != party_id:
            raise ValidationFailed(
                f"appointment {data.appointment_id} belongs to another customer", code="appointment_of_another_customer"
            )
    tone = score_text(data.summary) if data.summary else None
    interaction = Interaction(
        party_id=party_id,
        occurred_at=at,
        channel=data.channel.value,
        direction=data.direction,
        handled_by_staff_id=actor.staff_id,
        handled_by=actor.username,
        topic=data.topic,
        outcome=data.outcome,
        summary=data.summary,
        sentiment=tone.score if tone else None,
        sentiment_label=tone.label if tone else None,
        duration_seconds=data.duration_seconds,
        case_id=data.case_id,
        appointment_id=data.appointment_id,
        campaign_id=data.campaign_id,
    )
    session.add(interaction)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="interaction.log",
        entity="party",
        entity_id=party_id,
        data={"interaction_id": interaction.id, "channel": interaction.channel, "topic": data.topic},
    )
    if data.direction == "inbound":
        survey_after(
            session,
            actor=actor,
            trigger=f"interaction:{interaction.channel}",
            party_id=party_id,
            interaction_id=interaction.id,
            staff_id=actor.staff_id,
            team_id=actor.team_id,
            channel=interaction.channel,
            category=None,
        )
    return interaction


def list_interactions(*, session: Session, actor: Actor, party_id: int, limit: int = 50) -> list[Interaction]:
    """The customer's contacts, newest first."""
    actor.require(Permission.CUSTOMER_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.party_id == party_id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )


def record_assistant_contact(session: Session, *, actor: Actor, party_id: int, channel: str) -> Interaction:
    """Put a conversation with the assistant on the customer's history, inside the caller's
    transaction (the conversation fills in the outcome and the case as it goes); audited."""
    actor.require(LOG_PERMISSION)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    interaction = Interaction(
        party_id=party_id,
        occurred_at=now(),
        channel=channel,
        direction="inbound",
        handled_by="assistant",
        topic="Conversation with the assistant",
    )
    session.add(interaction)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="interaction.log",
        entity="party",
        entity_id=party_id,
        data={"interaction_id": interaction.id, "channel": channel, "topic": interaction.topic},
    )
    return interaction
