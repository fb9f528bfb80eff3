"""The demo bank's servicing history: a business calendar, complaints and requests worked through
their states over the last months, contacts on every channel, and the customers' survey answers.

Everything goes through the same services as the workspace (on a frozen clock per step), so the
demo's cases, SLA flags, surveys, follow-up tasks and audit trail are what real use produces.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, String, func, select
from sqlalchemy.orm import Session

from guanxi.calendars.business_time import WorkingCalendar, add_business_seconds
from guanxi.calendars.service import add_holiday, save_calendar, working_calendar
from guanxi.cases.models import Case
from guanxi.cases.monitoring import sweep_slas
from guanxi.cases.schemas import CaseCreate, CaseTransition
from guanxi.cases.service import open_case
from guanxi.cases.workflow import transition_case
from guanxi.clock import frozen_at, now
from guanxi.db import session_factory
from guanxi.events.invitations import answer_invitation, follow_up_event, invite_to_event, mark_attended
from guanxi.events.schemas import EventCreate, InvitationRequest
from guanxi.events.service import create_event, transition_event
from guanxi.interactions.schemas import InteractionCreate
from guanxi.interactions.service import log_interaction
from guanxi.outbox.delivery import channels_from_settings, deliver_due
from guanxi.outbox.models import OutboxMessage
from guanxi.parties.models import Party
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from guanxi.security.pii import Vault
from guanxi.surveys.models import Survey
from guanxi.surveys.service import answer_survey
from guanxi.team.models import Staff

WEEK = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
HOLIDAYS = {
    dt.date(2026, 10, 1): "National Day",
    dt.date(2026, 10, 2): "National Day",
    dt.date(2026, 10, 5): "National Day",
    dt.date(2027, 1, 1): "New Year's Day",
    dt.date(2027, 2, 8): "Spring Festival",
    dt.date(2027, 2, 9): "Spring Festival",
}
# (case type, category, subject, narrative in English, in Chinese)
STORIES = (
    (
        "complaint",
        "fees_charges",
        "Annual fee charged twice",
        "I was charged the annual fee twice this month.",
        "本月年費被重複扣了兩次。",
    ),
    (
        "complaint",
        "credit_card",
        "Card declined abroad",
        "My card was declined at a hotel abroad although I had told the bank.",
        "我已通知銀行出國，但信用卡在海外酒店被拒。",
    ),
    (
        "dispute",
        "credit_card",
        "Unknown card payment",
        "There is a payment on my card that I did not make.",
        "信用卡上有一筆我沒有做過的交易。",
    ),
    (
        "complaint",
        "digital_banking",
        "Cannot log in to the app",
        "The mobile app keeps rejecting my password since the update.",
        "更新後手機應用程式一直拒絕我的密碼。",
    ),
    (
        "service_request",
        "checking_savings",
        "Change of address",
        "Please update my address for statements.",
        "請更新我的月結單地址。",
    ),
    (
        "complaint",
        "branch_service",
        "Long wait at the branch",
        "I waited over an hour at the branch and was treated rudely.",
        "我在分行等了一個多小時，職員態度差。",
    ),
    (
        "complaint",
        "mortgage",
        "Mortgage rate not lowered",
        "My mortgage rate was not lowered after the rate cut.",
        "減息後我的按揭利率沒有下調。",
    ),
    ("enquiry", "investment", "Fund performance", "How has my fund performed this year?", "我的基金今年表現如何？"),
    (
        "service_request",
        "money_transfer",
        "Transfer not arrived",
        "My transfer to Hong Kong has not arrived after three days.",
        "匯往香港的款項三天後仍未到賬。",
    ),
    (
        "complaint",
        "personal_loan",
        "Early repayment fee",
        "I was not told about the early repayment fee.",
        "沒有人告訴我提前還款要收費。",
    ),
)
CONTACT_TOPICS = (
    ("phone", "inbound", "Balance enquiry", "information_given", "Thanks, that was quick."),
    ("branch", "inbound", "Opened a time deposit", "sale", "Happy with the rate, thank you."),
    ("rm_visit", "outbound", "Portfolio review", "follow_up", "Discussed the fund switch; will call back."),
    ("phone", "outbound", "Renewal reminder", "no_answer", None),
    ("wechat", "inbound", "Card limit question", "information_given", "謝謝，很方便"),
    ("email", "inbound", "Statement copy", "resolved", "Received the statement, thanks."),
    ("phone", "inbound", "Charged twice", "case_opened", "Customer upset: charged twice, wants a refund."),
)
RESOLUTIONS = (
    ("resolved_in_favour", "system"),
    ("explained", "communication"),
    ("partially_upheld", "fees_pricing"),
    ("request_fulfilled", "process"),
    ("not_upheld", "no_fault"),
    ("explained", "product_design"),
)


@dataclass(frozen=True)
class _Step:
    at: dt.datetime
    run: Callable[[Session], None]


def _calendar(sessions: Callable[[], Session], actor: Actor) -> None:
    with sessions() as session:
        calendar = save_calendar(session=session, actor=actor, name="default", timezone="Asia/Shanghai", week=WEEK)
        for day, name in HOLIDAYS.items():
            add_holiday(session=session, actor=actor, calendar_id=calendar.id, day=day, name=name)


def _handler(rm_id: int | None, desk: Actor) -> Actor:
    """Who logs a contact: the customer's RM when they have one, else the service desk."""
    if rm_id is None:
        return desk
    return Actor(username=f"staff-{rm_id}", role=Role.RELATIONSHIP_MANAGER, staff_id=rm_id, source="demo")


