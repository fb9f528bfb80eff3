"""What the assistant can do for a signed-in customer, each through the domain service that owns it.

Every call acts as the customer themselves (the ``customer`` role, scoped to their own
relationship), so the services' permission checks, row scoping, audit entries and SLA clocks
apply exactly as for any other channel. Each write is its own transaction, opened by the service.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from guanxi.accounts.schemas import AccountRead
from guanxi.accounts.service import list_account_transactions, list_party_accounts
from guanxi.appointments.schemas import AppointmentCreate, AppointmentPurpose, AppointmentReschedule
from guanxi.appointments.service import (
    AppointmentFilters,
    book_appointment,
    cancel_appointment,
    list_appointments,
    reschedule_appointment,
)
from guanxi.appointments.slots import available_slots
from guanxi.assistant.slots import AccountHint
from guanxi.calendars.service import working_calendar
from guanxi.cards.service import CardView, list_party_cards, lock_card, report_card_lost, unlock_card
from guanxi.cases.schemas import CaseCreate
from guanxi.cases.service import open_case
from guanxi.cases.suggestions import suggest_category
from guanxi.clock import now
from guanxi.codes import CasePriority, CaseType, ContactChannel
from guanxi.config import get_settings
from guanxi.insights.service import InsightView, party_insights
from guanxi.parties.contact_changes import code_digest, confirm_contact, propose_contact, withdraw_contact
from guanxi.parties.models import Party
from guanxi.products.models import Product
from guanxi.security.actor import Actor
from guanxi.security.pii import Vault
from guanxi.team.models import Branch

MAX_DESCRIPTION = 10_000


@dataclass(frozen=True)
class BalanceLine:
    """One open account's balance."""

    name: str
    name_zh: str | None
    ending: str
    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class TransactionLine:
    """One recent transaction."""

    booked_at: dt.datetime
    description: str
    amount: Decimal
    currency: str
    direction: str


@dataclass(frozen=True)
class Bookable:
    """Whom the customer books with: their relationship manager, else their home branch."""

    staff_id: int | None
    branch_id: int | None
    branch_name: str | None


@dataclass(frozen=True)
class AppointmentLine:
    """An upcoming appointment."""

    id: int
    starts_at: dt.datetime


