"""Judging the FAQ search: leave-one-phrasing-out over a knowledge base, the threshold that keeps
answers right, off-topic questions turned away, and the latency of one search."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from guanxi.assistant.faq import FaqEntry, FaqFile, KnowledgeBase, content_words, read_faq
from guanxi.assistant.intents import precision_threshold

# Questions a bank's FAQ does not answer, to check that a threshold turns them away.
_PROBES = """who won the football match last night|recommend a good restaurant near here|tell me a joke|
how do I bake sourdough bread|what is the capital of Australia|尋晚波賽邊隊贏咗|附近有冇好食嘅餐廳推介|
講個笑話嚟聽下|红烧肉怎么做|明天北京会下雨吗|给我讲个故事吧"""
OFF_TOPIC_PROBES = tuple(p.strip() for p in _PROBES.split("|"))


def evaluate_faq(
    faq: FaqFile | None = None,
    *,
    precision: float = 0.95,
    probes: Sequence[str] = OFF_TOPIC_PROBES,
    **params: Any,
) -> dict[str, Any]:
    """Leave-one-phrasing-out over a FAQ (the built-in one when ``faq`` is None).

    Each phrasing is searched against a knowledge base of all the other phrasings. Reports top-1 and top-3
    accuracy, how often the answer language was the phrasing's, ``threshold``: the lowest score at which the
    answers given (all those at or above it) were right at least ``precision`` of the time, the share answered
    and their accuracy there, the off-topic ``probes`` answered at it (searched in the full base), and the
    latency of one search on one thread (p50/p99 over every phrasing). ``params`` go to ``KnowledgeBase``.
    """
    faq = read_faq() if faq is None else faq
    entries = list(faq.entries)
    params = {"synonyms": faq.synonyms, **params}
    scores, correct, top3, language_right = [], [], [], []
    for i, entry in enumerate(entries):
        for language, question in entry.phrasings():
            rest = {lang: tuple(q for q in qs if q != question) for lang, qs in entry.questions.items()}
            if not any(rest.values()):
                continue  # the entry's only phrasing: nothing is left to find it by
            held = FaqEntry(entry.key, entry.topic, {k: v for k, v in rest.items() if v}, entry.answer, entry.action)
            matches = KnowledgeBase([*entries[:i], held, *entries[i + 1 :]], **params).search(question)
            scores.append(matches[0].score if matches else 0.0)
            correct.append(bool(matches) and matches[0].key == entry.key)
            top3.append(any(m.key == entry.key for m in matches))
            language_right.append(bool(matches) and matches[0].language == language)
    score, right = np.array(scores), np.array(correct)
    threshold = precision_threshold(score, right, precision)
    answered = score >= threshold
    base = KnowledgeBase(entries, **params)
    off_topic = [next((m.score for m in base.search(p, top=1)), 0.0) for p in probes]
    timings = []
    with threadpool_limits(limits=1):
        base.search(entries[0].phrasings()[0][1])  # the first search loads jieba's dictionary
        for _, _, question in base._rows:
            content_words.cache_clear()  # time jieba's cut too, as for a question never seen before
            began = time.perf_counter()
            base.search(question)
            timings.append((time.perf_counter() - began) * 1000)
    return {
        "phrasings": len(scores),
        "top1_accuracy": float(right.mean()),
        "top3_accuracy": float(np.mean(top3)),
        "language_accuracy": float(np.mean(language_right)),
        "threshold": threshold,
        "answered_share": float(answered.mean()),
        "answered_accuracy": float(right[answered].mean()) if answered.any() else 0.0,
        "off_topic_answered": sum(s >= threshold for s in off_topic),
        "off_topic_probes": len(off_topic),
        "off_topic_max_score": max(off_topic, default=0.0),
        "latency_p50_ms": float(np.percentile(timings, 50)),
        "latency_p99_ms": float(np.percentile(timings, 99)),
    }
