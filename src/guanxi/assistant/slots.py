"""Slots from one customer message: amounts, dates, times, cards, contacts, branches and yes/no answers.

Every extractor reads the message folded to one form first (``textnorm.normalise``: NFKC, so full-width
``１２３`` and ``￥`` are plain; lower case; Traditional Chinese as Simplified by OpenCC, so ``萬``, ``塊``,
``號``, ``週``, ``點`` arrive as ``万``, ``块``, ``号``, ``周``, ``点``). English, either Chinese script and
mixed messages are read alike. Each returns None when the message holds no such slot, never a guess.

Recognised:

- amounts (``extract_amount``): ``500``, ``1,250.50``, ``5k``, ``3 thousand``, ``a thousand pounds``,
  ``€20``, ``¥300``, ``300元``, ``300 yuan``, ``RMB 300``, ``CNY300``, ``HK$200``, ``US$20``, ``$20``,
  ``五百元``, ``三千五百塊``, ``兩萬``, ``两万五``,
  ``1.5萬``, ``一百二十三元四角``, ``三块五``; exact ``Decimal``. A currency sign or word comes first; a bare
  number only when no amount is marked, and not one that is a date, a time, a card's last digits or a
  phone number. ``¥``, ``元``, ``块``, ``rmb``, ``yuan`` are renminbi (CNY); ``$`` and ``dollars`` alone
  leave the currency None, since US, Hong Kong and other dollars all write them;
- dates and times (``extract_date``, ``extract_time``, in ``slots_datetime``): today/tomorrow/明天/后天,
  weekdays (``next monday``, ``on friday``, ``下周一``, ``星期五``, ``礼拜五``), ``12月5日``, ``5 Dec``,
  ``December 5th``, ``2026-12-05``, ``in 3 days``, ``三天后``, ``5号``, ``5 weeks ago``, ``last night``,
  ``next week friday``, ``thursday in two weeks``; ``10:30``, ``3:15pm``, ``noon``, ``20 past 3``,
  ``quarter to 4``, ``25 to 7 p.m.``, ``9 05 in the morning``, ``at 12``, ``下午三点半``, ``晚上7点``, ``15点``;
- accounts (``extract_account``): the last four digits as for cards, and the kinds of account named
  (``savings``, ``current account``, ``credit card``, ``time deposit``, ``mortgage``, ``loan``, ``fund``,
  ``insurance``, ``活期``, ``定期``, ``信用卡``, ``房贷``, ``贷款``, ``理财``, ``保险``);
- cards (``extract_card``): the last four digits after ``ending (in)``, ``last four``, ``尾号``, ``后四位``
  or a mask (``**** 1234``), and the kind: debit (``debit card``, ``借记卡``, ``储蓄卡``) or credit
  (``credit card``, ``信用卡``; Hong Kong's ``咭`` counts as ``卡``);
- e-mail addresses and phone numbers (``+86 138 0013 8000``, ``13800138000``, ``(555) 123-4567``), the
  phone returned as its digits, with ``+`` when the customer wrote one;
- branches (``extract_branch``) by any of their names, contained in the message;
- yes/no answers (``confirmation``): True, False, or None when unclear (``maybe``, ``好不好``, both at once).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from guanxi.assistant.slots_cn_numbers import CN_DIGITS, NUMBER, parse_number, parse_number_tail
from guanxi.assistant.slots_datetime import extract_date, extract_time
from guanxi.assistant.textnorm import normalise, words

__all__ = [
    "AccountHint",
    "CardHint",
    "Money",
    "confirmation",
    "extract_account",
    "extract_amount",
    "extract_branch",
    "extract_card",
    "extract_date",
    "extract_email",
    "extract_phone",
    "extract_time",
]


@dataclass(frozen=True)
class Money:
    """An amount of money; ``currency`` is an ISO 4217 code, or None when the message does not say."""

    amount: Decimal
    currency: str | None


@dataclass(frozen=True)
class AccountHint:
    """Which of their accounts a message means: its last four digits and/or product families it names."""

    last4: str | None
    families: frozenset[str]

    def matches(self, family: str, ending: str) -> bool:
        """Whether an account of ``family`` whose number ends in ``ending`` is one the message means."""
        return (self.last4 is None or ending == self.last4) and (not self.families or family in self.families)


@dataclass(frozen=True)
class CardHint:
    """What a message says about a card: its last four digits and/or its kind (``debit`` or ``credit``)."""

    last4: str | None
    card_type: str | None


# Currency words and signs, longest first so "hk$" is not read as "$".
_CURRENCIES = {
    "us$": "USD",
    "hk$": "HKD",
    "usd": "USD",
    "hkd": "HKD",
    "rmb": "CNY",
    "cny": "CNY",
    "eur": "EUR",
    "gbp": "GBP",
    "yuan": "CNY",
    "人民币": "CNY",
    "港币": "HKD",
    "港元": "HKD",
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "块钱": "CNY",
    "元": "CNY",
    "块": "CNY",
    "圆": "CNY",
    "蚊": "HKD",  # Cantonese "dollars", written in Hong Kong
    "¥": "CNY",
    "€": "EUR",
    "£": "GBP",
    "pounds": "GBP",
    "pound": "GBP",
    "quid": "GBP",
    "euros": "EUR",
    "euro": "EUR",
    "$": None,
    "dollars": None,
    "dollar": None,
    "bucks": None,
}
_PREFIX_WORDS = ("us$", "hk$", "usd", "hkd", "rmb", "cny", "eur", "gbp", "人民币", "港币", "港元", "美元", "美金")
_PREFIXES = [*_PREFIX_WORDS, "¥", "€", "£", "$"]
_SUFFIXES = sorted((c for c in _CURRENCIES if c not in ("us$", "hk$", "¥", "€", "£", "$")), key=len, reverse=True)
_CN_DIGITS = "".join(CN_DIGITS)
_DIGIT = rf"\d|[{_CN_DIGITS}]"
_LATIN_EDGE = r"(?<![a-z])"  # "rmb" is a word, not the end of one
# "5k", "3 thousand", "2 grand", "1.5 million": the number times the scale.
_SCALES = {"k": 1_000, "thousand": 1_000, "grand": 1_000, "million": 1_000_000, "mn": 1_000_000}
_AMOUNT = rf"(?P<num>{NUMBER})(?:\s*(?P<k>{'|'.join(_SCALES)})(?![a-z]))?"
# "a thousand pounds" is "1 thousand pounds"
_ONE_SCALE = re.compile(r"\b(?:a|one)\s+(?=(?:thousand|million)\b)")
_PREFIXED = re.compile(rf"{_LATIN_EDGE}(?P<cur>{'|'.join(map(re.escape, _PREFIXES))})\s*{_AMOUNT}")
_SUFFIXED = re.compile(
    rf"{_AMOUNT}\s*(?P<cur>{'|'.join(map(re.escape, _SUFFIXES))})(?![a-z])"
    rf"(?:\s*(?P<jiao>{_DIGIT})\s*[角毛]|(?P<spoken_jiao>{_DIGIT})(?![\d{_CN_DIGITS}十百千万号日点月天]))?"
    rf"(?:\s*(?P<fen>{_DIGIT})\s*分)?"
)
_BARE = re.compile(_AMOUNT)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# What may follow a number that is not an amount: a date, time, duration, count or ordinal.
_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:[:/\-%]\d|%|点|时|号|日|月|天|年|周|个|岁|次|分钟|小时|星期|礼拜|后"
    r"|(?:am|pm|a\.m|p\.m|st|nd|rd|th|days?|weeks?|months?|years?|hours?|minutes?|mins?|times)(?![a-z]))"
)
_NOT_MONEY_BEFORE = re.compile(r"(?:[+#\-/:.]|ending(?: in| with)?|last (?:four|4)|尾号|周|星期|礼拜)\s*$|[a-z]$")
_MONTH_BEFORE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*$")


def extract_amount(text: str) -> Money | None:
    """The amount of money a message names (``两万五`` is 25,000; ``HK$200`` is 200 HKD); None if none."""
    folded = _ONE_SCALE.sub("1 ", _fold(text))
    norm = _THOUSANDS.sub("", folded)
    for pattern in (_PREFIXED, _SUFFIXED):
        for match in pattern.finditer(norm):
            amount = _amount(match)
            if amount is not None:
                return Money(amount, _CURRENCIES[match.group("cur")])
    # A bare number is never read out of a phone number: "(555) 123-4567" holds no 555.
    norm = _THOUSANDS.sub("", _PHONE.sub(lambda m: " " * len(m.group()) if _is_phone(m) else m.group(), folded))
    for match in _BARE.finditer(norm):
        if _looks_like_money(norm, match):
            amount = _amount(match)
            if amount is not None:
                return Money(amount, None)
    return None


def _amount(match: re.Match[str]) -> Decimal | None:
    """The value of an amount match: its number, times 1,000 for ``k``, plus any 角 and 分."""
    value = parse_number_tail(match.group("num"))
    if value is None:
        return None
    if match.group("k"):
        value *= _SCALES[match.group("k")]
    groups = match.groupdict()
    # "三块五" is 3.50: a digit straight after 块 or 元 counts in 角 (tenths).
    for part, scale in (("jiao", Decimal("0.1")), ("spoken_jiao", Decimal("0.1")), ("fen", Decimal("0.01"))):
        if groups.get(part):
            value += (parse_number(groups[part]) or 0) * scale
    # "1.5万" is 15000, not 15000.0; "500.00" as written keeps its cents.
    scaled = match.group("k") or not re.fullmatch(r"[\d.]+", match.group("num"))
    if scaled and value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return value


def _looks_like_money(norm: str, match: re.Match[str]) -> bool:
    """Whether a number without a currency reads as an amount rather than a date, time or identifier."""
    number = match.group("num")
    if number[0].isdigit():
        if len(number.split(".")[0]) > 8:
            return False  # account, card and phone numbers
    elif not re.search("[十百千万亿]", number):
        return False  # "一下", "三天": a Chinese numeral alone is a count, not money
    before, after = norm[: match.start()], norm[match.end() :]
    return not (
        _NOT_MONEY_AFTER.match(after)
        or _NOT_MONEY_BEFORE.search(before)
        or _MONTH_BEFORE.search(before)
        or (after[:1].isdigit() or before[-1:].isdigit())
    )


_CARD_LAST4 = re.compile(
    r"(?:\bend(?:s|ing)?(?:\s+(?:in|with))?|\blast\s+(?:four|4)(?:\s+digits?)?(?:\s+(?:is|are|of))?"
    r"|尾号|尾数|末四位|后四位|(?:\*|x|•){2,}[\s-]*)"
    r"\s*(?:是|为|:|#)?\s*(?P<last4>\d{4})(?!\d)"
)
_DEBIT = re.compile(r"\bdebit\s*card|借记卡|储蓄卡")
_CREDIT = re.compile(r"\bcredit\s*card|信用卡|贷记卡")


# Product families as customers name their accounts; a plain "loan" may be either kind.
_ACCOUNT_WORDS = (
    (frozenset({"time_deposit"}), re.compile(r"\b(?:time|fixed|term)\s+deposits?\b|定期")),
    (frozenset({"credit_card"}), re.compile(r"\bcredit\s*cards?\b|信用卡|贷记卡")),
    (frozenset({"mortgage"}), re.compile(r"\bmortgages?\b|\bhome\s+loans?\b|房贷|按揭")),
    (frozenset({"personal_loan"}), re.compile(r"\bpersonal\s+loans?\b|私人贷款|个人贷款")),
    (frozenset({"personal_loan", "mortgage"}), re.compile(r"(?<!home )(?<!personal )\bloans?\b|(?<![房人])贷款")),
    (frozenset({"savings"}), re.compile(r"\bsavings?\b|储蓄(?:账户|户口|存款)")),
    (frozenset({"current"}), re.compile(r"\b(?:current|checking|cheque)\s+accounts?\b|活期")),
    (frozenset({"wealth_fund"}), re.compile(r"\b(?:funds?|wealth|investments?)\b|理财|基金")),
    (frozenset({"insurance"}), re.compile(r"\b(?:insurance|polic(?:y|ies))\b|保险|保单")),
)


def extract_account(text: str) -> AccountHint | None:
    """The account a message means, by last four digits (``account ending 4321``, ``尾号4321``) and/or the
    kinds of account it names (``savings``, ``credit card``, ``定期``, ``房贷``); None when it names none."""
    norm = _fold(text)
    match = _CARD_LAST4.search(norm)
    families = frozenset().union(*(kinds for kinds, pattern in _ACCOUNT_WORDS if pattern.search(norm)))
    if match is None and not families:
        return None
    return AccountHint(match.group("last4") if match else None, families)


def extract_card(text: str) -> CardHint | None:
    """A card's last four digits and kind as a message gives them; None when it mentions neither."""
    norm = _fold(text)
    match = _CARD_LAST4.search(norm)
    debit, credit = bool(_DEBIT.search(norm)), bool(_CREDIT.search(norm))
    # Both kinds named ("from my debit card to my credit card") say nothing about which card is meant.
    card_type = "debit" if debit and not credit else "credit" if credit and not debit else None
    if match is None and card_type is None:
        return None
    return CardHint(match.group("last4") if match else None, card_type)


