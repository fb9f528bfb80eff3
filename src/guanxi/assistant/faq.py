"""Knowledge base (FAQ): answers the bank edits, in English and both Chinese scripts, found by meaning.

The answers live in a YAML file: the built-in ``faq.yaml`` beside this module, or a bank's own file of the
same shape. Each entry has a key, a topic, phrasings of its question per language (``en``, ``zh-Hant``,
``zh-Hans``), the answer in all three and optionally an assistant action to offer with it. The file may
also list synonym groups: words that mean the same to customers, across languages and scripts.

``KnowledgeBase.search`` finds entries for a customer's question in two steps:

1. retrieval over every phrasing by two TF-IDF cosines over text folded to one form (NFKC, lower case,
   Traditional characters as Simplified, so a Traditional question finds a phrasing written only in
   Simplified) with question words ("how do I", "怎么办") left out: character 1-3 grams within words, and
   words (jieba for Chinese) plus one token per synonym group mentioned. A phrasing's score blends its
   own cosine with its entry's (all the entry's phrasings as one document); an entry scores as its best
   phrasing, which is what staff see as the match;
2. optionally, re-ranking of the best candidates by a fitted question-pair matcher (``PairMatcher``).

Each match carries the language to answer in: the customer's, detected from the text unless given.
``answer`` returns the best match only when its score reaches the threshold, so the assistant never
guesses; below it the dialogue asks again or hands over to staff.

The weights and the threshold were chosen by leave-one-phrasing-out over the built-in file (``evaluate_faq``),
each of its 416 phrasings searched against a knowledge base of all the others. Top-1 accuracy is 88.0%
(top-3 97.8%; English 86.9%, Traditional 88.3%, Simplified 89.1%), against 67.3% without the synonym
groups. The threshold is the lowest score at which the answers given stay right 95% of the time (0.437,
kept as 0.44): there 59% of held-out phrasings are answered, 95.5% of them rightly, and none of 11
off-topic questions. A held-out phrasing is harder than most customers' questions, which share more with
one phrasing or another. One search takes about 0.4 ms on one thread. Re-ranking by a ``PairMatcher``
fitted on Chinese bank question pairs (the BQ corpus) added no accuracy (87.7% top-1 at weight 0.3) and
costs about 15 ms a question, so it is off unless a matcher is given.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from guanxi.assistant.chinese_script import HAN, detect_language, fold
from guanxi.assistant.pairs import words
from guanxi.assistant.training_files import entry_error, file_error
from guanxi.errors import NotFound, ValidationFailed

LANGUAGES = ("en", "zh-Hant", "zh-Hans")
BUILT_IN = Path(__file__).with_name("faq.yaml")
# The defaults below were chosen by leave-one-phrasing-out over the built-in file (module docstring).
DEFAULT_THRESHOLD = 0.44
# How much the character cosine counts beside the word cosine.
DEFAULT_CHAR_WEIGHT = 0.2
# How much a phrasing's own cosine counts beside its entry's.
DEFAULT_PHRASING_WEIGHT = 0.1

_FIELDS = ("key", "topic", "action", "questions", "answer")
_SLUG = re.compile(r"[a-z][a-z0-9_]*")
_SPACES = re.compile(r"\s+")
# Words that say how something is asked, not what: left out of both TF-IDF spaces, so that "how do I" or
# "怎么办" alone does not make two unrelated questions alike. Chinese is listed folded, Cantonese included.
_STOP_TEXT = """
    a an the i i'm im me my mine we our us you your it its this that these those is are was were be been am
    do does did have has had can could would should will shall may might to of in on at for from by with
    about as into or and but if so please hi hello thanks thank what which who how where there here s t ve ll
    d m re just want need like some any one get got
    我 我的 你 您 你们 的 了 吗 呢 吧 啊 呀 么 是 请问 一下 怎么 怎么办 怎样 如何 咋 咋办 啥 什么 要 想
    能 可以 会 在 有 把 被 给 都 就 也 这个 那个 这 那 哪 哪里 个 点样 点算 点 系 嘅 咗 哋 你哋 喺 咩 乜
    噉 咁 啲 嚟 佢
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())

