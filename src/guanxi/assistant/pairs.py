"""Question matching for the FAQ: do two customer questions mean the same thing?

``PairMatcher`` learns from labelled question pairs (1 = same meaning) and scores new pairs; ``similar``
ranks the bank's FAQ questions for a customer's question, so answers the bank edits are found by meaning.

Customer questions in one domain share most of their words, and pairs often differ by one key word
(借 vs 还, 不 vs 能, 多少 vs 怎么), so plain overlap is not enough. The model combines, for each pair:

- overlap: character and word TF-IDF cosines, Jaccard, longest common substring, edit ratio, lengths;
- the differing words: do negations, question words, time words or numbers differ between the two;
- meaning beyond overlap: latent semantic vectors (TF-IDF -> truncated SVD) of both questions, as
  ``|u - v|`` and ``u * v`` so a classifier learns which latent directions must agree;
- soft alignment: how well each word finds a near-synonym (in the latent space) on the other side;
- a logistic regression over the bag of shared and of differing words and characters, learned out of
  fold (folds keep connected questions together) and stacked as one feature;

fed to gradient boosting (LightGBM). Chinese is cut into words with jieba and compared by character;
other languages fall back to words for both. Nothing is downloaded: it learns only from the pairs given.
"""

from __future__ import annotations

import difflib
import re
import time
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba
import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler, normalize
from threadpoolctl import threadpool_limits

from guanxi.assistant.training_files import csv_rows, line_error
from guanxi.errors import NotFound, ValidationFailed

SENTENCE1 = "sentence1"
SENTENCE2 = "sentence2"
LABEL = "label"
REQUIRED_COLUMNS = (SENTENCE1, SENTENCE2, LABEL)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万亿]")
_NEGATION_CHARS = frozenset("不没未别无非否莫勿")
_NEGATION_EN = re.compile(r"n't\b|\b(?:not|no|never|cannot|without|nothing)\b")


def _lexicon(*groups: str) -> frozenset[str]:
    """A word list written as space-separated groups (one per language)."""
    return frozenset(word for group in groups for word in group.split())


# Negations and the words that change what is asked (how vs why vs how much): the commonest one-word
# differences between questions that look alike and mean different things.
_NEGATION_WORDS = _lexicon(
    "not no never cannot without nothing nor neither",
    "don didn doesn isn aren wasn weren won wouldn couldn shouldn haven hasn",  # "don't" tokenises as "don t"
)
_QUESTION_WORDS = _lexicon(
    "怎么 怎样 如何 为什么 为何 多少 多久 多长 哪 什么 何时 几 吗 能否 可以 是否",
    "how why what when where which who much many can",
)
_TIME_WORDS = _lexicon(
    "今天 明天 昨天 后天 现在 马上 月 天 小时 分钟 年 周 日 期 时候 时间",
    "today tomorrow yesterday now day week month year hour minute",
)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, no zero-width joiners, single spaces."""
    text = unicodedata.normalize("NFKC", str(text)).replace("\u200d", "").lower()
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer, its dictionary loaded on first use rather than at import."""
    jieba.setLogLevel(60)
    return jieba.Tokenizer()


def words(text: str) -> list[str]:
    """The words of normalised text: jieba's cut for Chinese (runs of letters or digits for other text)."""
    plain = _NOT_WORD.sub(" ", text)
    if not _CJK.search(plain):
        return plain.split()
    return [w for w in _tokenizer().lcut(plain) if w.strip()]


def units(text: str) -> list[str]:
    """The smallest units compared: characters for Chinese, words for other languages."""
    plain = _NOT_WORD.sub(" ", text)
    if _CJK.search(plain):
        return [c for c in plain if not c.isspace()]
    return plain.split()


def _identity(tokens: list[str]) -> list[str]:
    """Analyzer for already tokenised text (a module function, so a fitted matcher pickles)."""
    return tokens


def _overlap_features(a: str, b: str, wa: list[str], wb: list[str]) -> list[float]:
    """Lexical overlap and how the differing words differ, for one normalised pair."""
    ua, ub = set(units(a)), set(units(b))
    sa, sb = set(wa), set(wb)
    la, lb = len(a), len(b)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    common = matcher.find_longest_match(0, la, 0, lb).size
    differing = sa ^ sb
    questions_a, questions_b = _mentions(_QUESTION_WORDS, a, sa | ua), _mentions(_QUESTION_WORDS, b, sb | ub)
    times_a, times_b = _mentions(_TIME_WORDS, a, sa | ua), _mentions(_TIME_WORDS, b, sb | ub)
    numbers_a, numbers_b = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    return [
        la + lb,
        abs(la - lb),
        min(la, lb) / max(la, lb, 1),
        len(ua & ub) / max(len(ua | ub), 1),
        len(ua & ub) / max(min(len(ua), len(ub)), 1),
        len(sa & sb) / max(len(sa | sb), 1),
        len(sa & sb) / max(min(len(sa), len(sb)), 1),
        len(sa ^ sb),
        common / max(min(la, lb), 1),
        matcher.ratio(),
        sum(c in _NEGATION_CHARS for c in "".join(differing)) + len(differing & _NEGATION_WORDS),
        float(_negated(a) != _negated(b)),
        len(questions_a ^ questions_b),
        float(bool(questions_a) and bool(questions_b) and not questions_a & questions_b),
        len(times_a ^ times_b),
        len(numbers_a ^ numbers_b),
        float(bool(numbers_a) != bool(numbers_b)),
    ]


