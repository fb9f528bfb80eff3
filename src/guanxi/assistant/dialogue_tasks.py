"""The assistant's tasks: the slots each needs, the questions that fill them, and the action.

A task advances one message at a time: :meth:`Task.advance` reads what the message gives (a
card, a day, a time, a choice from a list), keeps it in the slots, and asks for what is still
missing; with every slot filled it asks for confirmation. :meth:`Task.act` runs only after the
customer said yes, through :class:`~guanxi.assistant.actions.CustomerActions`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from guanxi.appointments.schemas import AppointmentPurpose
from guanxi.assistant.actions import CustomerActions
from guanxi.assistant.replies import card_label, say
from guanxi.assistant.slots import (
    extract_branch,
    extract_card,
    extract_date,
    extract_email,
    extract_phone,
    extract_time,
)
from guanxi.cards.service import CardView
from guanxi.codes import CaseType

MAX_TIMES_SHOWN = 8
CODE_MINUTES = 10  # a verification code's life
CODE_TRIES = 3  # wrong codes before the change is dropped
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5}
# What the customer comes for, from words in their request (English and both Chinese scripts).
_PURPOSE_WORDS: tuple[tuple[AppointmentPurpose, tuple[str, ...]], ...] = (
    (AppointmentPurpose.LOAN_CONSULTATION, ("mortgage", "loan", "borrow", "貸款", "贷款", "按揭", "房貸", "房贷")),
    (AppointmentPurpose.INVESTMENT_REVIEW, ("invest", "fund", "portfolio", "投資", "投资", "基金", "理財", "理财")),
    (AppointmentPurpose.INSURANCE_REVIEW, ("insurance", "policy", "保險", "保险")),
    (AppointmentPurpose.CARD_SERVICES, ("card", "卡")),
    (AppointmentPurpose.ACCOUNT_OPENING, ("open an account", "new account", "開戶", "开户")),
)


def money(amount: Decimal, currency: str | None) -> str:
    """An amount as the customer reads it: ``CNY 1,234.50`` (exact, two decimals)."""
    return f"{currency or ''} {amount:,.2f}".strip()


@dataclass
class TaskContext:
    """One message within a task, with what the task needs to read and act."""

    text: str
    language: str
    actions: CustomerActions
    today: dt.date
    slots: dict[str, Any] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Step:
    """What the task asks next (``name`` is the slot awaited, or ``confirm``), or that it ended."""

    name: str | None
    reply: str
    done: bool = False


@dataclass(frozen=True)
class Outcome:
    """What an action did: the reply and the facts for the transcript and the API, and the next
    step when the task goes on after acting (a code to type back)."""

    reply: str
    data: dict[str, Any]
    next_step: Step | None = None


class Task(Protocol):
    """A task the assistant performs for a signed-in customer."""

    def advance(self, context: TaskContext, step: str | None) -> Step:
        """Take what the message gives and ask for the next thing (or for confirmation)."""

    def act(self, context: TaskContext) -> Outcome:
        """Do it (the customer has confirmed)."""


def choice(text: str, count: int) -> int | None:
    """Which of ``count`` listed options a reply picks (0-based): "2", "the second", "第二張"."""
    lowered = text.strip().lower()
    digits = re.fullmatch(r"\D*?(\d{1,2})\D*", lowered)
    if digits and 1 <= int(digits.group(1)) <= count:
        return int(digits.group(1)) - 1
    for word, number in _ORDINALS.items():
        if re.search(rf"\b{word}\b", lowered):
            return count - 1 if number == -1 else (number - 1 if number <= count else None)
    chinese = re.search(r"第([一二两兩三四五])", text)
    if chinese and _CN_DIGITS[chinese.group(1)] <= count:
        return _CN_DIGITS[chinese.group(1)] - 1
    return None


def _label(card: CardView, language: str) -> str:
    return card_label(card.tier, card.card_type, card.account_ending, language)


def _numbered(labels: list[str]) -> str:
    return "; ".join(f"{n}) {label}" for n, label in enumerate(labels, start=1))


@dataclass(frozen=True)
class CardTask:
    """Lock, unlock or report lost one of the customer's cards."""

    intent: str
    statuses: tuple[str, ...]

    def _candidates(self, context: TaskContext) -> list[CardView]:
        return [card for card in context.actions.cards() if card.status in self.statuses]

    def advance(self, context: TaskContext, step: str | None) -> Step:
        """Find the card meant (by type or account ending, or from the list), then confirm."""
        cards = self._candidates(context)
        by_id = {card.id: card for card in cards}
        options = [by_id[i] for i in context.slots.get("options", []) if i in by_id] or cards
        if not options:
            return Step(None, say("no_cards", context.language), done=True)
        picked = choice(context.text, len(options)) if step == "card" else None
        if picked is not None:
            options = [options[picked]]
        hint = extract_card(context.text)
        if hint is not None and len(options) > 1:
            narrowed = [
                card
                for card in options
                if (hint.card_type is None or card.card_type == hint.card_type)
                and (hint.last4 is None or card.account_ending == hint.last4)
            ]
            options = narrowed or options
        if len(options) > 1:
            context.slots["options"] = [card.id for card in options]
            labels = [_label(card, context.language) for card in options]
            return Step("card", say("which_card", context.language, options=_numbered(labels)))
        card = options[0]
        context.slots["card_id"] = card.id
        return Step("confirm", say(f"confirm_{self.intent}", context.language, card=_label(card, context.language)))

    def act(self, context: TaskContext) -> Outcome:
        """Lock, unlock or stop the card."""
        card_id = int(context.slots["card_id"])
        if self.intent == "lock_card":
            card = context.actions.lock_card(card_id)
            return Outcome(
                say("done_lock_card", context.language, card=_label(card, context.language)), {"card_id": card_id}
            )
        if self.intent == "unlock_card":
            card = context.actions.unlock_card(card_id)
            reply = say("done_unlock_card", context.language, card=_label(card, context.language))
            return Outcome(reply, {"card_id": card_id})
        card, case_id = context.actions.report_card_lost(card_id)
        reply = say("done_report_lost_card", context.language, card=_label(card, context.language), case_id=case_id)
        return Outcome(reply, {"card_id": card_id, "case_id": case_id})


