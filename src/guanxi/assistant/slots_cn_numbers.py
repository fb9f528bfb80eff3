"""Chinese numerals as customers write them, read into exact numbers for slot extraction.

Reads ordinary numerals (``三千五百``, ``一百零五``, ``十五``), the banking capitals (``伍佰``), ``两`` for
two, the spoken shortcut that drops the last unit (``两万五`` is 25,000, ``三千五`` 3,500, ``一百二`` 120)
and Arabic numbers with Chinese multipliers (``1.5万``, ``3千``, ``20万``). Text reaches these functions
already normalised (Simplified, half-width), so Traditional ``萬``/``兩`` arrive as ``万``/``两``.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["CN_DIGITS", "CN_NUMERAL", "NUMBER", "parse_number", "parse_number_tail", "small_number"]

CN_DIGITS = {
    **dict.fromkeys("零〇", 0),
    **dict.fromkeys("一壹幺", 1),
    **dict.fromkeys("二两贰", 2),
    **dict.fromkeys("三叁", 3),
    **dict.fromkeys("四肆", 4),
    **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆", 6),
    **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8),
    **dict.fromkeys("九玖", 9),
}
_SMALL_UNITS = {**dict.fromkeys("十拾", 10), **dict.fromkeys("百佰", 100), **dict.fromkeys("千仟", 1000)}
_BIG_UNITS = {"亿": 10**8, "万": 10**4}
_UNIT_CHARS = "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)
CN_NUMERAL = "".join(CN_DIGITS) + _UNIT_CHARS
# A run of Arabic numbers and Chinese numerals: "500", "1.5万", "3万5千", "两万五" (and "三500" after 张三).
NUMBER = rf"(?:\d+(?:\.\d+)?|[{CN_NUMERAL}])+"
_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[{CN_NUMERAL}]")


def parse_number(text: str) -> Decimal | None:
    """The value of a numeral such as ``两万五``, ``1.5万`` or ``500``; None when it is not one number."""
    tokens = _TOKEN.findall(text)
    if not tokens or "".join(tokens) != text:
        return None
    return _above(tokens, 0)


def parse_number_tail(text: str) -> Decimal | None:
    """The value of the longest ending of ``text`` that is one number: a name like 张三 may run into it."""
    for start in range(len(text)):
        value = parse_number(text[start:])
        if value is not None:
            return value
    return None


def small_number(text: str) -> int | None:
    """An integer written in Arabic or Chinese digits (``12``, ``十二``), or None."""
    value = parse_number(text)
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


def _above(tokens: list[str], level: int) -> Decimal | None:
    """Value of ``tokens`` split at 亿 then at 万 (``level`` indexes those), the part below read by _below."""
    units = list(_BIG_UNITS.items())
    if level == len(units):
        return _below(tokens)
    char, unit = units[level]
    if char not in tokens:
        return _above(tokens, level + 1)
    if tokens.count(char) > 1:
        return None
    cut = tokens.index(char)
    head = _above(tokens[:cut], level + 1) if cut else None
    rest = tokens[cut + 1 :]
    # The spoken shortcut: a lone digit after the unit counts in the next unit down ("两万五" = 25,000).
    if len(rest) == 1 and rest[0] in CN_DIGITS:
        tail: Decimal | None = Decimal(CN_DIGITS[rest[0]] * unit // 10)
    else:
        tail = _above(rest, level + 1) if rest else Decimal(0)
    if head is None or tail is None or (rest and tail >= unit):
        return None
    return head * unit + tail


def _below(tokens: list[str]) -> Decimal | None:
    """Value of a numeral under ten thousand: ``三千零五``, ``十五``, ``三千五`` (3,500), ``12``."""
    value = Decimal(0)
    number: Decimal | None = None
    last_unit: int | None = None
    zero = spoken = False
    for token in tokens:
        if token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            if last_unit is not None and unit >= last_unit:
                return None
            # "十五" starts with the unit: one ten.
            value += (Decimal(1) if number is None else number) * unit
            number, last_unit, zero = None, unit, False
        elif number is not None:
            return None  # two digits in a row ("三五") are not one quantity
        elif token in CN_DIGITS and CN_DIGITS[token] == 0:
            zero = True
        else:
            spoken = token in CN_DIGITS
            number = Decimal(CN_DIGITS[token]) if spoken else Decimal(token)
    if number is not None:
        # "三千五": a Chinese digit right after a unit counts in the next unit down; after 零 it is itself.
        value += number * last_unit // 10 if last_unit and spoken and not zero else number
    elif last_unit is None and not zero:
        return None
    return value
