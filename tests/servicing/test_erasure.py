"""Erasing a customer clears the free text of their servicing history and stops their messages."""

from __future__ import annotations

from sqlalchemy import select

from guanxi.cases.models import Case, CaseEvent
from guanxi.cases.schemas import CaseCreate, CaseNote, CaseTransition
from guanxi.cases.service import open_case
from guanxi.cases.workflow import add_note, transition_case
from guanxi.clock import frozen_at
from guanxi.interactions.models import Interaction
from guanxi.interactions.schemas import InteractionCreate
from guanxi.interactions.service import log_interaction
from guanxi.outbox.models import OutboxMessage
from guanxi.privacy.service import erase_party
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from guanxi.surveys.models import Survey
from servicing.conftest import ADMIN, T0

COMPLIANCE = Actor(username="compliance", role=Role.COMPLIANCE_OFFICER, source="test")


def test_erasure_clears_case_contact_and_survey_text_and_cancels_pending_messages(session, serviced, lake_root):
    # given a closed complaint in the customer's words, a note, a contact and the survey it sent
    party_id = serviced["customer"]
    with frozen_at(T0):
        case = open_case(
            session=session,
            actor=ADMIN,
            data=CaseCreate(
                party_id=party_id,
                case_type="complaint",
                category="fees_charges",
                channel="phone",
                subject="Fee",
                description="My name is Wang and my card 6222 was charged twice",
            ),
        )
        add_note(session=session, actor=ADMIN, case_id=case.id, data=CaseNote(body="Wang called from 138..."))
        for move in (
            CaseTransition(to="resolved", resolution_code="explained", root_cause="process"),
            CaseTransition(to="closed"),
        ):
            transition_case(session=session, actor=ADMIN, case_id=case.id, data=move)
        log_interaction(
            session=session,
            actor=ADMIN,
            party_id=party_id,
            data=InteractionCreate(
                channel="branch", direction="inbound", topic="Wang's mortgage", summary="Wang is moving"
            ),
        )
    # when the customer is erased
    erase_party(session=session, actor=COMPLIANCE, lake_root=lake_root, party_id=party_id, reason="DSR-1")
    # then no free text of theirs is left, and nothing pending will be sent
    with session.begin():
        stored = session.get(Case, case.id)
        session.refresh(stored)
        assert (stored.subject, stored.description) == ("[erased]", None)
        assert set(session.scalars(select(CaseEvent.body).where(CaseEvent.case_id == case.id))) == {None}
        assert session.execute(select(Interaction.topic, Interaction.summary)).all() == [("[erased]", None)]
        assert set(session.scalars(select(Survey.comment))) == {None}
        messages = session.execute(
            select(OutboxMessage.status, OutboxMessage.subject, OutboxMessage.body).where(
                OutboxMessage.party_id == party_id
            )
        ).all()
        assert {tuple(m) for m in messages} == {("cancelled", "[erased]", "[erased]")}