_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![a-z0-9-])", re.IGNORECASE
)
# Grouped digits as phones are written: country code, area code (in brackets or not), then 3-4 and 4 digits.
# Not a run of a longer group of digits (a card number), so no digit group just before or after.
_PHONE = re.compile(
    r"(?<![a-z0-9+])(?<!\d[\s-])(?:\+\s*\d{1,3}[\s-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s-]?)?\d{3,4}[\s-]?\d{4}"
    r"(?![\s-]?\d)",
    re.IGNORECASE,
)


def extract_email(text: str) -> str | None:
    """The first e-mail address in a message, its domain lower-cased; None if there is none."""
    match = _EMAIL.search(_nfkc(text))
    if match is None:
        return None
    local, domain = match.group().rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def extract_phone(text: str) -> str | None:
    """The first phone number in a message as digits (``+8613800138000`` when written with ``+``), or None."""
    for match in _PHONE.finditer(_nfkc(text)):
        if _is_phone(match):
            digits = re.sub(r"\D", "", match.group())
            return f"+{digits}" if match.group().startswith("+") else digits
    return None


def _is_phone(match: re.Match[str]) -> bool:
    """Whether a phone-shaped match has a phone's length: 8 digits (Hong Kong) to 15 (the E.164 most)."""
    return 8 <= sum(char.isdigit() for char in match.group()) <= 15