# Errors naming the file, and the entry and field, with this file's code.
_bad = partial(entry_error, code="faq", entries="entries", name_key="key")
_file_error = partial(file_error, code="faq")


@lru_cache(maxsize=8192)
def content_words(folded: str) -> tuple[str, ...]:
    """The content words of folded text, English plurals cut to their stem (jieba is slow, hence the cache)."""
    every = words(folded)
    # a question made only of stop words still has to be compared by something
    kept = [w for w in every if w not in _STOP_WORDS] or every
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in kept)


class _Synonyms:
    """Finds the synonym groups a folded text mentions: one token per group, shared by all its languages."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self.patterns = [re.compile("|".join(_term_pattern(fold(t)) for t in group)) for group in groups]

    def tokens(self, folded: str) -> list[str]:
        """``~n`` for each group ``n`` the text mentions."""
        return [f"~{n}" for n, pattern in enumerate(self.patterns) if pattern.search(folded)]


def _term_pattern(term: str) -> str:
    """A regular expression for one synonym: Chinese anywhere; Latin whole words, or word starts with ``*``."""
    if HAN.search(term):
        return re.escape(term)
    prefix = term.endswith("*")
    return r"(?<![a-z])" + re.escape(term.rstrip("*")) + ("" if prefix else r"(?![a-z])")


@dataclass(frozen=True)
class FaqEntry:
    """One question the bank answers: its phrasings per language and the answer in every language."""

    key: str
    topic: str
    questions: Mapping[str, tuple[str, ...]]
    answer: Mapping[str, str]
    action: str | None = None

    def phrasings(self) -> list[tuple[str, str]]:
        """Every phrasing as ``(language, text)``, in the file's order."""
        return [(language, q) for language, qs in self.questions.items() for q in qs]


