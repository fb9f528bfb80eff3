"""Dates and times in customer messages, English and Chinese, for the assistant's slot extraction.

Text reaches these functions normalised (NFKC, lower case, Simplified), so ``下週一`` arrives as ``下周一``
and ``下午3點`` as ``下午3点``. ``guanxi.assistant.slots`` re-exports ``extract_date`` and ``extract_time``;
its module docstring lists what is recognised.
"""

from __future__ import annotations

import datetime as dt
import re

from guanxi.assistant.slots_cn_numbers import small_number
from guanxi.assistant.textnorm import normalise

__all__ = ["extract_date", "extract_time"]

_CN_SMALL = "零〇一二两三四五六七八九十"
_SMALL = rf"\d{{1,2}}|[{_CN_SMALL}]{{1,3}}"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<y>\d{4}))?"
# Explicit calendar dates, most specific first.
_ISO = re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
_CN_DATE = re.compile(rf"(?:(?P<y>\d{{4}})\s*年\s*)?(?P<m>{_SMALL})\s*月\s*(?P<d>{_SMALL})\s*(?:日|号)?")
_DAY_MONTH = re.compile(rf"\b(?P<d>\d{{1,2}}){_ORDINAL}(?:\s+of)?\s+{_MONTH}(?![a-z]){_YEAR}")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORDINAL}(?![a-z\d]){_YEAR}")
_DAY_ONLY = re.compile(
    rf"(?<![\d月{_CN_SMALL}])(?P<d>{_SMALL})\s*号"
    rf"|\b(?:(?P<p>next|last|this)\s+)?(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)\b"
    # "my 2nd appointment", "the 1st one" count things, they are no day
    r"(?!\s*(?:appointments?|bookings?|cards?|ones?|times?|accounts?|payments?|transactions?|floor|of\s+(?:my|the|these|those)\b))"
)
# "in 3 days", "3 days from now", "三天后", "两个星期后".
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_WORD_NUMBERS |= {"eight": 8, "nine": 9, "ten": 10}
_EN_COUNT = rf"\d+|{'|'.join(_WORD_NUMBERS)}"
_EN_LATER = re.compile(
    rf"\bin\s+(?P<n>{_EN_COUNT})\s+(?P<u>days?|weeks?)\b"
    rf"|\b(?P<n2>{_EN_COUNT})\s+(?P<u2>days?|weeks?)\s+(?:from now|later)"
)
# "3 days ago", "a week ago", "two months ago" (a customer disputing a payment, asking about a transfer).
_EN_AGO = re.compile(rf"\b(?P<n>{_EN_COUNT})\s+(?P<u>days?|weeks?|months?|years?)\s+ago\b")
# "next week friday", "friday next week", "wednesday in a week"
_EN_DAY_NAMES = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_EN_WEEK_DAY = re.compile(
    rf"\b(?:(?P<p>next|this|last)\s+week(?:\s+on)?\s+(?P<w>{_EN_DAY_NAMES})"
    rf"|(?P<w2>{_EN_DAY_NAMES})\s+(?:(?P<p2>next|this|last)\s+week|in\s+(?P<in>a|one|two|2)\s+weeks?))\b"
)
_CN_LATER = re.compile(rf"(?P<n>\d+|[{_CN_SMALL}]+)\s*个?\s*(?P<u>天|日|星期|礼拜|周)\s*[之以]?后")
_KEYWORDS = {
    "大后天": 3,
    "day after tomorrow": 2,
    "后天": 2,
    "tomorrow": 1,
    "明天": 1,
    "明日": 1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "last night": -1,
    "今天": 0,
    "今日": 0,
    "今晚": 0,
    "yesterday": -1,
    "昨天": -1,
    "昨日": -1,
}
_KEYWORD = re.compile("|".join(re.escape(word) for word in _KEYWORDS))
_WEEKDAY_WORDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EN_WEEKDAY = re.compile(
    r"\b(?:(?P<p>next|this|coming|last)\s+)?(?P<w>monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|weds?|thu(?:rs?)?|fri)\b"
)
_CN_WEEKDAY = re.compile(r"(?P<p>下下|下个?|这个?|本|上个?)?\s*(?:周|星期|礼拜)(?P<w>[一二三四五六日天1-7])")
_CN_WEEKDAYS = {**{c: i for i, c in enumerate("一二三四五六")}, **{str(i + 1): i for i in range(7)}, "日": 6, "天": 6}
_WEEK_SHIFT = {"next": 1, "下": 1, "下个": 1, "下下": 2, "this": 0, "这": 0, "这个": 0, "本": 0}
_WEEK_SHIFT |= {"上": -1, "上个": -1}

