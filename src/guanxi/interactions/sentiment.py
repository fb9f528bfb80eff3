"""The tone of a contact's text: a small bilingual lexicon scorer, transparent by design.

Staff see the words that decided the score, so the label can be checked; it is a hint for the
timeline and for analytics, never a decision. English handles a preceding negation ("not
happy"); Chinese matches words within the text (no segmentation needed for these terms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

POSITIVE_EN = frozenset(
    [
        "thank",
        "thanks",
        "thanked",
        "great",
        "good",
        "excellent",
        "helpful",
        "happy",
        "pleased",
        "satisfied",
        "quick",
        "quickly",
        "resolved",
        "appreciate",
        "appreciated",
        "friendly",
        "kind",
        "professional",
        "perfect",
        "wonderful",
        "easy",
        "fast",
        "love",
    ]
)
NEGATIVE_EN = frozenset(
    [
        "angry",
        "annoyed",
        "bad",
        "terrible",
        "awful",
        "slow",
        "rude",
        "wrong",
        "unacceptable",
        "disappointed",
        "frustrated",
        "upset",
        "complain",
        "complaint",
        "charged",
        "twice",
        "error",
        "fraud",
        "scam",
        "unfair",
        "late",
        "worst",
        "useless",
        "never",
        "refuse",
        "refused",
        "failed",
        "failure",
        "problem",
        "issue",
        "broken",
        "lost",
        "stolen",
    ]
)
POSITIVE_ZH = (
    "謝謝",
    "谢谢",
    "滿意",
    "满意",
    "很好",
    "專業",
    "专业",
    "快捷",
    "方便",
    "感謝",
    "感谢",
    "解決了",
    "解决了",
    "熱情",
    "热情",
)
NEGATIVE_ZH = (
    "投訴",
    "投诉",
    "不滿",
    "不满",
    "生氣",
    "生气",
    "失望",
    "太慢",
    "錯誤",
    "错误",
    "欺詐",
    "欺诈",
    "態度差",
    "态度差",
    "扣錢",
    "扣钱",
    "重複扣",
    "重复扣",
    "問題",
    "问题",
    "被盜",
    "被盗",
    "不合理",
)
NEGATIONS = frozenset(["not", "no", "never", "isn't", "wasn't", "don't", "didn't", "hardly"])
_WORDS = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Sentiment:
    """A score in [-1, 1], its label, and the words that decided it."""

    score: float
    label: str
    cues: tuple[str, ...]


def score_text(text: str) -> Sentiment:
    """The tone of ``text``: (positive − negative cues) / cues, labelled at ±0.25."""
    positive: list[str] = []
    negative: list[str] = []
    words = _WORDS.findall(text.lower())
    for i, word in enumerate(words):
        negated = i > 0 and words[i - 1] in NEGATIONS
        if word in POSITIVE_EN:
            (negative if negated else positive).append(word)
        elif word in NEGATIVE_EN:
            (positive if negated and word not in ("fraud", "stolen", "lost") else negative).append(word)
    positive += [term for term in POSITIVE_ZH if term in text]
    negative += [term for term in NEGATIVE_ZH if term in text]
    total = len(positive) + len(negative)
    if total == 0:
        return Sentiment(0.0, "neutral", ())
    score = round((len(positive) - len(negative)) / total, 3)
    label = "positive" if score >= 0.25 else "negative" if score <= -0.25 else "neutral"
    return Sentiment(score, label, tuple(positive + negative))