def _case_life(
    session: Session,
    data: CaseCreate,
    agent: Actor,
    progress: float,
    opened: dt.datetime,
    end: dt.datetime,
    calendar: WorkingCalendar,
    rng: random.Random,
) -> None:
    """Open a case and work it as far as ``progress`` says, each move a few business hours later."""
    case = open_case(session=session, actor=agent, data=data)
    case_id, owner = case.id, session.get(Staff, case.owner_staff_id) if case.owner_staff_id else None
    if owner is not None and owner.role in {r.value for r in Role}:
        # The case's owner works it (the customer's RM when the case was routed to them).
        agent = Actor(username=f"staff-{owner.id}", role=Role(owner.role), staff_id=owner.id, team_id=owner.team_id)
    session.rollback()  # the read above is done; each move is a use case of its own
    path: list[CaseTransition] = []
    if progress > 0.15:
        path.append(CaseTransition(to="in_progress"))
    if 0.3 < progress < 0.45:
        path.append(CaseTransition(to="waiting_for_customer", note="Asked the customer for documents."))
    if progress > 0.45:
        code, cause = rng.choice(RESOLUTIONS)
        path.append(CaseTransition(to="resolved", resolution_code=code, root_cause=cause))
    if progress > 0.55:
        path.append(CaseTransition(to="closed"))
    at = opened
    for move in path:
        at = add_business_seconds(calendar, at, rng.randrange(1800, 20 * 3600))
        if at >= end:
            return
        with frozen_at(at):
            transition_case(session=session, actor=agent, case_id=case_id, data=move)


def _answer_surveys(sessions: Callable[[], Session], rng: random.Random, seen: set[int]) -> None:
    """Customers answer most new surveys a few hours after they arrive, most of them content."""
    with sessions() as session:
        rows = session.execute(
            select(Survey.id, Survey.kind, Survey.sent_at, OutboxMessage.body)
            .join(
                OutboxMessage,
                (OutboxMessage.source == "survey") & (OutboxMessage.source_id == func.cast(Survey.id, String)),
            )
            .where(Survey.status == "sent", Survey.id.not_in(seen) if seen else Survey.id.is_not(None))
        ).all()
    for survey_id, kind, sent_at, body in rows:
        seen.add(survey_id)
        if rng.random() > 0.7:
            continue
        score = (
            rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 5, 6))[0]
            if kind == "csat"
            else rng.choices(range(11), (1, 1, 1, 1, 1, 2, 2, 4, 6, 6, 5))[0]
        )
        with sessions() as session, frozen_at(sent_at + dt.timedelta(hours=rng.randrange(1, 48))):
            answer_survey(session=session, token=body.rsplit("/s/", 1)[1], score=score, comment=None)