# Times: "10:30", "3:15pm", "10am", "noon", "下午三点半", "15点".
_CLOCK = re.compile(r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>\d{2})(?![\d:])(?:\s*(?P<ap>[ap])\.?m\b\.?)?")
_AM_PM = re.compile(r"(?<![\d.:])(?<!\d\s)(?P<h>\d{1,2})(?:\.(?P<m>\d{2}))?\s*(?:(?P<ap>[ap])\.?m\b\.?|o'clock\b)")
_NOON = re.compile(r"\b(?P<w>noon|midday|midnight)\b")
_CN_TIME = re.compile(
    rf"(?P<h>\d{{1,2}}|[{_CN_SMALL}]{{1,3}})\s*(?:点钟|点|时)"
    rf"(?:\s*(?P<half>半)|\s*(?P<q>一刻|三刻)|\s*(?P<m>\d{{1,2}}|[{_CN_SMALL}]{{1,3}})\s*分?)?"
)
# English clock phrases: "20 past 3", "quarter to 4", "25 to 7 p.m.", "13 50", "at 12", with the part of
# the day after them ("in the evening", "night") or before them ("this afternoon at 3").
_EN_MINUTES = {"a quarter": 15, "quarter": 15, "half": 30, "twenty five": 25, "twenty-five": 25, "twenty": 20}
_EN_MINUTES |= {"ten": 10, "five": 5}
_RELATIVE = re.compile(
    rf"(?<![\d:.])(?P<m>\d{{1,2}}|{'|'.join(_EN_MINUTES)})\s+(?:minutes?\s+)?(?P<rel>past|to)\s+(?P<h>\d{{1,2}})(?![\d:.])"
)
_SPACED = re.compile(r"(?<![\d.,:])(?P<h>\d{1,2})\s(?P<m>[0-5]\d)(?![\d,:]|\.\d)")
_TIME_WORD_BEFORE = re.compile(r"\b(?:at|than|from|between|until|till|by|around|about|after|before)\s*$")
_BARE_HOUR = re.compile(
    r"\b(?:at|than|around|about|until|till|after|before)\s+(?P<h>\d{1,2})(?![\d:,%]|\.\d)"
    r"(?!\s*(?:[a-z]+s\b|k\b|percent|pound|euro|dollar|yuan|to\b|past\b))"
)
_RANGE_BEFORE = re.compile(r"\b(?:from|between)\s*$")  # "from 3 to 5" is a range, not 4:57
_EN_PERIOD_AFTER = re.compile(
    r"\s*(?:(?P<ap>[ap])\.?m\b\.?|(?:in\s+the\s+|at\s+|this\s+|tomorrow\s+)?(?P<w>morning|afternoon|evening|night)\b)"
)
_EN_PERIOD_BEFORE = re.compile(r"\b(?P<w>morning|afternoon|evening|night|tonight)\b(?:\s+(?:at|around|about|by))?\s*$")
_EN_PERIODS = {"morning": "上午", "afternoon": "下午", "evening": "晚上", "tonight": "晚上", "night": "night"}
_AFTERNOON = ("下午", "傍晚")
_EVENING = ("晚上", "夜里", "夜晚", "今晚", "明晚", "晚")
_MORNING = ("上午", "早上", "早晨", "清晨", "凌晨", "早")
_PERIOD = re.compile(f"({'|'.join(('中午', *_AFTERNOON, *_EVENING, *_MORNING))})\\s*$")


