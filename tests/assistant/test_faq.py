"""The FAQ knowledge base: the built-in file, finding answers by meaning in three languages, and bad files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from guanxi.assistant.dialogue_intents import read_dialogue_file
from guanxi.assistant.faq import (
    LANGUAGES,
    FaqEntry,
    FaqFile,
    KnowledgeBase,
    detect_language,
    fold,
    load_faq,
    read_faq,
)
from guanxi.assistant.faq_evaluation import evaluate_faq
from guanxi.errors import NotFound, ValidationFailed

ANSWERS = {"en": "Lock it in the app.", "zh-Hant": "請在應用程式鎖卡。", "zh-Hans": "请在App锁卡。"}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_faq()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def entry(key: str, questions: dict[str, tuple[str, ...]], action: str | None = None) -> FaqEntry:
    return FaqEntry(key=key, topic="test", questions=questions, answer=ANSWERS, action=action)


def test_the_built_in_file_loads_and_every_entry_speaks_all_three_languages() -> None:
    # given the FAQ shipped with Guanxi
    # when it is read
    faq = read_faq()
    # then every entry has several phrasings and a non-empty answer in English, Traditional and Simplified
    assert len(faq.entries) == 32
    for item in faq.entries:
        assert tuple(item.questions) == LANGUAGES, item.key
        assert tuple(item.answer) == LANGUAGES, item.key
        counts = tuple(len(item.questions[language]) for language in LANGUAGES)
        assert counts[0] >= 3 and min(counts[1:]) >= 2, (item.key, counts)
        assert all(item.answer[language] for language in LANGUAGES), item.key
        # answers stay true for any bank: no phone numbers, rates or fees of their own
        assert [a for a in item.answer.values() if re.search(r"\d{3,}|%|\$|¥|HK", a)] == [], item.key
    assert {e.key: e.action for e in faq.entries if e.action} == {
        "branch_appointment": "book_appointment",
        "lost_card": "report_lost_card",
        "complaints": "open_complaint",
        "update_contact_details": "update_contact",
        "suspicious_transaction": "lock_card",
        "atm_card_retained": "lock_card",
        "account_balance_enquiry": "check_balance",
    }
    # and each action is one the assistant's dialogue knows
    assert {e.action for e in faq.entries if e.action} <= set(read_dialogue_file())
    assert len(faq.synonyms) == 45


@pytest.mark.parametrize(
    ("question", "key", "language"),
    [
        ("help, my card has gone missing", "lost_card", "en"),
        ("what is the most I can transfer per day", "transfer_limits", "en"),
        ("I forgot the password for online banking", "online_banking_password", "en"),
        ("我的卡弄丟了", "lost_card", "zh-Hant"),
        ("櫃員機提款上限幾多", "atm_cash_limits", "zh-Hant"),
        ("我想投訴你哋嘅服務", "complaints", "zh-Hant"),
        ("忘记银行卡密码了", "card_pin", "zh-Hans"),
        ("微信怎么绑银行卡", "wechat_pay_binding", "zh-Hans"),
        ("房贷能不能提前还", "mortgage_prepayment", "zh-Hans"),
    ],
)
def test_a_question_not_in_the_file_finds_its_entry_and_is_answered_in_its_language(
    kb: KnowledgeBase, question: str, key: str, language: str
) -> None:
    # given a question worded unlike any of the file's phrasings
    assert fold(question) not in {fold(q) for e in kb.entries for _, q in e.phrasings()}
    # when the assistant looks for an answer
    match = kb.answer(question)
    # then it finds the entry, answers in the customer's language and shows staff the phrasing it matched
    assert match is not None
    assert match.key == key
    assert match.language == language
    assert match.answer == kb.entry(key).answer[language]
    assert (match.question_language, match.question) in kb.entry(key).phrasings()
    assert kb.threshold <= match.score <= 1.0


def test_a_traditional_question_finds_an_entry_written_only_in_simplified() -> None:
    # given a knowledge base whose phrasings are all Simplified, without synonyms
    kb = KnowledgeBase(
        [
            entry("lost_card", {"zh-Hans": ("银行卡丢了怎么办", "信用卡要挂失")}),
            entry("statements", {"zh-Hans": ("怎么打印账户流水", "对账单在哪里下载")}),
            entry("opening_hours", {"zh-Hans": ("网点几点开门", "周末营业吗")}),
        ]
    )
    # when customers ask in Traditional characters
    lost = kb.search("我的銀行卡丟了", top=1)
    statement = kb.search("帳戶流水點樣打印", top=1)
    # then the Simplified phrasing is found and the answer comes in Traditional
    assert [(m.key, m.question, m.question_language, m.language) for m in lost] == [
        ("lost_card", "银行卡丢了怎么办", "zh-Hans", "zh-Hant")
    ]
    assert [(m.key, m.question, m.language) for m in statement] == [("statements", "怎么打印账户流水", "zh-Hant")]


@pytest.mark.parametrize("question", ["what's the weather in Paris", "巴黎今天天气怎么样", "今日天氣點呀"])
def test_an_off_topic_question_gets_no_answer(kb: KnowledgeBase, question: str) -> None:
    # given a question no entry is about
    # when the assistant looks for an answer
    # then it does not guess
    assert kb.answer(question) is None


def test_the_answer_language_can_be_chosen_and_the_entry_offers_its_action(kb: KnowledgeBase) -> None:
    # given an English question from a customer who chose Traditional Chinese
    # when the assistant answers in that language
    match = kb.answer("help, my card has gone missing", language="zh-Hant")
    # then the answer is the Traditional one and the entry's action is offered
    assert match is not None
    assert (match.key, match.language, match.action) == ("lost_card", "zh-Hant", "report_lost_card")
    assert match.answer == kb.entry("lost_card").answer["zh-Hant"]


def test_a_stricter_threshold_turns_an_answer_away(kb: KnowledgeBase) -> None:
    # given a question the FAQ answers
    # when the threshold is above any score
    # then there is no answer, while the default threshold answers it
    assert kb.answer("help, my card has gone missing", threshold=1.01) is None
    assert kb.answer("help, my card has gone missing") is not None


def test_an_unknown_language_or_key_is_refused(kb: KnowledgeBase) -> None:
    # given the built-in knowledge base
    # when asked for an answer in French, or for an entry that does not exist
    with pytest.raises(ValidationFailed) as language:
        kb.search("lost card", language="fr")
    with pytest.raises(NotFound) as key:
        kb.entry("no_such_entry")
    # then both are refused with their codes
    assert language.value.code == "faq_bad_language"
    assert key.value.code == "faq_entry_not_found"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("How do I reset my PIN?", "en"),
        ("網銀密碼忘記了", "zh-Hant"),
        ("我張卡唔見咗", "zh-Hant"),
        ("网银密码忘了", "zh-Hans"),
        ("ATM吞卡了怎么办", "zh-Hans"),
        ("信用卡", None),
    ],
)
def test_the_language_is_detected_from_the_text(text: str, language: str | None) -> None:
    # given a question
    # when its language is detected
    # then English, Traditional and Simplified are told apart, and Chinese of neither script says so
    assert detect_language(text) == language


class PreferringMatcher:
    """A question matcher that prefers candidates containing one word, recording what it was asked."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.asked: list[str] = []

    def similar(self, question: str, candidates: Sequence[str]) -> list[tuple[int, float]]:
        self.asked.append(question)
        scores = [1.0 if self.word in c else 0.0 for c in candidates]
        return sorted(enumerate(scores), key=lambda pair: -pair[1])


