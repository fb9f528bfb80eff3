"""The assistant's dialogue: understand a message, fill the slots a task needs, confirm, act.

One :meth:`Dialogue.respond` call handles one customer message. It reads the conversation's
state (the task in progress, the slots filled so far, what is awaiting confirmation), decides,
and returns a :class:`Turn`: the replies, the new state, and what was done. It never guesses:
below the intent model's threshold it tries the bank's FAQ, then asks the customer to rephrase,
and after two misses in a row hands the conversation to a person. Nothing is changed for the
customer without their explicit "yes", and nothing about their money is said or done before they
have signed in; every change goes through :class:`~guanxi.assistant.actions.CustomerActions`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from guanxi.assistant.actions import CustomerActions
from guanxi.assistant.chinese_script import detect_language
from guanxi.assistant.dialogue_intents import ACTION_INTENTS
from guanxi.assistant.dialogue_tasks import TASKS, TaskContext, money
from guanxi.assistant.faq import FaqMatch, KnowledgeBase
from guanxi.assistant.intents import IntentModel
from guanxi.assistant.replies import say
from guanxi.assistant.slots import AccountHint, confirmation, extract_account
from guanxi.assistant.textnorm import normalise
from guanxi.clock import now as clock_now
from guanxi.codes import CaseType
from guanxi.errors import GuanxiError

MAX_MISSES = 2  # messages in a row not understood before a person takes over
SMALL_TALK = {"greeting": "greeting", "thanks": "thanks", "goodbye": "goodbye"}
NOT_UNDERSTOOD = "out_of_scope"
# "How do I …", "what time …", "are there fees …", "怎么…", "几点…": asking how something works rather than
# asking for it to be done. Read on normalised text (lower case, Simplified).
_HOW_QUESTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey)\W+)?(?:how (?:do|does|can|could|should|would|long|often|many)\b|how to\b"
    r"|what (?:time|happens|if|are the|is the|does|do)\b|when (?:do|does|is|are|will|can)\b"
    r"|where (?:do|can|is|are)\b|why\b|are (?:there|branches)\b|is there\b|do i need\b)"
    r"|怎么|如何|怎样|点样|几点|什么时候|为什么"
)


@dataclass
class Turn:
    """What the assistant answers to one message, and what it did."""

    replies: list[str]
    state: dict[str, Any]
    language: str
    intent: str | None = None
    confidence: float | None = None
    data: dict[str, Any] = field(default_factory=dict)
    handed_over_case: int | None = None  # the case the conversation became


def _answer_from(match: FaqMatch, turn: Turn) -> None:
    """Reply with the FAQ's answer, keeping the entry and the question it matched for staff."""
    turn.state["misses"] = 0
    turn.replies.append(match.answer)
    turn.data["faq"] = {"key": match.key, "question": match.question, "score": round(match.score, 4)}


def reply_language(text: str, current: str) -> str:
    """The language to answer in: the message's own when it is clear, else the conversation's."""
    words = text.split()
    detected = detect_language(text)
    if detected == "en" and len(words) < 2:
        return current  # "ok", "2", "yes": too short to tell
    if detected is None:
        return current if current.startswith("zh") else "zh-Hans"
    return detected