def extract_date(text: str, today: dt.date) -> dt.date | None:
    """The date a message names, read relative to ``today``; None when it names none (or an impossible one)."""
    norm = normalise(text)
    for reader in (_explicit_date, _day_of_month, _week_and_day, _later, _ago, _weekday, _keyword):
        found = reader(norm, today)
        if found is not None:
            return found
    return None


def extract_time(text: str) -> dt.time | None:
    """The time of day a message names (``下午三点半`` is 15:30); None when it names none."""
    norm = normalise(text)
    for reader in (_cn_time, _relative_time, _clock_time, _spaced_time, _noon, _bare_hour):
        found = reader(norm)
        if found is not None:
            return found
    return None


def _explicit_date(norm: str, today: dt.date) -> dt.date | None:
    """A date with its month: ISO, ``12月5日``, ``5 dec``, ``december 5th``, with or without a year."""
    for pattern in (_ISO, _CN_DATE, _DAY_MONTH, _MONTH_DAY):
        for match in pattern.finditer(norm):
            groups = match.groupdict()
            month = _MONTHS.index(groups["mon"][:3]) + 1 if groups.get("mon") else small_number(groups["m"])
            day = small_number(groups["d"])
            year = int(groups["y"]) if groups.get("y") else None
            if month is None or day is None:
                continue
            found = _calendar(year, month, day) if year else _nearest_year(month, day, today)
            if found is not None:
                return found
    return None


def _calendar(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None for one that does not exist (31 February)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, today: dt.date) -> dt.date | None:
    """A month and day without a year: the one in the coming eleven months or the past month.

    "5 Jan" said in December is next January; "Dec 1" said on 5 December is the recent past (a customer
    disputing a payment), and "Dec 28" said on 2 January is last year's.
    """
    for year in (today.year, today.year + 1, today.year - 1):
        found = _calendar(year, month, day)
        if found is not None and -31 <= (found - today).days <= 334:
            return found
    return None


def _day_of_month(norm: str, today: dt.date) -> dt.date | None:
    """``5号``, ``the 5th``, ``5th``: that day this month, or next month when it has passed; ``last 13th`` is
    the latest 13th before today."""
    match = _DAY_ONLY.search(norm)
    if match is None:
        return None
    day = small_number(match.group("d") or match.group("d2"))
    if day is None:
        return None
    back = match.group("p") == "last"
    year, month = today.year, today.month
    for _ in range(3):  # the 31st may be two months away
        found = _calendar(year, month, day)
        if found is not None and (found < today if back else found >= today):
            return found
        step = -1 if back else 1
        year, month = divmod(year * 12 + month - 1 + step, 12)
        month += 1
    return None


def _later(norm: str, today: dt.date) -> dt.date | None:
    """``in 3 days``, ``2 weeks from now``, ``三天后``."""
    match = _EN_LATER.search(norm) or _CN_LATER.search(norm)
    if match is None:
        return None
    groups = {key: value for key, value in match.groupdict().items() if value}
    count_text = groups.get("n") or groups["n2"]
    count = _WORD_NUMBERS.get(count_text) or small_number(count_text)
    if count is None:
        return None
    unit = groups.get("u") or groups["u2"]
    weeks = unit.startswith("week") or unit in ("星期", "礼拜", "周")
    return today + dt.timedelta(days=count * 7 if weeks else count)


def _ago(norm: str, today: dt.date) -> dt.date | None:
    """``3 days ago``, ``a week ago``, ``two months ago`` (a month back is the same day, or the month's last)."""
    match = _EN_AGO.search(norm)
    if match is None:
        return None
    count = _WORD_NUMBERS.get(match.group("n")) or int(match.group("n"))
    unit = match.group("u").rstrip("s")
    if unit in ("day", "week"):
        return today - dt.timedelta(days=count * (7 if unit == "week" else 1))
    months = today.year * 12 + today.month - 1 - count * (12 if unit == "year" else 1)
    year, month = divmod(months, 12)
    day = today.day
    while (found := _calendar(year, month + 1, day)) is None:
        day -= 1  # 31 March, a month back, is the last day of February
    return found