def _purpose(text: str) -> AppointmentPurpose:
    lowered = text.lower()
    for purpose, words in _PURPOSE_WORDS:
        if any(word in lowered for word in words):
            return purpose
    return AppointmentPurpose.GENERAL_ENQUIRY


def _where(context: TaskContext) -> str:
    bookable = context.actions.bookable(context.slots.get("branch_id"))
    if bookable.staff_id is not None:
        return say("with_your_rm", context.language)
    return say("at_branch", context.language, branch=bookable.branch_name or "")


def _pick_slot(context: TaskContext, step: str | None) -> Step | None:
    """Fill ``day`` and ``starts_at`` from the message; a question while either is missing."""
    day = extract_date(context.text, context.today)
    if day is not None:
        context.slots["day"] = day.isoformat()
        context.slots.pop("starts_at", None)
    if "day" not in context.slots:
        return Step("day", say("ask_date", context.language))
    day = dt.date.fromisoformat(context.slots["day"])
    zone, free = context.actions.free_slots(day, context.slots.get("branch_id"))
    if not free:
        context.slots.pop("day")
        return Step("day", say("no_slots", context.language, day=day.isoformat()))
    times = ", ".join(start.strftime("%H:%M") for start in free[:MAX_TIMES_SHOWN])
    wanted = extract_time(context.text)
    if wanted is None:
        return Step("time", say("ask_time", context.language, day=day.isoformat(), times=times))
    at = dt.datetime.combine(day, wanted, tzinfo=zone)
    afternoon = at + dt.timedelta(hours=12)
    if at not in free and wanted.hour < 12 and afternoon in free:
        at = afternoon  # "at 3" for a bank appointment is 15:00; the customer confirms the time before it is booked
    if at not in free:
        shown = wanted.strftime("%H:%M")
        return Step("time", say("slot_not_free", context.language, day=day.isoformat(), time=shown, times=times))
    context.slots["starts_at"] = at.isoformat()
    return None