@dataclass(frozen=True)
class FaqFile:
    """What a FAQ file holds: the entries and the synonym groups."""

    entries: tuple[FaqEntry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class FaqMatch:
    """An entry found for a question: the phrasing that matched (for staff), its score, the answer's language."""

    entry: FaqEntry
    question: str
    question_language: str
    score: float
    language: str

    @property
    def key(self) -> str:
        """The entry's key."""
        return self.entry.key

    @property
    def answer(self) -> str:
        """The answer in the customer's language."""
        return self.entry.answer[self.language]

    @property
    def action(self) -> str | None:
        """The assistant action the entry offers, if any."""
        return self.entry.action


class QuestionMatcher(Protocol):
    """Anything that ranks candidate questions for a question, as ``PairMatcher.similar`` does."""

    def similar(self, question: str, candidates: Sequence[str]) -> list[tuple[int, float]]:
        """``(candidate index, score in [0, 1])``, best first."""
        ...


class _Space:
    """One TF-IDF space over the phrasings, then the entries (each all its phrasings as one document).

    An entry's document lets a question that borrows words from several of its phrasings still come close.
    A question is scored here rather than by ``TfidfVectorizer.transform``, whose checks on every call cost
    more than the arithmetic; the result is the same (sublinear tf, idf, unit length, cosine).
    """

    def __init__(self, vectorizer: TfidfVectorizer, documents: list[str], member: sp.csr_matrix) -> None:
        rows = vectorizer.fit_transform(documents)
        self.analyzer = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf: np.ndarray = vectorizer.idf_
        # features by documents, so a question's few features pick out the rows it needs
        self.matrix = sp.vstack([rows, normalize(member @ rows)]).T.tocsr()

    def scores(self, document: str) -> np.ndarray:
        """The cosine of a document with every phrasing, then every entry."""
        counts = Counter(t for t in self.analyzer(document) if t in self.vocabulary)
        if not counts:
            return np.zeros(self.matrix.shape[1])
        index = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.intp, count=len(counts))
        weights = (1 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[index]
        return np.asarray(self.matrix[index].T @ (weights / np.linalg.norm(weights))).ravel()


class KnowledgeBase:
    """The bank's FAQ entries, searchable by meaning in English, Traditional and Simplified Chinese.

    ``synonyms`` are groups of words that mean the same. ``matcher`` (a fitted ``PairMatcher``, or None)
    re-ranks the best ``candidates`` phrasings: a phrasing's score becomes ``(1 - rerank_weight) * retrieval
    + rerank_weight * matcher``, so choose the threshold again with ``evaluate_faq``. ``default_chinese`` is
    the answer language for Chinese of unclear script that matched an English phrasing.
    """

    def __init__(
        self,
        entries: Iterable[FaqEntry],
        *,
        synonyms: Sequence[Sequence[str]] = (),
        matcher: QuestionMatcher | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        char_weight: float = DEFAULT_CHAR_WEIGHT,
        phrasing_weight: float = DEFAULT_PHRASING_WEIGHT,
        candidates: int = 20,
        rerank_weight: float = 0.5,
        default_chinese: str = "zh-Hans",
        source: Path | None = None,
    ) -> None:
        self.entries = tuple(entries)
        self.synonyms = tuple(tuple(group) for group in synonyms)
        self.matcher = matcher
        self.threshold = threshold
        self.char_weight = char_weight
        self.phrasing_weight = phrasing_weight
        self.candidates = candidates
        self.rerank_weight = rerank_weight
        self.default_chinese = default_chinese
        self.source = source
        keys = [e.key for e in self.entries]
        if len(set(keys)) != len(keys):
            duplicate = next(k for k in keys if keys.count(k) > 1)
            raise ValidationFailed(f"FAQ entry key '{duplicate}' is used twice", code="faq_duplicate_key")
        if default_chinese not in LANGUAGES[1:]:
            raise ValidationFailed(f"default_chinese must be zh-Hant or zh-Hans, not {default_chinese!r}")
        # one row per phrasing: (entry index, language, text)
        self._rows = [(i, lang, q) for i, e in enumerate(self.entries) for lang, q in e.phrasings()]
        if not self._rows:
            raise ValidationFailed("a knowledge base needs at least one question", code="faq_empty")
        self._index = {e.key: e for e in self.entries}
        self._groups = _Synonyms(self.synonyms)
        self._entry_of = np.array([i for i, _, _ in self._rows])
        folded = self._folded = [fold(q) for _, _, q in self._rows]
        member = sp.csr_matrix((np.ones(len(folded)), (self._entry_of, np.arange(len(folded)))))
        self._chars = _Space(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=False, sublinear_tf=True),
            [" ".join(content_words(f)) for f in folded],
            member,
        )
        self._words = _Space(
            TfidfVectorizer(analyzer=self._word_tokens, lowercase=False, sublinear_tf=True), folded, member
        )

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, key: str) -> FaqEntry:
        """The entry with this key; ``NotFound`` if there is none."""
        try:
            return self._index[key]
        except KeyError:
            raise NotFound(f"no FAQ entry '{key}'", code="faq_entry_not_found") from None

    def search(self, text: str, language: str | None = None, top: int = 3) -> list[FaqMatch]:
        """The ``top`` entries for a question, best first, each with its best phrasing and a score in [0, 1].

        ``language`` is the language to answer in; None detects it from ``text``.
        """
        if language is not None and language not in LANGUAGES:
            raise ValidationFailed(
                f"language must be one of {', '.join(LANGUAGES)}, not {language!r}", code="faq_bad_language"
            )
        folded = fold(text)
        if not folded or top < 1:
            return []
        scores = self._retrieve(folded)
        if self.matcher is not None:
            scores = self._rerank(self.matcher, folded, scores)
        asked = language or detect_language(text)
        matches: list[FaqMatch] = []
        seen: set[int] = set()
        # stable sort: among equal scores the file's order wins
        for row in np.argsort(-scores, kind="stable"):
            score = float(scores[row])
            if score <= 0 or len(matches) == top:
                break
            entry_index, question_language, question = self._rows[row]
            if entry_index in seen:
                continue
            seen.add(entry_index)
            reply = asked or (question_language if question_language != "en" else self.default_chinese)
            matches.append(FaqMatch(self.entries[entry_index], question, question_language, min(score, 1.0), reply))
        return matches

    def answer(self, text: str, language: str | None = None, threshold: float | None = None) -> FaqMatch | None:
        """The best match when its score reaches the threshold (the knowledge base's unless given), else None."""
        matches = self.search(text, language=language, top=1)
        limit = self.threshold if threshold is None else threshold
        return matches[0] if matches and matches[0].score >= limit else None

    def _word_tokens(self, folded: str) -> list[str]:
        """The word space's analyzer: content words and the synonym groups mentioned."""
        return [*content_words(folded), *self._groups.tokens(folded)]

    def _retrieve(self, folded: str) -> np.ndarray:
        """Each phrasing's retrieval score: character and word cosines, of the phrasing and of its entry."""
        chars = self._chars.scores(" ".join(content_words(folded)))
        tokens = self._words.scores(folded)
        both = self.char_weight * chars + (1 - self.char_weight) * tokens
        rows = len(self._rows)
        return self.phrasing_weight * both[:rows] + (1 - self.phrasing_weight) * both[rows:][self._entry_of]

    def _rerank(self, matcher: QuestionMatcher, folded: str, scores: np.ndarray) -> np.ndarray:
        """Blend the matcher's score into the best candidates; the other phrasings drop out.

        The matcher reads folded text: one trained on Simplified questions then reads Traditional ones too.
        """
        order = np.argsort(-scores, kind="stable")[: self.candidates]
        order = order[scores[order] > 0]
        blended = np.zeros_like(scores)
        for position, probability in matcher.similar(folded, [self._folded[i] for i in order]) if len(order) else []:
            row = order[position]
            blended[row] = (1 - self.rerank_weight) * scores[row] + self.rerank_weight * probability
        return blended