def _week_and_day(norm: str, today: dt.date) -> dt.date | None:
    """``next week friday``, ``friday next week`` (that day of next calendar week), ``wednesday in a week``
    (the coming Wednesday, a week on)."""
    match = _EN_WEEK_DAY.search(norm)
    if match is None:
        return None
    weekday = _WEEKDAY_WORDS.index((match.group("w") or match.group("w2"))[:3])
    if match.group("in"):
        weeks = _WORD_NUMBERS.get(match.group("in")) or int(match.group("in"))
        return _weekday_date(today, weekday, None) + dt.timedelta(days=7 * weeks)
    prefix = match.group("p") or match.group("p2")
    monday = today - dt.timedelta(days=today.weekday())
    return monday + dt.timedelta(days=7 * {"next": 1, "this": 0, "last": -1}[prefix] + weekday)


def _weekday(norm: str, today: dt.date) -> dt.date | None:
    """``next monday``, ``on friday``, ``下周一``, ``星期五``: see ``_weekday_date`` for which one."""
    match = _CN_WEEKDAY.search(norm)
    if match is not None:
        return _weekday_date(today, _CN_WEEKDAYS[match.group("w")], match.group("p"))
    match = _EN_WEEKDAY.search(norm)
    if match is not None:
        return _weekday_date(today, _WEEKDAY_WORDS.index(match.group("w")[:3]), match.group("p"))
    return None


def _weekday_date(today: dt.date, weekday: int, prefix: str | None) -> dt.date:
    """A weekday in a week named by ``prefix``, or the coming one.

    ``next``/``下`` is that day in next calendar week (weeks start on Monday), ``这``/``本``/``上`` in this or
    last week, as Chinese reads them. A bare name, ``on`` or ``coming`` is the coming one, strictly after
    today (a customer would say "today"); ``this`` may be today; ``last`` is the latest before today.
    """
    if prefix == "last":
        return today - dt.timedelta(days=(today.weekday() - weekday) % 7 or 7)
    if prefix in _WEEK_SHIFT and prefix != "this":
        monday = today - dt.timedelta(days=today.weekday())
        return monday + dt.timedelta(days=7 * _WEEK_SHIFT[prefix] + weekday)
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and prefix != "this":
        ahead = 7
    return today + dt.timedelta(days=ahead)


def _keyword(norm: str, today: dt.date) -> dt.date | None:
    """``today``, ``tomorrow``, ``day after tomorrow``, ``明天``, ``后天``, ``大后天``, ``昨天``."""
    match = _KEYWORD.search(norm)
    return None if match is None else today + dt.timedelta(days=_KEYWORDS[match.group()])


def _cn_time(norm: str) -> dt.time | None:
    """``下午3点``, ``下午三点半``, ``十点一刻``, ``15点``, ``晚上7点``; a bare ``一点`` ("a little") is not a time."""
    for match in _CN_TIME.finditer(norm):
        period = _period_before(norm, match.start())
        hour = small_number(match.group("h"))
        if match.group("half"):
            minute: int | None = 30
        elif match.group("q"):
            minute = 15 if match.group("q") == "一刻" else 45
        else:
            minute = small_number(match.group("m")) if match.group("m") else 0
        if match.group() == "一点" and period is None:
            continue
        found = _time(hour, minute, period)
        if found is not None:
            return found
    return None


def _clock_time(norm: str) -> dt.time | None:
    """``10:30``, ``3:15pm``, ``10am``, ``3 pm``, ``7 o'clock``, ``9:45 in the evening``; a period before counts too."""
    for pattern in (_CLOCK, _AM_PM):
        for match in pattern.finditer(norm):
            ap = match.group("ap")
            period = {"a": "am", "p": "pm"}[ap] if ap else _period_of(norm, match.start(), match.end())
            minute = int(match.group("m")) if match.group("m") else 0
            found = _time(int(match.group("h")), minute, period)
            if found is not None:
                return found
    return None


