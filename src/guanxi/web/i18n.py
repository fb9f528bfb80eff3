"""The workspace in English, Traditional Chinese and Simplified Chinese.

Every visible string of a page comes from a catalogue (``web/locales/<locale>.json``) through
:meth:`Translator.t`; numbers, money, dates and times are formatted for the locale with Babel.
Values that are data, not language (names, amounts, ids), are rendered inside elements marked
``translate="no"``, which is also how the catalogue test tells them apart.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from markupsafe import Markup, escape

LOCALES = ("en", "zh-Hant", "zh-Hans")
DEFAULT_LOCALE = "en"
LANGUAGE_NAMES = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
_BABEL = {"en": "en", "zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans"}
_PLACEHOLDER = re.compile(r"(\{[a-z_0-9]+\})")


@cache
def catalogue(locale: str) -> dict[str, str]:
    """The messages of ``locale``."""
    text = resources.files("guanxi.web").joinpath("locales", f"{locale}.json").read_text(encoding="utf-8")
    return json.loads(text)


def best_locale(cookie: str | None, accept_language: str | None, default: str) -> str:
    """The locale a request asked for: the cookie, else the browser's languages, else the default."""
    if cookie in LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            simplified = any(x in tag for x in ("hans", "-cn", "-sg"))
            return "zh-Hans" if simplified else "zh-Hant"
        if tag.startswith("en"):
            return "en"
    return default if default in LOCALES else DEFAULT_LOCALE


class _Missing(dict[str, str]):
    """Leaves a placeholder the detail lacks visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "—"


@dataclass(frozen=True)
class Translator:
    """Messages and formats of one locale."""

    locale: str

    def t(self, key: str, **params: object) -> str:
        """The message ``key`` in this locale (English if a catalogue lacks it; tests forbid that)."""
        message = catalogue(self.locale).get(key) or catalogue(DEFAULT_LOCALE).get(key) or key
        return message.format(**params) if params else message

    @property
    def babel(self) -> str:
        """Babel's name of the locale."""
        return _BABEL[self.locale]

    def number(self, value: int | float | Decimal) -> str:
        """A number with the locale's grouping."""
        return format_decimal(value, locale=self.babel)

    def money(self, value: Decimal | None, currency: str) -> str:
        """An amount with its currency, as the locale writes it."""
        return "" if value is None else format_currency(value, currency, locale=self.babel)

    def percent(self, value: float) -> str:
        """A share as a percentage."""
        return format_percent(value, locale=self.babel)

    def date(self, value: dt.date | None) -> str:
        """A date in the locale's medium form."""
        return "" if value is None else format_date(value, format="medium", locale=self.babel)

    def datetime(self, value: dt.datetime | None) -> str:
        """A timestamp in the locale's short form (UTC)."""
        return "" if value is None else format_datetime(value, format="short", tzinfo=dt.UTC, locale=self.babel)

    def reason(self, code: str, detail: dict[str, object] | None, currency: str) -> Markup:
        """Why a customer is in a segment, in words, with the figures formatted for the locale (the
        figures are data, marked ``translate="no"``)."""
        values: dict[str, str] = {}
        for key, value in (detail or {}).items():
            if value is None:
                values[key] = "—"
            elif isinstance(value, str):
                values[key] = value
            elif key in ("aum", "threshold"):
                values[key] = self.money(Decimal(str(value)), currency)
            elif key in ("digital_share", "branch_share", "balance_trend_6m"):
                values[key] = self.percent(abs(float(str(value))))
            else:
                values[key] = self.number(float(str(value)))
        return self.phrase(f"reason.{code}", **values)

    def phrase(self, key: str, **values: object) -> Markup:
        """The message ``key`` with its placeholders filled, each value marked ``translate="no"``."""
        shown = {name: str(value) for name, value in values.items()}
        parts = []
        for piece in _PLACEHOLDER.split(self.t(key)):
            if piece.startswith("{") and piece.endswith("}"):
                value = _Missing(shown)[piece[1:-1]]
                parts.append(Markup('<span translate="no">{}</span>').format(value))
            else:
                parts.append(escape(piece))
        return Markup("").join(parts)

    def code(self, kind: str, value: str | None) -> str:
        """A code (status, channel, category…) in words, when the catalogue has it."""
        if value is None:
            return ""
        return catalogue(self.locale).get(f"{kind}.{value}") or value.replace("_", " ")

    def worded(self, reason: dict[str, object]) -> str:
        """A model's reason (written in English and Chinese when scored) in this page's language."""
        return str(reason.get("zh") if self.locale.startswith("zh") else reason.get("en") or "")