class CustomerActions:
    """The customer's own banking, as the assistant may reach it."""

    def __init__(self, sessions: Callable[[], Session], actor: Actor, *, lake_root: Path, channel: str) -> None:
        self._sessions = sessions
        self.actor = actor
        self._lake_root = lake_root
        self._channel = ContactChannel(channel) if channel in set(ContactChannel) else ContactChannel.ASSISTANT

    @property
    def party_id(self) -> int:
        """The customer acted for."""
        assert self.actor.party_id is not None
        return self.actor.party_id

    def balances(self, account: AccountHint | None = None) -> tuple[list[BalanceLine], bool]:
        """Balances of the customer's open accounts that ``account`` means, and whether it meant any
        (every open account when it is None or means none of them)."""
        with self._sessions() as session:
            accounts = list_party_accounts(session=session, actor=self.actor, party_id=self.party_id)
            products = {a.product_id for a in accounts}
            query = select(Product.id, Product.name_zh).where(Product.id.in_(products))
            chinese = {product_id: name for product_id, name in session.execute(query)}
        chosen, found = _meant([a for a in accounts if a.status != "closed"], account)
        lines = [
            BalanceLine(
                name=a.product_name,
                name_zh=chinese.get(a.product_id),
                ending=a.account_number[-4:],
                amount=a.balance,
                currency=a.currency,
            )
            for a in chosen
        ]
        return lines, found

    def recent_transactions(
        self, limit: int = 5, account: AccountHint | None = None
    ) -> tuple[list[TransactionLine], bool]:
        """The latest transactions, newest first, over the accounts ``account`` means, and whether it meant
        any (every account when it is None or means none of them)."""
        lines: list[TransactionLine] = []
        with self._sessions() as session:
            accounts = list_party_accounts(session=session, actor=self.actor, party_id=self.party_id)
            chosen, found = _meant(accounts, account)
            for account_read in chosen:
                page = list_account_transactions(
                    session=session,
                    actor=self.actor,
                    lake_root=self._lake_root,
                    account_id=account_read.id,
                    limit=limit,
                )
                lines += [
                    TransactionLine(
                        booked_at=t.booked_at,
                        description=t.description or t.counterparty or t.txn_type,
                        amount=t.amount,
                        currency=t.currency,
                        direction=t.direction,
                    )
                    for t in page.items
                ]
        return sorted(lines, key=lambda line: line.booked_at, reverse=True)[:limit], found

    def cards(self) -> list[CardView]:
        """The customer's live cards."""
        with self._sessions() as session:
            return list_party_cards(session=session, actor=self.actor, party_id=self.party_id)

    def lock_card(self, card_id: int) -> CardView:
        """Lock one of the customer's cards."""
        with self._sessions() as session:
            return lock_card(session=session, actor=self.actor, card_id=card_id)

    def unlock_card(self, card_id: int) -> CardView:
        """Unlock a card the customer locked."""
        with self._sessions() as session:
            return unlock_card(session=session, actor=self.actor, card_id=card_id)

    def report_card_lost(self, card_id: int) -> tuple[CardView, int]:
        """Stop a card for good and open its replacement request; the card and the case id."""
        with self._sessions() as session:
            report = report_card_lost(session=session, actor=self.actor, card_id=card_id, channel=self._channel)
        return report.card, report.case_id

    def bookable(self, branch_id: int | None = None) -> Bookable:
        """The branch asked for; else the customer's relationship manager, else their home branch."""
        with self._sessions() as session:
            if branch_id is not None:
                name = session.scalar(select(Branch.name).where(Branch.id == branch_id))
                return Bookable(staff_id=None, branch_id=branch_id, branch_name=name)
            party = session.get(Party, self.party_id)
            assert party is not None
            if party.relationship_manager_id is not None:
                return Bookable(staff_id=party.relationship_manager_id, branch_id=None, branch_name=None)
            name = session.scalar(select(Branch.name).where(Branch.id == party.home_branch_id))
            return Bookable(staff_id=None, branch_id=party.home_branch_id, branch_name=name)

    def branch_names(self) -> dict[int, list[str]]:
        """Every branch's names a customer may use (its name, and a Chinese name where recorded)."""
        with self._sessions() as session:
            rows = session.execute(select(Branch.id, Branch.name, Branch.attributes)).all()
        return {
            branch_id: [name] + [str(v) for k, v in (attributes or {}).items() if k in ("name_zh", "short_name") and v]
            for branch_id, name, attributes in rows
        }

    def local_zone(self) -> ZoneInfo:
        """The time zone of the customer's home branch (the bank's default when none)."""
        with self._sessions() as session:
            party = session.get(Party, self.party_id)
            return working_calendar(session, party.home_branch_id if party else None).zone

    def free_slots(self, day: dt.date, branch_id: int | None = None) -> tuple[ZoneInfo, list[dt.datetime]]:
        """The free slot starts on ``day`` (in the calendar's time zone) with the zone."""
        where = self.bookable(branch_id)
        with self._sessions() as session:
            availability = available_slots(
                session=session, actor=self.actor, day=day, staff_id=where.staff_id, branch_id=where.branch_id
            )
        zone = ZoneInfo(availability.timezone)
        return zone, [slot.starts_at.astimezone(zone) for slot in availability.slots]

    def book(self, starts_at: dt.datetime, purpose: AppointmentPurpose, branch_id: int | None = None) -> int:
        """Book the slot; the appointment's id."""
        where = self.bookable(branch_id)
        data = AppointmentCreate(
            party_id=self.party_id,
            staff_id=where.staff_id,
            branch_id=where.branch_id,
            starts_at=starts_at,
            purpose=purpose,
            booked_via=self._channel,
        )
        with self._sessions() as session:
            return book_appointment(session=session, actor=self.actor, data=data).id

    def upcoming_appointments(self) -> list[AppointmentLine]:
        """The customer's booked appointments still ahead, soonest first."""
        with self._sessions() as session:
            booked, _ = list_appointments(
                session=session,
                actor=self.actor,
                filters=AppointmentFilters(party_id=self.party_id, status=("booked",)),
            )
        at = now()
        return [AppointmentLine(id=a.id, starts_at=a.starts_at) for a in booked if a.starts_at > at]

    def cancel_appointment(self, appointment_id: int) -> None:
        """Call off one of the customer's appointments."""
        with self._sessions() as session:
            cancel_appointment(
                session=session, actor=self.actor, appointment_id=appointment_id, reason="cancelled by the customer"
            )

    def reschedule_appointment(self, appointment_id: int, starts_at: dt.datetime) -> int:
        """Move an appointment to another free slot; the new appointment's id."""
        with self._sessions() as session:
            return reschedule_appointment(
                session=session,
                actor=self.actor,
                appointment_id=appointment_id,
                data=AppointmentReschedule(starts_at=starts_at),
            ).id

    def open_case(self, *, case_type: CaseType, subject: str, transcript: str, category: str | None = None) -> int:
        """Open a case with the conversation as its description, routed like any other; its id."""
        suggestion = suggest_category(transcript) if category is None else None
        chosen = category or (suggestion.category if suggestion else "other")
        # The newest part of a long conversation matters most to whoever picks it up.
        description = transcript if len(transcript) <= MAX_DESCRIPTION else "…" + transcript[-MAX_DESCRIPTION + 1 :]
        data = CaseCreate(
            party_id=self.party_id,
            case_type=case_type,
            category=chosen,
            priority=CasePriority.NORMAL,
            channel=ContactChannel.ASSISTANT,
            subject=subject[:200],
            description=description,
        )
        with self._sessions() as session:
            return open_case(session=session, actor=self.actor, data=data).id

    def propose_contact(self, kind: str, value: str) -> tuple[int, str, str]:
        """Store a new e-mail or phone as pending and send it a code: the point, its mask, the code's digest."""
        settings = get_settings()
        with self._sessions() as session:
            proposed = propose_contact(
                session=session,
                actor=self.actor,
                vault=Vault.from_settings(settings),
                party_id=self.party_id,
                kind=kind,
                value=value,
            )
        digest = code_digest(proposed.contact_point_id, proposed.code, settings.secret_key)
        return proposed.contact_point_id, proposed.masked, digest

    def code_matches(self, contact_point_id: int, code: str, digest: str) -> bool:
        """Whether ``code`` is the one sent for the pending detail."""
        expected = code_digest(contact_point_id, code, get_settings().secret_key)
        return hmac.compare_digest(expected, digest)

    def confirm_contact(self, contact_point_id: int) -> None:
        """Make the pending detail the customer's primary, verified one."""
        with self._sessions() as session:
            confirm_contact(
                session=session, actor=self.actor, party_id=self.party_id, contact_point_id=contact_point_id
            )

    def withdraw_contact(self, contact_point_id: int, reason: str) -> None:
        """Drop the pending detail."""
        with self._sessions() as session:
            withdraw_contact(
                session=session,
                actor=self.actor,
                party_id=self.party_id,
                contact_point_id=contact_point_id,
                reason=reason,
            )

    def insights(self) -> list[InsightView]:
        """What is worth telling the customer, newest first."""
        with self._sessions() as session:
            return party_insights(session=session, actor=self.actor, party_id=self.party_id)


def _meant(accounts: list[AccountRead], account: AccountHint | None) -> tuple[list[AccountRead], bool]:
    """The accounts ``account`` means and whether it meant any: all of them when it is None or means none."""
    if account is None:
        return accounts, True
    chosen = [a for a in accounts if account.matches(a.product_family, a.account_number[-4:])]
    return (chosen, True) if chosen else (accounts, False)
