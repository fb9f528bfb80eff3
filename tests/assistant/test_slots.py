"""Slot extraction from one customer message: English, Traditional and Simplified Chinese, and mixed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.assistant.slots import (
    AccountHint,
    CardHint,
    Money,
    confirmation,
    extract_account,
    extract_amount,
    extract_branch,
    extract_card,
    extract_date,
    extract_email,
    extract_phone,
    extract_time,
)
from guanxi.assistant.slots_cn_numbers import parse_number, parse_number_tail

# A Wednesday in December, so "5 Jan" lies in the next year.
TODAY = dt.date(2026, 12, 2)
NOTHING = ["", "   ", "hello", "你好", "???", "謝謝"]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("500", "500", None),
        ("over 3 thousand dollars", "3000", None),
        ("more than a thousand pounds", "1000", "GBP"),
        ("2 grand", "2000", None),
        ("1.5 million", "1500000", None),
        ("999.43 euros to uber eats", "999.43", "EUR"),
        ("tomorrow at 10 to 21 for 800 pounds", "800", "GBP"),
        ("please transfer 1,250.50 to my savings", "1250.50", None),
        ("¥300", "300", "CNY"),
        ("￥３００", "300", "CNY"),
        ("300元", "300", "CNY"),
        ("300 yuan", "300", "CNY"),
        ("RMB 300", "300", "CNY"),
        ("CNY300", "300", "CNY"),
        ("300 rmb", "300", "CNY"),
        ("HK$200", "200", "HKD"),
        ("ＨＫ＄２００", "200", "HKD"),
        ("$20", "20", None),
        ("US$20", "20", "USD"),
        ("USD 1,200.5", "1200.5", "USD"),
        ("五百元", "500", "CNY"),
        ("三千五百塊", "3500", "CNY"),
        ("兩萬", "20000", None),
        ("两万五", "25000", None),
        ("1.5萬", "15000", None),
        ("一百二十三元四角", "123.4", "CNY"),
        ("三块五", "3.5", "CNY"),
        ("3元2角5分", "3.25", "CNY"),
        ("5块5毛", "5.5", "CNY"),
        ("五元 三角", "5.3", "CNY"),
        ("300 yuan 5 days later", "300", "CNY"),
        ("300元5号到账", "300", "CNY"),
        ("兩千塊錢", "2000", "CNY"),
        ("五百蚊", "500", "HKD"),
        ("港幣300", "300", "HKD"),
        ("人民币300元", "300", "CNY"),
        ("500.00元", "500.00", "CNY"),
        ("5k", "5000", None),
        ("我要存十万", "100000", None),
        ("3万5千", "35000", None),
        ("转账给张三五百元", "500", "CNY"),
        ("我要转500到尾号1234的卡", "500", None),
        ("明天下午3点转2000", "2000", None),
        ("card ending 1234, pay 500 on 5 Dec", "500", None),
        ("send HK$1,000 tomorrow at 3pm", "1000", "HKD"),
        ("10,000,000", "10000000", None),
        ("call (555) 123-4567 about 300", "300", None),
    ],
)
def test_extract_amount_reads_numbers_and_currencies(text: str, amount: str, currency: str | None) -> None:
    # Given a message naming an amount in English, Chinese or both
    # When the amount is extracted
    money = extract_amount(text)
    # Then it is the exact Decimal with the currency the message gives
    assert money == Money(Decimal(amount), currency)
    assert isinstance(money.amount, Decimal)


def test_extract_amount_keeps_the_cents_written() -> None:
    # Given an amount written with cents
    # When it is extracted
    money = extract_amount("1,250.50")
    # Then the Decimal keeps the two places, never passing through float
    assert money is not None
    assert str(money.amount) == "1250.50"


@pytest.mark.parametrize(
    "text",
    [
        *NOTHING,
        "12月5日",
        "三天后",
        "2026-12-05",
        "10:30",
        "3 pm",
        "我有3个账户",
        "我想查一下",
        "call 13800138000",
        "(555) 123-4567",
        "call 2123 4567",
    ],
)
def test_extract_amount_returns_none_without_an_amount(text: str) -> None:
    # Given a message with no amount (or only a date, time, count or phone number)
    # When the amount is extracted
    # Then there is none
    assert extract_amount(text) is None


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("三千零五", "3005"),
        ("十五", "15"),
        ("一百二", "120"),
        ("一万零五百", "10500"),
        ("一亿两千万", "120000000"),
        ("伍佰", "500"),
        ("20万", "200000"),
    ],
)
def test_parse_number_reads_chinese_numerals(numeral: str, value: str) -> None:
    # Given a Chinese numeral, possibly with an Arabic number in it
    # When it is read
    # Then its value is exact
    assert parse_number(numeral) == Decimal(value)


@pytest.mark.parametrize("numeral", ["", "三五", "万", "一万一万", "十十", "abc"])
def test_parse_number_refuses_what_is_not_one_number(numeral: str) -> None:
    # Given text that is not a single numeral
    # When it is read
    # Then there is no value
    assert parse_number(numeral) is None


def test_parse_number_tail_skips_a_name_before_the_number() -> None:
    # Given a numeral run that starts with the end of a name (张三 then 五百)
    # When its longest valid ending is read
    # Then the name's character is left out
    assert parse_number_tail("三五百") == Decimal(500)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", dt.date(2026, 12, 2)),
        ("tomorrow please", dt.date(2026, 12, 3)),
        ("the day after tomorrow", dt.date(2026, 12, 4)),
        ("今天", dt.date(2026, 12, 2)),
        ("明天", dt.date(2026, 12, 3)),
        ("明日", dt.date(2026, 12, 3)),
        ("後天", dt.date(2026, 12, 4)),
        ("后天", dt.date(2026, 12, 4)),
        ("大後天", dt.date(2026, 12, 5)),
        ("yesterday", dt.date(2026, 12, 1)),
        ("next Monday", dt.date(2026, 12, 7)),
        ("on Friday", dt.date(2026, 12, 4)),
        ("Wednesday", dt.date(2026, 12, 9)),
        ("this Wednesday", dt.date(2026, 12, 2)),
        ("last Friday", dt.date(2026, 11, 27)),
        ("下週一", dt.date(2026, 12, 7)),
        ("下周一", dt.date(2026, 12, 7)),
        ("下个星期三", dt.date(2026, 12, 9)),
        ("下下周三", dt.date(2026, 12, 16)),
        ("本周一", dt.date(2026, 11, 30)),
        ("上周五", dt.date(2026, 11, 27)),
        ("星期五", dt.date(2026, 12, 4)),
        ("週五", dt.date(2026, 12, 4)),
        ("周五", dt.date(2026, 12, 4)),
        ("禮拜五", dt.date(2026, 12, 4)),
        ("礼拜五", dt.date(2026, 12, 4)),
        ("礼拜天", dt.date(2026, 12, 6)),
        ("12月5日", dt.date(2026, 12, 5)),
        ("12月5號", dt.date(2026, 12, 5)),
        ("十二月五日", dt.date(2026, 12, 5)),
        ("2027年1月3日", dt.date(2027, 1, 3)),
        ("5 Dec", dt.date(2026, 12, 5)),
        ("Dec 5", dt.date(2026, 12, 5)),
        ("December 5th", dt.date(2026, 12, 5)),
        ("the 5th of December", dt.date(2026, 12, 5)),
        ("Jan 5, 2028", dt.date(2028, 1, 5)),
        ("2026-12-05", dt.date(2026, 12, 5)),
        ("2026/12/05", dt.date(2026, 12, 5)),
        ("in 3 days", dt.date(2026, 12, 5)),
        ("in a week", dt.date(2026, 12, 9)),
        ("2 weeks from now", dt.date(2026, 12, 16)),
        ("三天後", dt.date(2026, 12, 5)),
        ("3天后", dt.date(2026, 12, 5)),
        ("两个星期后", dt.date(2026, 12, 16)),
        ("5号", dt.date(2026, 12, 5)),
        ("1號", dt.date(2027, 1, 1)),
        ("on the 5th", dt.date(2026, 12, 5)),
        ("明天下午3点转500元", dt.date(2026, 12, 3)),
        ("3 days ago", dt.date(2026, 11, 29)),
        ("a week ago", dt.date(2026, 11, 25)),
        ("two months ago", dt.date(2026, 10, 2)),
        ("last night", dt.date(2026, 12, 1)),
        ("this morning", dt.date(2026, 12, 2)),
        ("next week Friday", dt.date(2026, 12, 11)),
        ("friday next week", dt.date(2026, 12, 11)),
        ("Thursday in two weeks", dt.date(2026, 12, 17)),
        ("the 5th", dt.date(2026, 12, 5)),
        ("1st", dt.date(2027, 1, 1)),
        ("last 13th", dt.date(2026, 11, 13)),
    ],
)
def test_extract_date_reads_relative_and_calendar_dates(text: str, expected: dt.date) -> None:
    # Given a message naming a day, said on Wednesday 2 December 2026
    # When the date is extracted
    # Then it is that day
    assert extract_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 Jan", dt.date(2027, 1, 5)),  # January has passed this year: next January
        ("1月5日", dt.date(2027, 1, 5)),
        ("March 3", dt.date(2027, 3, 3)),
        ("Dec 1", dt.date(2026, 12, 1)),  # two days ago: a recent payment, not next year
        ("Nov 10", dt.date(2026, 11, 10)),
    ],
)
def test_extract_date_rolls_a_passed_date_to_next_year(text: str, expected: dt.date) -> None:
    # Given a month and day without a year
    # When the date is extracted in December
    # Then a long-passed one is next year's and one in the past month stays this year's
    assert extract_date(text, TODAY) == expected


def test_extract_date_reads_late_december_as_last_year_in_january() -> None:
    # Given "Dec 28" said on 2 January
    # When the date is extracted
    # Then it is the December just gone
    assert extract_date("Dec 28", dt.date(2027, 1, 2)) == dt.date(2026, 12, 28)


@pytest.mark.parametrize(
    "text",
    [*NOTHING, "2月30日", "Feb 30", "2026-13-01", "thus", "the card", "500元", "my 2nd appointment", "the 1st one"],
)
def test_extract_date_returns_none_without_a_real_date(text: str) -> None:
    # Given a message with no date, or an impossible one
    # When the date is extracted
    # Then there is none
    assert extract_date(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:30", dt.time(10, 30)),
        ("10am", dt.time(10, 0)),
        ("3 pm", dt.time(15, 0)),
        ("3:15pm", dt.time(15, 15)),
        ("3:15 p.m.", dt.time(15, 15)),
        ("12am", dt.time(0, 0)),
        ("12pm", dt.time(12, 0)),
        ("7 o'clock", dt.time(7, 0)),
        ("noon", dt.time(12, 0)),
        ("midnight", dt.time(0, 0)),
        ("下午3點", dt.time(15, 0)),
        ("下午三點半", dt.time(15, 30)),
        ("上午十點", dt.time(10, 0)),
        ("晚上7点", dt.time(19, 0)),
        ("晚上12点", dt.time(0, 0)),
        ("中午1点", dt.time(13, 0)),
        ("15點", dt.time(15, 0)),
        ("两点", dt.time(2, 0)),
        ("十点一刻", dt.time(10, 15)),
        ("3点15分", dt.time(3, 15)),
        ("下午3:30", dt.time(15, 30)),
        ("明天下午一点可以吗", dt.time(13, 0)),
        ("book me tomorrow at 9:45am", dt.time(9, 45)),
        ("20 past 3", dt.time(3, 20)),
        ("half past 15", dt.time(15, 30)),
        ("quarter to 4 in the afternoon", dt.time(15, 45)),
        ("25 to 7 p.m.", dt.time(18, 35)),
        ("10 to 1 afternoon", dt.time(12, 50)),
        ("20 to 2 a.m.", dt.time(1, 40)),
        ("10 past 9 night", dt.time(21, 10)),
        ("3:35 at night", dt.time(3, 35)),
        ("9:45 in the evening", dt.time(21, 45)),
        ("this afternoon at 4", dt.time(16, 0)),
        ("at 13 50.", dt.time(13, 50)),
        ("9 05 in the morning", dt.time(9, 5)),
        ("it arrived at 5 10 p.m.", dt.time(17, 10)),
        ("let's go for the slot at 12.", dt.time(12, 0)),
        ("anytime after 10", dt.time(10, 0)),
        ("at 10 to 21 for 800 pounds", dt.time(20, 50)),
    ],
)
def test_extract_time_reads_clock_times(text: str, expected: dt.time) -> None:
    # Given a message naming a time of day
    # When the time is extracted
    # Then it is that time on a 24-hour clock
    assert extract_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [*NOTHING, "快一点", "afternoon", "15pm", "25:00", "10:75", "500元", "move it from 3 to 5", "after 5 days"],
)
def test_extract_time_returns_none_without_a_real_time(text: str) -> None:
    # Given a message with no time ("快一点" is "a bit faster"), or an impossible one
    # When the time is extracted
    # Then there is none
    assert extract_time(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card ending 1234", CardHint("1234", None)),
        ("the one ending in 1234", CardHint("1234", None)),
        ("ends with 0001", CardHint("0001", None)),
        ("last four 1234", CardHint("1234", None)),
        ("last 4 digits are 5678", CardHint("5678", None)),
        ("**** 1234", CardHint("1234", None)),
        ("尾號1234", CardHint("1234", None)),
        ("尾号是1234", CardHint("1234", None)),
        ("debit card", CardHint(None, "debit")),
        ("credit card", CardHint(None, "credit")),
        ("借記卡", CardHint(None, "debit")),
        ("借记卡", CardHint(None, "debit")),
        ("信用卡", CardHint(None, "credit")),
        ("信用咭尾號9876", CardHint("9876", "credit")),
        ("my debit card ending 4321 was swallowed", CardHint("4321", "debit")),
    ],
)
def test_extract_card_reads_last_digits_and_kind(text: str, expected: CardHint) -> None:
    # Given a message about a card
    # When the card hint is extracted
    # Then it has the last four digits and the kind the message gives
    assert extract_card(text) == expected


@pytest.mark.parametrize("text", [*NOTHING, "ending 12345", "from my debit card to my credit card", "card"])
def test_extract_card_returns_none_without_a_hint(text: str) -> None:
    # Given a message with no last four digits and no single card kind
    # When the card hint is extracted
    # Then there is none
    assert extract_card(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at John.Doe+x@Example.COM.", "John.Doe+x@example.com"),
        ("我的邮箱是abc@qq.com谢谢", "abc@qq.com"),
        ("ｔｏｍ＠ｅｘａｍｐｌｅ．ｃｏｍ", "tom@example.com"),
    ],
)
def test_extract_email_finds_the_address(text: str, expected: str) -> None:
    # Given a message holding an e-mail address
    # When it is extracted
    # Then the address comes back, its domain lower-cased
    assert extract_email(text) == expected


@pytest.mark.parametrize("text", [*NOTHING, "a@b", "user@", "@example.com"])
def test_extract_email_returns_none_without_an_address(text: str) -> None:
    # Given a message with no whole e-mail address
    # When it is extracted
    # Then there is none
    assert extract_email(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("13800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("(555) 123-4567", "5551234567"),
        ("call 555-123-4567", "5551234567"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("+852 2123 4567", "+85221234567"),
        ("我的电话是138-0013-8000", "13800138000"),
        ("電話：+86-138-0013-8000", "+8613800138000"),
    ],
)
def test_extract_phone_returns_digits(text: str, expected: str) -> None:
    # Given a message holding a phone number as people write them
    # When it is extracted
    # Then its digits come back, with + when the customer wrote one
    assert extract_phone(text) == expected


@pytest.mark.parametrize(
    "text", [*NOTHING, "12345", "transfer 500", "2026-12-05", "card 1234 5678 9012 3456", "1,250.50"]
)
def test_extract_phone_returns_none_without_a_number(text: str) -> None:
    # Given a message with no phone number (a date, an amount, a card number)
    # When it is extracted
    # Then there is none
    assert extract_phone(text) is None


BRANCHES = {
    1: ["Central", "中環分行", "中环"],
    2: ["Central Plaza", "中環廣場"],
    3: ["Wan Chai", "灣仔"],
    4: ["Mong Kok", "旺角"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Central branch please", 1),
        ("I want Central Plaza", 2),
        ("去中环", 1),
        ("去中環廣場那家", 2),
        ("去中环广场", 2),
        ("Wan-Chai", 3),
        ("WAN  CHAI", 3),
        ("灣仔分行", 3),
        ("湾仔", 3),
        ("旺角 please", 4),
    ],
)
def test_extract_branch_matches_names_longest_first(text: str, expected: int) -> None:
    # Given branches with English and Chinese names, one name inside another
    # When a message names one
    # Then its id comes back, the longer name winning
    assert extract_branch(text, BRANCHES) == expected


@pytest.mark.parametrize("text", [*NOTHING, "旺角或者灣仔", "Central or Mong Kok", "centrally", "wanchai"])
def test_extract_branch_returns_none_when_none_or_two(text: str) -> None:
    # Given a message naming no branch, two branches, or a name only inside a longer word
    # When the branch is extracted
    # Then there is none
    assert extract_branch(text, BRANCHES) is None


def test_extract_branch_ignores_empty_names() -> None:
    # Given a branch whose only name folds to nothing
    # When a message is read
    # Then that branch never matches and the other still does
    assert extract_branch("Wan Chai", {1: ["  ", "!"], 3: ["Wan Chai"]}) == 3
    assert extract_branch("anything", {}) is None


def test_extract_branch_takes_a_single_name_given_as_a_string() -> None:
    # Given a branch whose names are one bare string rather than a list
    # When a message names it
    # Then it is matched as a whole name, not letter by letter
    assert extract_branch("Mong Kok please", {4: "Mong Kok"}) == 4  # type: ignore[dict-item]
    assert extract_branch("ok", {4: "Mong Kok"}) is None  # type: ignore[dict-item]


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes please",
        "yep",
        "sure",
        "confirm",
        "go ahead",
        "ok",
        "OK!",
        "yeah go ahead",
        "no problem",
        "why not",
        "是",
        "是的",
        "對",
        "对的",
        "好",
        "好的",
        "好啊",
        "確認",
        "确认",
        "可以",
        "行",
        "嗯",
        "沒問題",
    ],
)
def test_confirmation_reads_yes(text: str) -> None:
    # Given an agreeing answer, in English or Chinese
    # When it is read
    # Then it is a yes
    assert confirmation(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No thanks",
        "nope",
        "cancel",
        "don't",
        "don't do it",
        "不",
        "不是",
        "不要",
        "不用",
        "不用了謝謝",
        "不可以",
        "不確認",
        "取消",
        "算了",
        "还是算了",
    ],
)
def test_confirmation_reads_no(text: str) -> None:
    # Given a refusing answer ("不是" holds 是 but refuses)
    # When it is read
    # Then it is a no
    assert confirmation(text) is False


@pytest.mark.parametrize(
    "text",
    [*NOTHING, "not sure", "maybe", "I don't know", "好不好", "是不是", "可以吗", "不确定", "yes, cancel", "hmm"],
)
def test_confirmation_is_none_when_unclear(text: str) -> None:
    # Given a hedged answer, a question back, both yes and no, or neither
    # When it is read
    # Then it is unclear
    assert confirmation(text) is None


@pytest.mark.parametrize(
    ("text", "last4", "families"),
    [
        ("what's the balance of my savings account?", None, {"savings"}),
        ("my current account", None, {"current"}),
        ("how much do I owe on my loan", None, {"personal_loan", "mortgage"}),
        ("home loan balance", None, {"mortgage"}),
        ("personal loan", None, {"personal_loan"}),
        ("account ending 4321", "4321", set()),
        ("信用卡尾號1234欠多少", "1234", {"credit_card"}),
        ("我的定期存款有多少", None, {"time_deposit"}),
        ("房貸還欠幾多", None, {"mortgage"}),
        ("我的理财和保险", None, {"wealth_fund", "insurance"}),
    ],
)
def test_extract_account_reads_last_digits_and_kinds(text: str, last4: str | None, families: set[str]) -> None:
    # Given a message naming one of the customer's accounts
    # When the account is extracted
    hint = extract_account(text)
    # Then it holds the last four digits and the product families named
    assert hint is not None
    assert (hint.last4, set(hint.families)) == (last4, families)


def test_an_account_hint_matches_by_family_and_ending() -> None:
    # Given a hint for a savings account ending in 7788
    hint = AccountHint("7788", frozenset({"savings"}))
    # Then only an account of that family and ending matches
    assert [hint.matches("savings", "7788"), hint.matches("savings", "1111"), hint.matches("current", "7788")] == [
        True,
        False,
        False,
    ]


@pytest.mark.parametrize("text", [*NOTHING, "how much money do I have", "我有几多钱"])
def test_extract_account_returns_none_when_no_account_is_named(text: str) -> None:
    # Given a message that names no account
    # When the account is extracted
    # Then there is none
    assert extract_account(text) is None