def _events(sessions: Callable[[], Session], actor: Actor, end: dt.datetime, rng: random.Random) -> None:
    """A seminar held three weeks ago (with answers, attendance and follow-up) and a salon coming up."""
    plans = (
        ("Retirement planning seminar", "seminar", -21, ("lifecycle_stage", "mature")),
        ("Investment salon: markets in the new year", "investment_salon", 10, ("value_tier", "affluent")),
    )
    for title, kind, days, (segmentation, segment) in plans:
        starts = (end + dt.timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
        with sessions() as session, frozen_at(starts - dt.timedelta(days=20)):
            event = create_event(
                session=session,
                actor=actor,
                data=EventCreate(
                    title=title, kind=kind, starts_at=starts, ends_at=starts + dt.timedelta(hours=2), capacity=40
                ),
            )
            invited = invite_to_event(
                session=session,
                actor=actor,
                event_id=event.id,
                data=InvitationRequest(segmentation=segmentation, segment=segment),
            ).invited
        coming = [party_id for party_id in invited if rng.random() < 0.3][:40]
        for party_id in coming:
            with sessions() as session, frozen_at(starts - dt.timedelta(days=rng.randrange(2, 15))):
                answer_invitation(session=session, actor=actor, event_id=event.id, party_id=party_id, answer="accepted")
        if days < 0:
            for party_id in coming:
                if rng.random() < 0.8:
                    with sessions() as session, frozen_at(starts + dt.timedelta(minutes=5)):
                        mark_attended(session=session, actor=actor, event_id=event.id, party_id=party_id)
            with sessions() as session, frozen_at(starts + dt.timedelta(days=1)):
                follow_up_event(session=session, actor=actor, event_id=event.id)
            with sessions() as session, frozen_at(starts + dt.timedelta(days=1)):
                transition_event(session=session, actor=actor, event_id=event.id, to="completed")


def seed_servicing(
    engine: Engine,
    *,
    vault: Vault,
    seed: int = 42,
    cases: int = 300,
    contacts: int = 600,
    on_step: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Give the demo bank its servicing history once (nothing happens if it has cases already)."""
    sessions = session_factory(engine)
    admin = Actor(username="service-desk", role=Role.ADMIN, source="demo")
    with sessions() as session:
        if session.scalar(select(func.count()).select_from(Case)):
            return {"cases": 0, "contacts": 0}
        parties = list(
            session.execute(
                select(Party.id, Party.preferred_language, Party.relationship_manager_id).order_by(Party.id)
            ).all()
        )
    _calendar(sessions, admin)
    rng = random.Random(seed)
    end = now()
    with sessions() as session:
        calendar = working_calendar(session)
    steps: list[_Step] = []

    def business_moment(days_back: float) -> dt.datetime:
        start = end - dt.timedelta(days=days_back)
        return add_business_seconds(calendar, start, rng.randrange(0, 8 * 3600))

    for _ in range(cases):
        party_id, language, _rm = rng.choice(parties)
        case_type, category, subject, english, chinese = rng.choice(STORIES)
        progress = rng.random()
        # Cases still open were opened in the last week or so; the others over the last months.
        opened = business_moment(rng.uniform(0.2, 8) if progress <= 0.45 else rng.uniform(8, 150))
        # The service desk registers the case; whoever it is routed to works it (see _case_life).
        agent = admin
        data = CaseCreate(
            party_id=party_id,
            case_type=case_type,
            category=category,
            priority=rng.choices(("urgent", "high", "normal", "low"), (1, 3, 10, 2))[0],
            channel=rng.choice(("phone", "branch", "email", "mobile_app", "wechat")),
            subject=subject,
            description=chinese if (language or "").startswith("zh") else english,
        )
        steps.append(
            _Step(
                opened,
                lambda s, data=data, agent=agent, progress=progress, at=opened: _case_life(
                    s, data, agent, progress, at, end, calendar, rng
                ),
            )
        )
    for _ in range(contacts):
        party_id, _language, rm_id = rng.choice(parties)
        channel, direction, topic, outcome, summary = rng.choice(CONTACT_TOPICS)
        at = business_moment(rng.uniform(0.1, 150))
        agent = _handler(rm_id, admin)
        contact = InteractionCreate(
            channel=channel, direction=direction, topic=topic, outcome=outcome, summary=summary, occurred_at=at
        )
        steps.append(
            _Step(
                at,
                lambda s, party_id=party_id, contact=contact, agent=agent: log_interaction(
                    session=s, actor=agent, party_id=party_id, data=contact
                ),
            )
        )
    seen: set[int] = set()
    for step in sorted(steps, key=lambda s: s.at):
        with sessions() as session, frozen_at(step.at):
            step.run(session)
        _answer_surveys(sessions, rng, seen)
        if on_step:
            on_step()
    _events(sessions, admin, end, rng)
    with sessions() as session:
        sweep_slas(session=session)
    deliver_due(sessions=sessions, vault=vault, channels=channels_from_settings(None, 25, "demo@guanxi.invalid"))
    return {"cases": cases, "contacts": contacts}