def _mentions(lexicon: frozenset[str], text: str, tokens: set[str]) -> set[str]:
    """The lexicon's words in a question: as tokens, or inside the text for Chinese (jieba may join them)."""
    return {w for w in lexicon if w in tokens or (_CJK.match(w) is not None and w in text)}


def _negated(text: str) -> bool:
    """Whether a question holds a negation (不/没/未…, or not/no/never)."""
    return any(c in _NEGATION_CHARS for c in text) or bool(_NEGATION_EN.search(text))


# The overlap features and the two TF-IDF cosines lead the dense features; the stacked model sees them scaled.
_SCALED_COLUMNS = len(_overlap_features("a", "b", ["a"], ["b"])) + 2


def _cosine(x: sp.csr_matrix, y: sp.csr_matrix) -> np.ndarray:
    """Row-wise cosine of two sparse matrices whose rows are unit length or empty (TF-IDF's l2 norm)."""
    return np.asarray(x.multiply(y).sum(axis=1)).ravel()


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def sentence_groups(sentence1s: Sequence[str], sentence2s: Sequence[str]) -> np.ndarray:
    """A group per pair: pairs linked through a shared question fall in one group (for honest folds)."""
    codes: dict[str, int] = {}
    left = np.array([codes.setdefault(s, len(codes)) for s in sentence1s])
    right = np.array([codes.setdefault(s, len(codes)) for s in sentence2s])
    graph = sp.coo_matrix((np.ones(len(left)), (left, right)), shape=(len(codes), len(codes)))
    _, component = connected_components(graph, directed=False)
    return component[left]


