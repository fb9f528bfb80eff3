"""How well the assistant's slot extractors read times, dates and amounts: ``guanxi eval slots``.

Measured on NLU++ (banking; PolyAI, CC BY 4.0): customer messages annotated with their slots and the
values they mean. Its relative dates and times were annotated as said on 15 March 2022 at 09:00, so
``--today`` defaults to that day. Three kinds are scored, each on the whole message, as the assistant
meets it:

- ``time`` (a time of day): the message's time read by ``extract_time`` equals the annotated hour and
  minute. Times relative to the moment ("in 20 minutes") count as misses: the assistant asks for a
  clock time instead;
- ``date``: ``extract_date`` equals the annotated calendar date (only annotations with a full date);
- ``amount_of_money``: ``extract_amount`` equals the annotated amount (the currency is not compared:
  NLU++ calls ``$`` US dollars, the assistant leaves a bare ``$`` open).

For each kind: the messages annotated with it, how many the extractor read a value from, how many it
read right, accuracy (right / annotated) and precision (right / read).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from guanxi.assistant.slots import extract_amount, extract_date, extract_time
from guanxi.errors import NotFound, ValidationFailed

__all__ = ["NLUPP_TODAY", "SlotExample", "evaluate_slots", "read_slot_examples"]

NLUPP_TODAY = dt.date(2022, 3, 15)  # the day NLU++'s relative dates were annotated on
KINDS = ("time", "date", "amount_of_money")


@dataclass(frozen=True)
class SlotExample:
    """One annotated message: its text and its slots as NLU++ writes them (name -> span, text and value)."""

    text: str
    slots: dict[str, Any]


def read_slot_examples(folder: Path) -> list[SlotExample]:
    """Every example of the NLU++ JSON files (``*.json``, each a list of ``{"text", "slots"?}``) in ``folder``.

    Raises ``NotFound`` for a missing folder and ``ValidationFailed`` naming the file (and the example
    and field) for a folder without JSON files, a file that is not JSON or not a list, or an example
    without a text or with slots that are not an object.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFound(
            f"slot data folder not found: {folder}", code="slots_data_not_found", details={"file": str(folder)}
        )
    files = sorted(folder.glob("*.json"))
    if not files:
        raise ValidationFailed(f"{folder}: holds no .json files", code="slots_bad_file", details={"file": str(folder)})
    examples: list[SlotExample] = []
    for path in files:
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationFailed(f"{path}: not JSON text ({exc})", code="slots_bad_file") from None
        if not isinstance(items, list):
            raise ValidationFailed(f"{path}: must hold a list of examples", code="slots_bad_file")
        for index, item in enumerate(items):
            text = item.get("text") if isinstance(item, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise _bad(path, index, "text", "must be a non-empty string")
            slots = item.get("slots") or {}
            if not isinstance(slots, dict):
                raise _bad(path, index, "slots", "must be an object")
            examples.append(SlotExample(text=text, slots=slots))
    return examples


def evaluate_slots(folder: Path, *, today: dt.date = NLUPP_TODAY) -> dict[str, Any]:
    """Score the time, date and amount extractors on the annotated messages in ``folder`` (see the module)."""
    examples = read_slot_examples(folder)
    readers: dict[str, Callable[[str], Any]] = {
        "time": extract_time,
        "date": lambda text: extract_date(text, today),
        "amount_of_money": _amount,
    }
    figures: dict[str, Any] = {"examples": len(examples), "today": today.isoformat()}
    for kind in KINDS:
        annotated = [(e.text, _expected(kind, e.slots[kind])) for e in examples if kind in e.slots]
        annotated = [(text, want) for text, want in annotated if want is not None]
        got = [readers[kind](text) for text, _ in annotated]
        read = sum(value is not None for value in got)
        right = sum(value == want for value, (_, want) in zip(got, annotated, strict=True))
        figures[kind] = {
            "annotated": len(annotated),
            "read": read,
            "right": right,
            "accuracy": round(right / len(annotated), 4) if annotated else None,
            "precision": round(right / read, 4) if read else None,
        }
    return figures


def _expected(kind: str, slot: Any) -> Any:
    """The value an annotation means, as the extractor returns it, or None for one it cannot be compared with."""
    value = slot.get("value") if isinstance(slot, dict) else None
    if not isinstance(value, dict):
        return None
    try:
        if kind == "time":
            return dt.time(int(value["hour"]), int(value.get("minute", 0)))
        if kind == "date":
            return dt.date(int(value["year"]), int(value["month"]), int(value["day"]))
        return Decimal(str(value["amount"]))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None  # a partial date ("March"), a period, or a malformed value


def _amount(text: str) -> Decimal | None:
    """The amount a message names, without its currency."""
    money = extract_amount(text)
    return None if money is None else money.amount


def _bad(path: Path, index: int, field: str, reason: str) -> ValidationFailed:
    """A ValidationFailed naming the file, the example and the field."""
    return ValidationFailed(
        f"{path}: example {index}: field '{field}' {reason}",
        code="slots_bad_file",
        details={"file": str(path), "example": index, "field": field},
    )