class Dialogue:
    """The dialogue policy over an intent model and a knowledge base (shared by every conversation)."""

    def __init__(
        self,
        intents: IntentModel,
        faq: KnowledgeBase,
        *,
        today: Callable[[], dt.date],
        now: Callable[[], dt.datetime] = clock_now,
    ) -> None:
        self.intents = intents
        self.faq = faq
        self.today = today
        self.now = now

    def respond(
        self,
        text: str,
        *,
        state: dict[str, Any] | None,
        language: str,
        actions: CustomerActions | None,
        transcript: Callable[[], str],
    ) -> Turn:
        """Answer one message given the conversation's state; ``actions`` is None until sign-in."""
        state = dict(state or {})
        turn = Turn(replies=[], state=state, language=reply_language(text, language))
        guess = self.intents.understand(text)
        turn.intent, turn.confidence = guess.intent, round(float(guess.confidence), 4)
        understood = guess.answer if guess.answer != NOT_UNDERSTOOD else None
        task = state.get("task")
        if task is not None and (understood is None or understood == task or understood in SMALL_TALK):
            # A message inside a task is an answer to its question unless it clearly starts another.
            self._continue(text, turn, actions, transcript)
            return turn
        state.pop("task", None)
        state.pop("step", None)
        state.pop("slots", None)
        if understood is None:
            self._not_understood(text, turn, actions, transcript)
            return turn
        if understood in TASKS and self._answered_from_faq(text, understood, turn):
            return turn
        state["misses"] = 0
        self._start(understood, text, turn, actions, transcript)
        return turn

    def _start(
        self,
        intent: str,
        text: str,
        turn: Turn,
        actions: CustomerActions | None,
        transcript: Callable[[], str],
    ) -> None:
        if intent in SMALL_TALK:
            turn.replies.append(say(SMALL_TALK[intent], turn.language))
            return
        if intent == "human_agent":
            self._hand_over(turn, actions, transcript, CaseType.ENQUIRY, "The customer asked for a person")
            return
        if intent == "open_complaint":
            self._hand_over(turn, actions, transcript, CaseType.COMPLAINT, f"Complaint: {text}", complaint=True)
            return
        if intent in ACTION_INTENTS and actions is None:
            turn.replies.append(say("sign_in_first", turn.language))
            turn.data["needs"] = "authentication"
            turn.state["after_sign_in"] = text
            return
        if intent == "check_balance":
            self._balances(turn, actions, extract_account(text))
        elif intent == "recent_transactions":
            self._transactions(turn, actions, extract_account(text))
        elif intent == "insights":
            self._insights(turn, actions)
        elif intent in TASKS:
            turn.state.update(task=intent, step=None, slots={})
            self._continue(text, turn, actions, transcript)
        else:
            self._not_understood(text, turn, actions, transcript)

    def _continue(self, text: str, turn: Turn, actions: CustomerActions | None, transcript: Callable[[], str]) -> None:
        assert actions is not None  # tasks start only once the customer is signed in
        task = TASKS[turn.state["task"]]
        context = TaskContext(
            text=text,
            language=turn.language,
            actions=actions,
            today=self.today(),
            slots=turn.state["slots"],
            now=self.now(),
        )
        if turn.state.get("step") == "confirm":
            answer = confirmation(text)
            if answer is None:
                turn.replies.append(say("yes_or_no", turn.language))
                return
            if not answer:
                self._finish(turn, say("cancelled", turn.language))
                return
            try:
                outcome = task.act(context)
            except GuanxiError as error:
                self._finish(turn, say("action_failed", turn.language, reason=error.message))
                turn.data["error"] = error.code
                return
            turn.data.update(outcome.data)
            if outcome.next_step is not None:  # the task goes on (a code to type back)
                turn.state["step"], turn.state["slots"] = outcome.next_step.name, context.slots
                turn.replies.append(outcome.reply)
                return
            self._finish(turn, outcome.reply)
            return
        try:
            step = task.advance(context, turn.state.get("step"))
        except GuanxiError as error:
            self._finish(turn, say("action_failed", turn.language, reason=error.message))
            turn.data["error"] = error.code
            return
        turn.state["slots"] = context.slots
        if step.done:
            self._finish(turn, step.reply)
            return
        turn.state["step"] = step.name
        turn.replies.append(step.reply)

    @staticmethod
    def _finish(turn: Turn, reply: str) -> None:
        turn.replies.append(reply)
        for key in ("task", "step", "slots"):
            turn.state.pop(key, None)

    def _answered_from_faq(self, text: str, intent: str, turn: Turn) -> bool:
        """Answer a question about how something works from the FAQ rather than start a task.

        "How do I activate my new card?" is not a request to unlock one, nor "what time do branches open
        on Saturday?" one to book an appointment. When the message reads as such a question and the FAQ
        answers it with an entry about something else than the task, the FAQ's answer is given; when the
        entry is about the task itself ("how do I change my phone number?") the task starts.
        """
        if not _HOW_QUESTION.search(normalise(text)):
            return False
        match = self.faq.answer(text, turn.language)
        if match is None or match.action == intent:
            return False
        _answer_from(match, turn)
        return True

    def _not_understood(
        self, text: str, turn: Turn, actions: CustomerActions | None, transcript: Callable[[], str]
    ) -> None:
        match = self.faq.answer(text, turn.language)
        if match is not None:
            _answer_from(match, turn)
            return
        misses = int(turn.state.get("misses", 0)) + 1
        turn.state["misses"] = misses
        turn.data["not_understood"] = True
        if misses >= MAX_MISSES:
            self._hand_over(turn, actions, transcript, CaseType.ENQUIRY, "The assistant could not help")
        else:
            turn.replies.append(say("rephrase", turn.language))

    def _hand_over(
        self,
        turn: Turn,
        actions: CustomerActions | None,
        transcript: Callable[[], str],
        case_type: CaseType,
        subject: str,
        *,
        complaint: bool = False,
    ) -> None:
        if actions is None:
            turn.replies.append(say("handover_needs_sign_in", turn.language))
            turn.data["needs"] = "authentication"
            return
        try:
            case_id = actions.open_case(case_type=case_type, subject=subject, transcript=transcript())
        except GuanxiError as error:
            turn.replies.append(say("action_failed", turn.language, reason=error.message))
            turn.data["error"] = error.code
            return
        turn.handed_over_case = case_id
        turn.state["misses"] = 0
        turn.data["case_id"] = case_id
        turn.replies.append(say("complaint_opened" if complaint else "handover", turn.language, case_id=case_id))

    def _balances(self, turn: Turn, actions: CustomerActions | None, account: AccountHint | None) -> None:
        assert actions is not None
        lines, found = actions.balances(account)
        text = [say("balance_intro" if found else "no_such_account", turn.language)]
        if not lines:
            turn.replies.append(say("no_accounts", turn.language))
            return
        for line in lines:
            amount = "?" if line.amount is None else money(line.amount, line.currency)
            name = line.name_zh if turn.language.startswith("zh") and line.name_zh else line.name
            text.append(say("balance_line", turn.language, name=name, ending=line.ending, amount=amount))
        turn.replies.append("\n".join(text))
        turn.data["accounts"] = len(lines)

    def _transactions(self, turn: Turn, actions: CustomerActions | None, account: AccountHint | None) -> None:
        assert actions is not None
        lines, found = actions.recent_transactions(account=account)
        text = [say("transactions_intro" if found else "no_such_account", turn.language)]
        if not lines:
            turn.replies.append(say("no_transactions", turn.language))
            return
        for line in lines:
            signed = line.amount if line.direction == "credit" else -line.amount
            text.append(
                say(
                    "transaction_line",
                    turn.language,
                    day=line.booked_at.date().isoformat(),
                    description=line.description,
                    amount=money(signed, line.currency),
                )
            )
        turn.replies.append("\n".join(text))
        turn.data["transactions"] = len(lines)

    def _insights(self, turn: Turn, actions: CustomerActions | None) -> None:
        assert actions is not None
        found = actions.insights()
        if not found:
            turn.replies.append(say("no_insights", turn.language))
            return
        lines = [say("insights_intro", turn.language)] + [i.sentence(turn.language) for i in found]
        turn.replies.append("\n".join(lines))
        turn.data["insights"] = [i.kind for i in found]