class PairMatcher:
    """Scores whether two questions mean the same (scikit-learn style: ``fit``, ``predict_proba``, ``predict``)."""

    def __init__(
        self,
        n_components: int = 100,
        n_estimators: int = 400,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        stack_c: float = 0.3,
        inner_folds: int = 5,
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.stack_c = stack_c
        self.inner_folds = inner_folds
        self.random_state = random_state

    def fit(self, sentence1s: Sequence[str], sentence2s: Sequence[str], labels: Sequence[int]) -> PairMatcher:
        """Learn from labelled pairs (label 1 = same meaning); returns ``self``."""
        y = np.asarray(labels, dtype=int)
        if not len(sentence1s) == len(sentence2s) == len(y):
            raise ValidationFailed(
                f"{len(sentence1s)} first sentences, {len(sentence2s)} second and {len(y)} labels: counts differ",
                code="pairs_bad_input",
            )
        if set(np.unique(y)) != {0, 1}:
            raise ValidationFailed("pair labels must hold both 0 and 1 (and nothing else)", code="pairs_bad_input")
        a, b = [normalise(s) for s in sentence1s], [normalise(s) for s in sentence2s]
        wa, wb = [words(s) for s in a], [words(s) for s in b]
        self._fit_text(a + b, wa + wb)
        dense, bag = self._pair_features(a, b, wa, wb)
        self.scaler_ = StandardScaler().fit(dense[:, :_SCALED_COLUMNS])
        stacked_input = self._stack_input(dense, bag)
        stacked = self._out_of_fold(stacked_input, y, sentence_groups(a, b))
        self.stack_ = _fit_logistic(stacked_input, y, self.stack_c)
        self.booster_ = lgb.LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.5,
            random_state=self.random_state,
            n_jobs=1,
            verbose=-1,
        ).fit(np.hstack([dense, stacked[:, None]]), y)
        return self

    def predict_proba(self, sentence1s: Sequence[str], sentence2s: Sequence[str]) -> np.ndarray:
        """Probabilities ``[[p(different), p(same)], ...]``, one row per pair."""
        if not hasattr(self, "booster_"):
            raise ValidationFailed("the pair matcher is not fitted yet", code="pairs_not_fitted")
        if len(sentence1s) != len(sentence2s):
            raise ValidationFailed("as many first as second sentences are needed", code="pairs_bad_input")
        if len(sentence1s) == 0:
            return np.empty((0, 2))
        a, b = [normalise(s) for s in sentence1s], [normalise(s) for s in sentence2s]
        dense, bag = self._pair_features(a, b, [words(s) for s in a], [words(s) for s in b])
        stacked = _probability(self.stack_, self._stack_input(dense, bag))
        return self.booster_.predict_proba(np.hstack([dense, stacked[:, None]]))

    def predict(self, sentence1s: Sequence[str], sentence2s: Sequence[str]) -> np.ndarray:
        """1 where a pair means the same, else 0."""
        return (self.predict_proba(sentence1s, sentence2s)[:, 1] > 0.5).astype(int)

    def similar(self, question: str, candidates: Sequence[str]) -> list[tuple[int, float]]:
        """Rank candidate questions (the FAQ's) for a customer question: ``(index, score)``, best first."""
        if not candidates:
            return []
        scores = self.predict_proba([question] * len(candidates), list(candidates))[:, 1]
        # stable sort: equal scores keep the FAQ's own order
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        return [(i, float(scores[i])) for i in order]

    def _fit_text(self, sentences: list[str], tokenised: list[list[str]]) -> None:
        """Fit the character and word TF-IDF spaces, their latent (SVD) spaces and the bag vocabularies."""
        self.chars_ = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit(sentences)
        self.words_ = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, lowercase=False).fit(tokenised)
        char_svd = _fit_svd(self.chars_.transform(sentences), self.n_components, self.random_state)
        word_svd = _fit_svd(self.words_.transform(tokenised), self.n_components, self.random_state)
        # kept as contiguous projections: TruncatedSVD.transform copies its components on every call,
        # which dominated the time to score one pair
        self.char_projection_ = np.ascontiguousarray(char_svd.components_.T)
        self.word_projection_ = np.ascontiguousarray(word_svd.components_.T)
        # word vectors for soft alignment: each word's loadings on the latent directions
        self.word_vectors_ = normalize(word_svd.components_.T * word_svd.singular_values_)
        self.unit_vocabulary_ = {u: i for i, u in enumerate(sorted({u for s in sentences for u in units(s)}))}

    def _pair_features(
        self, a: list[str], b: list[str], wa: list[list[str]], wb: list[list[str]]
    ) -> tuple[np.ndarray, sp.csr_matrix]:
        """Dense features (overlap, cosines, latent, alignment) and the sparse bag of shared/differing tokens."""
        overlap = np.array([_overlap_features(*pair) for pair in zip(a, b, wa, wb, strict=True)], dtype=float)
        n = len(a)
        # both sides in one call: per-call overhead, not arithmetic, is what scoring one pair costs
        chars, tokens = self.chars_.transform(a + b), self.words_.transform(wa + wb)
        parts = [overlap, _cosine(chars[:n], chars[n:])[:, None], _cosine(tokens[:n], tokens[n:])[:, None]]
        for matrix, projection in ((chars, self.char_projection_), (tokens, self.word_projection_)):
            latent = _unit_rows(matrix @ projection)
            u, v = latent[:n], latent[n:]
            parts += [np.abs(u - v), u * v, (u * v).sum(axis=1, keepdims=True)]
        parts.append(self._alignment(wa, wb))
        bag = sp.hstack(
            [
                _bag(wa, wb, self.words_.vocabulary_),
                _bag([units(s) for s in a], [units(s) for s in b], self.unit_vocabulary_),
            ]
        ).tocsr()
        return np.hstack(parts), bag

    def _alignment(self, wa: list[list[str]], wb: list[list[str]]) -> np.ndarray:
        """How well each word finds a near-synonym on the other side (IDF-weighted, and the worst word)."""
        vocabulary, idf, vectors = self.words_.vocabulary_, self.words_.idf_, self.word_vectors_
        rows = []
        for left, right in zip(wa, wb, strict=True):
            ia = [vocabulary[w] for w in left if w in vocabulary]
            ib = [vocabulary[w] for w in right if w in vocabulary]
            if not ia or not ib:
                rows.append([0.0] * 5)
                continue
            sims = vectors[ia] @ vectors[ib].T
            best_a, best_b = sims.max(axis=1), sims.max(axis=0)
            rows.append(
                [
                    float(best_a @ idf[ia] / idf[ia].sum()),
                    float(best_b @ idf[ib] / idf[ib].sum()),
                    float(min(best_a.min(), best_b.min())),
                    float(max(best_a.min(), best_b.min())),
                    float((best_a < 0.5).sum() + (best_b < 0.5).sum()),
                ]
            )
        return np.array(rows, dtype=float)

    def _stack_input(self, dense: np.ndarray, bag: sp.csr_matrix) -> sp.csr_matrix:
        """The stacked logistic regression sees the token bags and the scaled overlap features."""
        return sp.hstack([bag, sp.csr_matrix(self.scaler_.transform(dense[:, :_SCALED_COLUMNS]))]).tocsr()

    def _out_of_fold(self, x: sp.csr_matrix, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Out-of-fold scores of the token-bag model, so the booster learns how far to trust it on new pairs."""
        folds = min(self.inner_folds, len(np.unique(groups)))
        if folds < 2:
            # one connected group: no honest split exists, so the in-sample score is the best there is
            return _probability(_fit_logistic(x, y, self.stack_c), x)
        scores = np.zeros(len(y))
        for train, held in GroupKFold(folds).split(x, y, groups):
            scores[held] = _probability(_fit_logistic(x[train], y[train], self.stack_c), x[held])
        return scores


def _fit_svd(matrix: sp.spmatrix, n_components: int, random_state: int) -> TruncatedSVD:
    """A truncated SVD no wider than the data allows."""
    k = min(n_components, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if k < 1:
        raise ValidationFailed("too little text to learn question matching from", code="pairs_bad_input")
    return TruncatedSVD(k, random_state=random_state).fit(matrix)


def _bag(left: list[list[str]], right: list[list[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    """Per pair: which known tokens differ between the two questions, then which they share."""
    rows, cols = [], []
    size = len(vocabulary)
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        sa, sb = set(a), set(b)
        for token in sa ^ sb:
            if token in vocabulary:
                rows.append(i)
                cols.append(vocabulary[token])
        for token in sa & sb:
            if token in vocabulary:
                rows.append(i)
                cols.append(size + vocabulary[token])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(left), 2 * size))


def _fit_logistic(x: sp.csr_matrix, y: np.ndarray, c: float) -> LogisticRegression | float:
    """A logistic regression, or the positive rate where the labels hold one class only."""
    if len(np.unique(y)) < 2:
        return float(y.mean())
    return LogisticRegression(C=c, max_iter=3000).fit(x, y)


def _probability(model: LogisticRegression | float, x: sp.csr_matrix) -> np.ndarray:
    """p(same) from a fitted logistic regression or a constant rate."""
    if isinstance(model, float):
        return np.full(x.shape[0], model)
    return model.predict_proba(x)[:, 1]


def load_pairs(path: Path) -> tuple[list[str], list[str], list[int]]:
    """Read a CSV of ``sentence1,sentence2,label`` (1 = same meaning, 0 = not).

    Raises ``NotFound`` for a missing file and ``ValidationFailed`` naming the file, line and column for a
    missing column, an empty sentence or a label other than 0/1, and for a file without pairs.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"question pairs file not found: {path}", code="pairs_file_not_found")
    first: list[str] = []
    second: list[str] = []
    labels: list[int] = []
    for line, row in csv_rows(path, REQUIRED_COLUMNS, code="pairs"):
        for column in (SENTENCE1, SENTENCE2):
            if not (row.get(column) or "").strip():
                raise line_error(path, line, column, "is empty", code="pairs")
        label = (row.get(LABEL) or "").strip()
        if label not in ("0", "1"):
            raise line_error(path, line, LABEL, f"'{label}' is not 0 or 1", code="pairs")
        first.append(str(row[SENTENCE1]))
        second.append(str(row[SENTENCE2]))
        labels.append(int(label))
    if not labels:
        raise ValidationFailed(f"{path}: holds no question pairs", code="pairs_bad_file", details={"file": str(path)})
    return first, second, labels


def evaluate_pairs(train: Path, test: Path, *, latency_pairs: int = 1000, **params: Any) -> dict[str, float | int]:
    """Fit on ``train``, score ``test``: accuracy, F1 of 'same', and latency scoring one pair at a time.

    Latency is measured on a single thread over the first ``latency_pairs`` test pairs, each scored alone
    as the assistant scores a question; ``params`` go to ``PairMatcher``.
    """
    s1, s2, y_train = load_pairs(train)
    t1, t2, y_test = load_pairs(test)
    matcher = PairMatcher(**params).fit(s1, s2, y_train)
    predicted = matcher.predict(t1, t2)
    timings = []
    with threadpool_limits(limits=1):
        for first, second in list(zip(t1, t2, strict=True))[: max(1, latency_pairs)]:
            began = time.perf_counter()
            matcher.predict_proba([first], [second])
            timings.append((time.perf_counter() - began) * 1000)
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "f1": float(f1_score(y_test, predicted, zero_division=0)),
        "latency_p50_ms": float(np.percentile(timings, 50)),
        "latency_p99_ms": float(np.percentile(timings, 99)),
        "n_train": len(y_train),
        "n_test": len(y_test),
    }
