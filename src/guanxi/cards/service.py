"""Cards: list a customer's cards, lock and unlock one, report one lost or stolen.

Each change is one transaction with its audit entry. Reporting a card lost stops it for good
(``blocked``) and opens a service request for the replacement in the same transaction, so a
stopped card never goes without its follow-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.accounts.models import Account, Card
from guanxi.audit.service import record
from guanxi.cases.schemas import CaseCreate
from guanxi.cases.service import start_case
from guanxi.codes import CardStatus, CasePriority, CaseType, ContactChannel
from guanxi.db import use_case
from guanxi.errors import Conflict, NotFound
from guanxi.parties.models import Party
from guanxi.parties.scope import get_visible_party_or_raise, visible_parties
from guanxi.security.actor import Actor
from guanxi.security.permissions import Permission

# Statuses a card can still be used or unlocked from; expired and closed cards are history.
LIVE_STATUSES = (CardStatus.ACTIVE.value, CardStatus.LOCKED.value)


@dataclass(frozen=True)
class CardView:
    """A card as the customer and staff may see it: never a card number, only the account's end."""

    id: int
    card_type: str
    tier: str
    status: str
    account_id: int
    account_ending: str
    expires_on: dt.date | None

    def describe(self) -> str:
        """Words that tell the customer which card this is, e.g. ``gold credit card (account ending 4321)``."""
        return f"{self.tier} {self.card_type} card (account ending {self.account_ending})"


def _view(card: Card, account_number: str) -> CardView:
    return CardView(
        id=card.id,
        card_type=card.card_type,
        tier=card.tier,
        status=card.status,
        account_id=card.account_id,
        account_ending=account_number[-4:],
        expires_on=card.expires_on,
    )


def list_party_cards(*, session: Session, actor: Actor, party_id: int, live_only: bool = True) -> list[CardView]:
    """The customer's own cards (those issued to them), live ones only unless asked."""
    actor.require(Permission.ACCOUNT_READ)
    get_visible_party_or_raise(session=session, actor=actor, party_id=party_id)
    query = (
        select(Card, Account.account_number)
        .join(Account, Account.id == Card.account_id)
        .where(Card.party_id == party_id)
        .order_by(Card.issued_on.desc(), Card.id.desc())
    )
    if live_only:
        query = query.where(Card.status.in_(LIVE_STATUSES))
    return [_view(card, number) for card, number in session.execute(query)]


def _card_for_update(session: Session, actor: Actor, card_id: int) -> tuple[Card, str]:
    actor.require(Permission.CARD_MANAGE)
    visible_holder = select(Party.id).where(visible_parties(actor))
    row = session.execute(
        select(Card, Account.account_number)
        .join(Account, Account.id == Card.account_id)
        .where(Card.id == card_id, Card.party_id.in_(visible_holder))
        .with_for_update(of=Card)
    ).first()
    if row is None:
        raise NotFound(f"no card with id {card_id}", details={"card_id": card_id})
    return row[0], row[1]


def _refuse_unless(card: Card, allowed: tuple[str, ...], doing: str, code: str) -> None:
    if card.status not in allowed:
        raise Conflict(
            f"card {card.id} is {card.status}: it cannot be {doing}",
            code=code,
            details={"card_id": card.id, "status": card.status},
        )


def _change(session: Session, actor: Actor, card: Card, to: CardStatus, action: str) -> None:
    before, card.status = card.status, to.value
    session.flush()
    record(
        session=session,
        actor=actor,
        action=action,
        entity="card",
        entity_id=card.id,
        data={"party_id": card.party_id, "from": before, "to": card.status},
    )


@use_case
def lock_card(*, session: Session, actor: Actor, card_id: int) -> CardView:
    """Pause an active card (the customer can unlock it); audited."""
    card, number = _card_for_update(session, actor, card_id)
    _refuse_unless(card, (CardStatus.ACTIVE.value,), "locked", "card_not_active")
    _change(session, actor, card, CardStatus.LOCKED, "card.lock")
    return _view(card, number)


@use_case
def unlock_card(*, session: Session, actor: Actor, card_id: int) -> CardView:
    """Unlock a card the customer locked; a card stopped as lost or stolen stays stopped; audited."""
    card, number = _card_for_update(session, actor, card_id)
    _refuse_unless(card, (CardStatus.LOCKED.value,), "unlocked", "card_not_locked")
    _change(session, actor, card, CardStatus.ACTIVE, "card.unlock")
    return _view(card, number)


@dataclass(frozen=True)
class LostCardReport:
    """A card stopped for good and the service request that replaces it."""

    card: CardView
    case_id: int


@use_case
def report_card_lost(
    *, session: Session, actor: Actor, card_id: int, stolen: bool = False, channel: ContactChannel
) -> LostCardReport:
    """Stop a live card for good and open the replacement request, in one transaction; audited."""
    card, number = _card_for_update(session, actor, card_id)
    _refuse_unless(card, LIVE_STATUSES, "reported lost", "card_not_live")
    _change(session, actor, card, CardStatus.BLOCKED, "card.report_stolen" if stolen else "card.report_lost")
    what = "stolen" if stolen else "lost"
    view = _view(card, number)
    # Inside this transaction: the card stays live if the request cannot be opened.
    case = start_case(
        session,
        actor=actor,
        data=CaseCreate(
            party_id=card.party_id or 0,
            case_type=CaseType.SERVICE_REQUEST,
            category="credit_card" if card.card_type == "credit" else "checking_savings",
            sub_category=f"card_{what}",
            priority=CasePriority.HIGH,
            channel=channel,
            subject=f"Replace {what} {view.describe()}",
            description=f"The customer reported their {view.describe()} {what}; the card is blocked.",
        ),
    )
    return LostCardReport(card=view, case_id=case.id)