def _relative_time(norm: str) -> dt.time | None:
    """``20 past 3``, ``half past 15``, ``quarter to 4``, ``25 to 7 p.m.`` (6:35 pm); not ``from 3 to 5``."""
    for match in _RELATIVE.finditer(norm):
        words = match.group("m")
        minutes = _EN_MINUTES.get(words) or int(words)
        to = match.group("rel") == "to"
        if not 1 <= minutes <= (30 if to else 59) or (to and _RANGE_BEFORE.search(norm[: match.start()])):
            continue
        hour = _time(int(match.group("h")), 0, _period_of(norm, match.start(), match.end()))
        if hour is None:
            continue
        if not to:
            return hour.replace(minute=minutes)
        # "10 to 1 in the afternoon" is ten minutes before 13:00
        total = (hour.hour * 60 - minutes) % (24 * 60)
        return dt.time(total // 60, total % 60)
    return None


def _spaced_time(norm: str) -> dt.time | None:
    """``13 50``, ``9 05 in the morning``, ``0 35 a.m.``: hour and minutes apart, after ``at`` or with a period."""
    for match in _SPACED.finditer(norm):
        period = _period_of(norm, match.start(), match.end())
        if period is None and not _TIME_WORD_BEFORE.search(norm[: match.start()]):
            continue
        found = _time(int(match.group("h")), int(match.group("m")), period)
        if found is not None:
            return found
    return None


def _bare_hour(norm: str) -> dt.time | None:
    """``at 12``, ``earlier than 7``, ``at 3 in the afternoon``: an hour alone after a word that sets a time."""
    for match in _BARE_HOUR.finditer(norm):
        found = _time(int(match.group("h")), 0, _period_of(norm, match.start("h"), match.end()))
        if found is not None:
            return found
    return None


def _period_of(norm: str, start: int, end: int) -> str | None:
    """The part of the day said with a time: am/pm or a word after it, else a Chinese or English word before it."""
    after = _EN_PERIOD_AFTER.match(norm, end)
    if after is not None:
        return {"a": "am", "p": "pm"}[after.group("ap")] if after.group("ap") else _EN_PERIODS[after.group("w")]
    before = _period_before(norm, start)
    if before is not None:
        return before
    english = _EN_PERIOD_BEFORE.search(norm[:start])
    return _EN_PERIODS[english.group("w")] if english else None


def _noon(norm: str) -> dt.time | None:
    """``noon``/``midday`` (12:00) and ``midnight`` (00:00)."""
    match = _NOON.search(norm)
    if match is None:
        return None
    return dt.time(0, 0) if match.group("w") == "midnight" else dt.time(12, 0)


def _period_before(norm: str, start: int) -> str | None:
    """The part of the day written just before a time (``下午``, ``晚上``), or None."""
    match = _PERIOD.search(norm[:start])
    return match.group(1) if match else None


def _time(hour: int | None, minute: int | None, period: str | None) -> dt.time | None:
    """A clock time from an hour read on a 12- or 24-hour dial and the part of the day, or None if impossible."""
    if hour is None or minute is None or not 0 <= minute <= 59 or not 0 <= hour <= 24:
        return None
    if period in ("am", "pm") and not 0 <= hour <= 12:
        return None  # "15pm" is no time; "0 35 a.m." is 00:35
    if period == "night":  # "9 at night" is 21:00, "3:35 at night" stays 03:35, "12 at night" is midnight
        period = "晚上" if 6 <= hour <= 12 else None
    if period in ("pm", *_AFTERNOON, *_EVENING) and hour < 12:
        hour += 12
    elif period in _EVENING and hour == 12:
        hour = 0  # 晚上12点 is midnight
    elif period == "中午" and hour < 11:
        hour += 12  # 中午1点 is 13:00
    elif period in ("am", *_MORNING) and hour == 12:
        hour = 0
    return dt.time(hour % 24, minute)