def read_faq(path: Path | None = None) -> FaqFile:
    """The checked entries and synonym groups of a FAQ file (the built-in one when ``path`` is None).

    Raises ``NotFound`` for a missing file and ``ValidationFailed`` naming the file, the entry (index and key)
    and the field for a bad one: a missing or malformed key, topic, question list or answer, an answer
    language missing, an empty question, an unknown field or language, a key used twice, one question given
    to two entries, or a synonym group that is not a list of at least two words.
    """
    path = BUILT_IN if path is None else Path(path)
    if not path.is_file():
        raise NotFound(f"FAQ file not found: {path}", code="faq_file_not_found", details={"file": str(path)})
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise _file_error(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise _file_error(path, f"{where}not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list) or not document["entries"]:
        raise _file_error(path, "must hold a list of entries under 'entries'", "entries")
    unknown = sorted(str(k) for k in document if k not in ("entries", "synonyms"))
    if unknown:
        raise _file_error(path, "is not a part of a FAQ file (entries, synonyms)", unknown[0])
    entries: list[FaqEntry] = []
    index_of: dict[str, int] = {}
    owner_of: dict[str, str] = {}  # folded question -> key of the entry that has it
    for index, raw in enumerate(document["entries"]):
        entry = _entry(path, index, raw)
        if entry.key in index_of:
            raise _bad(path, index, entry.key, "key", f"is already the key of entries[{index_of[entry.key]}]")
        index_of[entry.key] = index
        for language, question in entry.phrasings():
            owner = owner_of.setdefault(fold(question), entry.key)
            if owner != entry.key:
                raise _bad(
                    path, index, entry.key, f"questions.{language}", f"'{question}' is a question of '{owner}' too"
                )
        entries.append(entry)
    return FaqFile(tuple(entries), _synonyms(path, document.get("synonyms", [])))


def load_faq(path: Path | None = None, **params: Any) -> KnowledgeBase:
    """A knowledge base of a FAQ file (the built-in one when ``path`` is None); ``params`` go to ``KnowledgeBase``."""
    path = BUILT_IN if path is None else Path(path)
    faq = read_faq(path)
    return KnowledgeBase(faq.entries, synonyms=faq.synonyms, source=path, **params)


def _entry(path: Path, index: int, raw: object) -> FaqEntry:
    """One entry of a FAQ file, checked field by field."""
    if not isinstance(raw, dict):
        raise _bad(path, index, None, "entry", "must be a mapping of key, topic, questions and answer")
    key = raw.get("key")
    name = key if isinstance(key, str) else None
    unknown = sorted(str(f) for f in raw if f not in _FIELDS)
    if unknown:
        raise _bad(path, index, name, unknown[0], f"is not a field of an entry ({', '.join(_FIELDS)})")
    if not isinstance(key, str) or not _SLUG.fullmatch(key):
        reason = "is missing" if key is None else "must be lower-case letters, digits and underscores"
        raise _bad(path, index, name, "key", reason)
    topic = raw.get("topic")
    if not isinstance(topic, str) or not topic.strip():
        raise _bad(path, index, key, "topic", "is missing" if topic is None else "must be text")
    action = raw.get("action")
    if action is not None and (not isinstance(action, str) or not _SLUG.fullmatch(action)):
        raise _bad(path, index, key, "action", "must be lower-case letters, digits and underscores")
    return FaqEntry(
        key=key,
        topic=topic.strip(),
        questions=_questions(path, index, key, raw.get("questions")),
        answer=_answer(path, index, key, raw.get("answer")),
        action=action,
    )


def _questions(path: Path, index: int, key: str, raw: object) -> dict[str, tuple[str, ...]]:
    """An entry's phrasings per language: known languages, each a non-empty list of non-empty text."""
    if not isinstance(raw, dict) or not raw:
        reason = "is missing" if raw is None else "must map languages to lists of questions"
        raise _bad(path, index, key, "questions", reason)
    questions: dict[str, tuple[str, ...]] = {}
    for language, phrasings in raw.items():
        where = f"questions.{language}"
        if language not in LANGUAGES:
            raise _bad(path, index, key, where, f"is not a language ({', '.join(LANGUAGES)})")
        if not isinstance(phrasings, list) or not phrasings:
            raise _bad(path, index, key, where, "must be a list of questions")
        for n, question in enumerate(phrasings):
            if not isinstance(question, str) or not question.strip():
                reason = "is empty" if question is None or isinstance(question, str) else "must be text"
                raise _bad(path, index, key, f"{where}[{n}]", reason)
        questions[language] = tuple(q.strip() for q in phrasings)
    return questions


def _answer(path: Path, index: int, key: str, raw: object) -> dict[str, str]:
    """An entry's answer: non-empty text in every language."""
    if not isinstance(raw, dict):
        reason = "is missing" if raw is None else "must map each language to its answer"
        raise _bad(path, index, key, "answer", reason)
    for language in raw:
        if language not in LANGUAGES:
            raise _bad(path, index, key, f"answer.{language}", f"is not a language ({', '.join(LANGUAGES)})")
    for language in LANGUAGES:
        text = raw.get(language)
        if text is None:
            raise _bad(path, index, key, f"answer.{language}", "is missing")
        if not isinstance(text, str) or not text.strip():
            raise _bad(path, index, key, f"answer.{language}", "is empty" if isinstance(text, str) else "must be text")
    return {language: raw[language].strip() for language in LANGUAGES}


def _synonyms(path: Path, raw: object) -> tuple[tuple[str, ...], ...]:
    """The file's synonym groups: lists of at least two words or phrases."""
    if not isinstance(raw, list):
        raise _file_error(path, "must be a list of synonym groups", "synonyms")
    for n, group in enumerate(raw):
        if not isinstance(group, list) or len(group) < 2:
            raise _file_error(path, "must be a list of at least two words", f"synonyms[{n}]")
        if not all(isinstance(term, str) and term.strip(" *") for term in group):
            raise _file_error(path, "holds an empty word", f"synonyms[{n}]")
    return tuple(tuple(term.strip() for term in group) for group in raw)