def _when(slots: dict[str, Any]) -> dict[str, str]:
    at = dt.datetime.fromisoformat(slots["starts_at"])
    return {"day": at.date().isoformat(), "time": at.strftime("%H:%M")}


class BookTask:
    """Book an appointment with the customer's relationship manager or at their home branch."""

    def advance(self, context: TaskContext, step: str | None) -> Step:
        """Find a free slot on the day and at the time the customer wants, then confirm."""
        context.slots.setdefault("purpose", _purpose(context.text).value)
        branch = extract_branch(context.text, context.actions.branch_names())
        if branch is not None:  # "at the Harbour branch": there rather than with their RM
            context.slots["branch_id"] = branch
            context.slots.pop("starts_at", None)
        question = _pick_slot(context, step)
        if question is not None:
            return question
        where = _where(context)
        context.slots["where"] = where
        return Step("confirm", say("confirm_book_appointment", context.language, where=where, **_when(context.slots)))

    def act(self, context: TaskContext) -> Outcome:
        """Book it."""
        starts_at = dt.datetime.fromisoformat(context.slots["starts_at"])
        appointment_id = context.actions.book(
            starts_at, AppointmentPurpose(context.slots["purpose"]), context.slots.get("branch_id")
        )
        reply = say(
            "done_book_appointment",
            context.language,
            where=context.slots["where"],
            appointment_id=appointment_id,
            **_when(context.slots),
        )
        return Outcome(reply, {"appointment_id": appointment_id})