def test_a_matcher_re_ranks_the_candidates_and_reads_folded_text() -> None:
    # given two entries that share words, and a matcher that prefers phrasings about reporting a loss
    entries = [
        entry("card_pin", {"zh-Hans": ("银行卡密码忘了", "怎么改卡密码")}),
        entry("lost_card", {"zh-Hans": ("银行卡挂失", "卡丢了怎么办")}),
    ]
    matcher = PreferringMatcher("挂失")
    kb = KnowledgeBase(entries, matcher=matcher, rerank_weight=1.0)
    # when a Traditional question is searched
    matches = kb.search("銀行卡密碼", top=2)
    # then the matcher's choice comes first, and it read the question folded to Simplified
    # (the other entry's phrasings scored 0 by the matcher, so they drop out)
    assert [(m.key, m.question, m.score) for m in matches] == [("lost_card", "银行卡挂失", 1.0)]
    assert matcher.asked == ["银行卡密码"]


def test_duplicate_keys_are_refused_when_built_from_code() -> None:
    # given two entries with one key
    entries = [entry("lost_card", {"en": ("lost card",)}), entry("lost_card", {"en": ("stolen card",)})]
    # when a knowledge base is built of them
    with pytest.raises(ValidationFailed) as raised:
        KnowledgeBase(entries)
    # then it is refused
    assert raised.value.code == "faq_duplicate_key"


GOOD_ENTRY = """
  - key: lost_card
    topic: cards
    action: lock_card
    questions:
      en: [I lost my card, my card is missing]
      zh-Hant: [我張卡唔見咗]
      zh-Hans: [银行卡丢了]
    answer:
      en: Lock the card in the app.
      zh-Hant: 請在應用程式鎖卡。
      zh-Hans: 请在App锁卡。
"""


def test_a_banks_own_file_of_the_same_shape_loads(tmp_path: Path) -> None:
    # given a bank's file with one entry and one synonym group
    path = write(tmp_path, "synonyms:\n  - [lost, missing, 丢]\nentries:" + GOOD_ENTRY)
    # when it is loaded
    kb = load_faq(path)
    # then its entry answers, remembering the file it came from
    match = kb.answer("card lost")
    assert kb.source == path
    assert kb.synonyms == (("lost", "missing", "丢"),)
    assert match is not None
    assert (match.key, match.answer, match.action) == ("lost_card", "Lock the card in the app.", "lock_card")