def extract_branch(text: str, branches: Mapping[int, Sequence[str]]) -> int | None:
    """The branch a message names, by any of its names; None if it names none, or two different ones.

    Names are compared folded (case, script, punctuation and spacing ignored). Where one name lies inside
    another ("Central" in "Central Plaza"), the longer one wins; a Latin name must stand as whole words.
    """
    haystack = _branch_key(text)
    found: list[tuple[int, int, int]] = []  # (start, end, branch id)
    for branch_id, names in branches.items():
        for name in [names] if isinstance(names, str) else names:  # one name given bare is still one name
            key = _branch_key(name)
            if key:
                found += [(m.start(), m.end(), branch_id) for m in re.finditer(_name_pattern(key), haystack)]
    outermost = {
        branch_id
        for start, end, branch_id in found
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in found)
    }
    return outermost.pop() if len(outermost) == 1 else None


def _name_pattern(key: str) -> str:
    """A pattern for a folded name: where it begins or ends with a Latin letter or digit, on a word edge."""
    start = "(?<![a-z0-9])" if key[0].isascii() else ""
    end = "(?![a-z0-9])" if key[-1].isascii() else ""
    return f"{start}{re.escape(key)}{end}"


def _branch_key(text: str) -> str:
    """A name or message as branch names are compared: folded, punctuation as single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", _fold(text)).split())


_UNCLEAR = re.compile(
    r"\b(?:not sure|unsure|maybe|perhaps|possibly|don't know|dont know|do not know|no idea|dunno|not certain"
    r"|let me think|i guess)\b|不确定|不知道|不清楚|也许|或许|可能|考虑|想想|再说|吗"
    r"|([\u4e00-\u9fff])[不没]\1"  # A-not-A asks back: 好不好, 是不是, 可不可以, 有没有
)
# Phrases that agree though they hold a negative word ("no problem", 没问题, "why not", 不错).
_AGREEING = re.compile(
    r"\b(?:no problem|no worries|why not|of course|go ahead|go for it|please do|all right|sounds good"
    r"|that's right)\b|没问题|没错|不错|当然"
)
_REFUSING = re.compile(
    r"\b(?:do not|don't|dont)\b|不(?:是|要|用|行|对|好|可以|需要|必|想|确认|同意|了)|取消|算了|别|不"
)
_YES = {"yes", "yeah", "yep", "yup", "ya", "y", "sure", "confirm", "confirmed", "ok", "okay", "correct", "right"}
_YES |= {"fine", "alright", "absolutely", "definitely", "proceed", "agree", "agreed"}
_YES |= {"是", "是的", "对", "对的", "好", "好的", "好吧", "确认", "可以", "行", "嗯", "同意", "要", "需要"}
_NO = {"no", "nope", "nah", "n", "cancel", "stop", "not", "never", "wrong", "incorrect"}


def confirmation(text: str) -> bool | None:
    """A yes (True) or no (False) answer; None when unclear: hedged, asked back, both, or neither."""
    norm = _fold(text)
    if not norm or _UNCLEAR.search(norm):
        return None
    norm = _REFUSING.sub(" no ", _AGREEING.sub(" yes ", norm))
    tokens = words(norm)
    yes = any(token in _YES for token in tokens)
    no = any(token in _NO for token in tokens)
    return yes if yes != no else None


def _fold(text: str) -> str:
    """A message as the extractors read it: ``normalise`` plus Hong Kong's 咭 for 卡 (card)."""
    return normalise(str(text)).replace("咭", "卡")


def _nfkc(text: str) -> str:
    """A message with full-width letters and digits made plain, case and script kept (e-mails, phones)."""
    return unicodedata.normalize("NFKC", str(text))