def _pick_appointment(context: TaskContext, step: str | None) -> Step | None:
    """Fill ``appointment_id``: the only upcoming one, or the one picked from the list."""
    if "appointment_id" in context.slots:
        return None
    upcoming = context.actions.upcoming_appointments()
    if not upcoming:
        return Step(None, say("no_appointments", context.language), done=True)
    picked = choice(context.text, len(upcoming)) if step == "appointment" else None
    if len(upcoming) == 1 or picked is not None:
        chosen = upcoming[picked or 0]
        context.slots.update(appointment_id=chosen.id, old_starts_at=chosen.starts_at.isoformat())
        return None
    zone = context.actions.local_zone()
    labels = [a.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") for a in upcoming]
    return Step("appointment", say("which_appointment", context.language, options=_numbered(labels)))


class CancelTask:
    """Call off one of the customer's upcoming appointments."""

    def advance(self, context: TaskContext, step: str | None) -> Step:
        """Find the appointment meant, then confirm."""
        question = _pick_appointment(context, step)
        if question is not None:
            return question
        old = dt.datetime.fromisoformat(context.slots["old_starts_at"]).astimezone(context.actions.local_zone())
        day, time = old.date().isoformat(), old.strftime("%H:%M")
        return Step("confirm", say("confirm_cancel_appointment", context.language, day=day, time=time))

    def act(self, context: TaskContext) -> Outcome:
        """Cancel it."""
        appointment_id = int(context.slots["appointment_id"])
        context.actions.cancel_appointment(appointment_id)
        return Outcome(say("done_cancel_appointment", context.language), {"appointment_id": appointment_id})


class RescheduleTask:
    """Move an upcoming appointment to another free slot."""

    def advance(self, context: TaskContext, step: str | None) -> Step:
        """Find the appointment, then the new day and time, then confirm."""
        question = _pick_appointment(context, step)
        if question is not None:
            return question
        question = _pick_slot(context, step)
        if question is not None:
            return question
        return Step("confirm", say("confirm_reschedule_appointment", context.language, **_when(context.slots)))

    def act(self, context: TaskContext) -> Outcome:
        """Move it."""
        new_id = context.actions.reschedule_appointment(
            int(context.slots["appointment_id"]), dt.datetime.fromisoformat(context.slots["starts_at"])
        )
        reply = say("done_reschedule_appointment", context.language, **_when(context.slots))
        return Outcome(reply, {"appointment_id": new_id})


class CallbackTask:
    """Ask the customer's relationship manager (or their team) to call back."""

    def advance(self, context: TaskContext, step: str | None) -> Step:
        """Confirm straight away: nothing else is needed."""
        context.slots["request"] = context.text
        return Step("confirm", say("confirm_request_callback", context.language))

    def act(self, context: TaskContext) -> Outcome:
        """Open the call-back request."""
        case_id = context.actions.open_case(
            case_type=CaseType.SERVICE_REQUEST,
            subject="Call-back requested through the assistant",
            transcript=f"The customer asked: {context.slots.get('request', '')}",
            category="other",
        )
        return Outcome(say("done_request_callback", context.language, case_id=case_id), {"case_id": case_id})


class UpdateContactTask:
    """Change the customer's e-mail address or mobile number, proven by a code sent to the new one."""

    def advance(self, context: TaskContext, step: str | None) -> Step:
        """Take the new detail and confirm it; after the code is sent, check the code typed back."""
        if step == "code":
            return self._check_code(context)
        email, phone = extract_email(context.text), extract_phone(context.text)
        if email is not None:
            context.slots.update(kind="email", value=email)
        elif phone is not None:
            context.slots.update(kind="phone", value=phone)
        if "value" not in context.slots:
            return Step("contact", say("ask_contact", context.language))
        kind = say(f"contact_{context.slots['kind']}", context.language)
        return Step("confirm", say("confirm_update_contact", context.language, kind=kind, value=context.slots["value"]))

    def act(self, context: TaskContext) -> Outcome:
        """Store the detail as pending and send it the code; the task then waits for the code."""
        point, masked, digest = context.actions.propose_contact(context.slots["kind"], context.slots["value"])
        expires = context.now + dt.timedelta(minutes=CODE_MINUTES)
        context.slots.update(point=point, digest=digest, expires=expires.isoformat(), tries=0)
        context.slots.pop("value")  # the detail is stored encrypted now; the state need not keep it
        step = Step("code", say("ask_code", context.language, value=masked))
        return Outcome(step.reply, {"contact_point_id": point}, next_step=step)

    def _check_code(self, context: TaskContext) -> Step:
        point = int(context.slots["point"])
        if context.now > dt.datetime.fromisoformat(context.slots["expires"]):
            context.actions.withdraw_contact(point, "the code expired")
            return Step(None, say("code_expired", context.language), done=True)
        typed = re.search(r"(?<!\d)\d{6}(?!\d)", context.text)
        if typed is None:
            return Step("code", say("ask_code_again", context.language))
        if context.actions.code_matches(point, typed.group(0), context.slots["digest"]):
            context.actions.confirm_contact(point)
            kind = say(f"contact_{context.slots['kind']}", context.language)
            return Step(None, say("done_update_contact", context.language, kind=kind), done=True)
        context.slots["tries"] = int(context.slots["tries"]) + 1
        left = CODE_TRIES - context.slots["tries"]
        if left <= 0:
            context.actions.withdraw_contact(point, "wrong code too often")
            return Step(None, say("code_refused", context.language), done=True)
        return Step("code", say("wrong_code", context.language, left=left))


TASKS: dict[str, Task] = {
    "lock_card": CardTask("lock_card", ("active",)),
    "unlock_card": CardTask("unlock_card", ("locked",)),
    "report_lost_card": CardTask("report_lost_card", ("active", "locked")),
    "book_appointment": BookTask(),
    "reschedule_appointment": RescheduleTask(),
    "cancel_appointment": CancelTask(),
    "request_callback": CallbackTask(),
    "update_contact": UpdateContactTask(),
}