ENTRY_PARTS = {
    "key": "key: statements",
    "topic": "topic: accounts",
    "questions": "questions:\n      en: [where is my statement, download statement]",
    "answer": "answer:\n      en: See the app.\n      zh-Hant: 請查看應用程式。\n      zh-Hans: 请查看App。",
}


def entry_text(**parts: str) -> str:
    """One entry of a FAQ file: the parts given replace the usual ones, and an empty part is left out."""
    merged = {**ENTRY_PARTS, **parts}
    return "\n  - " + "\n    ".join(p for p in merged.values() if p)


@pytest.mark.parametrize(
    ("second", "key", "field", "reason"),
    [
        (
            entry_text(answer="answer:\n      en: See the app.\n      zh-Hant: 請查看應用程式。"),
            "statements",
            "answer.zh-Hans",
            "is missing",
        ),
        (entry_text(key="key: lost_card"), "lost_card", "key", "is already the key of entries[0]"),
        (
            entry_text(questions="questions:\n      en: [where is my statement, '']"),
            "statements",
            "questions.en[1]",
            "is empty",
        ),
        (
            entry_text(questions="questions:\n      fr: [relevé de compte]"),
            "statements",
            "questions.fr",
            "is not a language (en, zh-Hant, zh-Hans)",
        ),
        (
            entry_text(questions="questions:\n      en: [I lost my card]"),
            "statements",
            "questions.en",
            "'I lost my card' is a question of 'lost_card' too",
        ),
        (entry_text(topic=""), "statements", "topic", "is missing"),
        (entry_text(questions=""), "statements", "questions", "is missing"),
        (
            entry_text(key="key: Statements!"),
            "Statements!",
            "key",
            "must be lower-case letters, digits and underscores",
        ),
        (
            entry_text(extra="answers: {}"),
            "statements",
            "answers",
            "is not a field of an entry (key, topic, action, questions, answer)",
        ),
    ],
)
def test_a_bad_entry_is_refused_naming_the_file_the_entry_and_the_field(
    tmp_path: Path, second: str, key: str | None, field: str, reason: str
) -> None:
    # given a file whose second entry is wrong in one field
    path = write(tmp_path, "entries:" + GOOD_ENTRY + second)
    # when it is read
    with pytest.raises(ValidationFailed) as raised:
        read_faq(path)
    # then the error names the file, the entry and the field
    named = f" ('{key}')" if key else ""
    assert raised.value.message == f"{path}: entries[1]{named}: field '{field}' {reason}"
    assert raised.value.details == {"file": str(path), "entry": 1, "key": key, "field": field}
    assert raised.value.code == "faq_bad_file"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entries: []", "field 'entries' must hold a list of entries under 'entries'"),
        ("questions: []", "field 'entries' must hold a list of entries under 'entries'"),
        ("entries:" + GOOD_ENTRY + "synonyms: [[lost]]", "field 'synonyms[0]' must be a list of at least two words"),
        ("entries:" + GOOD_ENTRY + "extras: 1", "field 'extras' is not a part of a FAQ file (entries, synonyms)"),
        ("entries: [key: x\n", "line 2: not valid YAML (expected ',' or ']', but got '<stream end>')"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    # given a file that is wrong as a whole
    path = write(tmp_path, text)
    # when it is read
    with pytest.raises(ValidationFailed) as raised:
        read_faq(path)
    # then the error names the file and what is wrong
    assert raised.value.message == f"{path}: {message}"
    assert raised.value.details["file"] == str(path)


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    # given a path with no file
    path = tmp_path / "absent.yaml"
    # when it is read
    with pytest.raises(NotFound) as raised:
        read_faq(path)
    # then the file is named
    assert raised.value.details == {"file": str(path)}


def test_leave_one_phrasing_out_reports_accuracy_threshold_and_latency() -> None:
    # given a tiny FAQ whose phrasings come in near-identical pairs
    faq = FaqFile(
        (
            entry("lost_card", {"en": ("I lost my card", "I lost my bank card")}),
            entry("opening_hours", {"en": ("branch opening hours", "opening hours of the branch")}),
            entry("interest_rates", {"zh-Hans": ("存款利率是多少", "现在存款利率多少")}),
        )
    )
    # when each phrasing is searched against the others
    result = evaluate_faq(faq, probes=("tell me a joke",))
    # then every one finds its entry, so all are answered at the threshold
    assert (result["phrasings"], result["top1_accuracy"], result["top3_accuracy"]) == (6, 1.0, 1.0)
    assert (result["answered_share"], result["answered_accuracy"], result["off_topic_probes"]) == (1.0, 1.0, 1)
    assert result["language_accuracy"] == 1.0
    assert 0 < result["threshold"] <= 1.0
    assert 0 < result["latency_p50_ms"] <= result["latency_p99_ms"]
