"""Intent understanding for the customer assistant: which of the bank's intents a message asks for.

``IntentModel`` learns intents from example utterances in English, Chinese (Traditional or
Simplified) or both. Each message is normalised (``textnorm``) and read in up to three ways, side by side:

- word uni- and bigrams, TF-IDF (Chinese cut into words by jieba);
- character 1-3 grams within words, TF-IDF, so misspellings and word forms still match;
- a sentence embedding from a small pretrained encoder (all-MiniLM-L6-v2 as int8 ONNX, run by
  onnxruntime), only where that optional encoder is installed: without it the model is pure
  scikit-learn and nothing else is needed.

A linear SVM scores the intents. For its ten best, the embedding cosine of the intent's most similar
training utterance is added at a weight chosen on out-of-fold predictions: an intent phrased in
several distinct ways is better recognised by its nearest example than by one flat boundary. The
scores become probabilities through a softmax whose temperature is fitted on out-of-fold scores, so
a confidence of 0.9 means about 9 in 10 such answers are right.
The same out-of-fold predictions choose ``threshold_``, so that the assistant never guesses: it is the
lowest confidence at which the answers given (all those at or above it) were still right at least
``answer_precision`` (97%) of the time. Below it ``understand`` reports the message as out of scope,
and the dialogue asks again or hands over to staff. Only in-scope examples exist to learn from, so the
threshold guards against confusing two known intents; a message about something else entirely
usually scores low as well.

The defaults were chosen by stratified 5-fold cross-validation on the BANKING77 training file
(77 intents, 10,003 utterances; ``scripts/banking77_cv.py``): C, the n-gram ranges, the encoder's
weight beside TF-IDF, the encoder's token limit and the nearest neighbours. There the model is right
93.5% of the time (90.5% pure scikit-learn): the encoder costs about 3 ms per message on one CPU
thread, the neighbours, which add about half a point, under 0.3 ms.

Model files are pickles (joblib): loading one runs code, so only load files this bank trained.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from guanxi.assistant.encoder import SentenceEncoder, find_encoder
from guanxi.assistant.textnorm import normalise, warm_up, words
from guanxi.errors import NotFound, ValidationFailed

__all__ = [
    "IntentGuess",
    "IntentModel",
    "SentenceEncoder",
    "find_encoder",
    "load",
    "save",
]

FORMAT_VERSION = 2  # 2: nearest-neighbour scores (models of format 1 must be trained again)
# The nearest neighbours' weights fit chooses from (4 in four of BANKING77's five folds, 2 in one), and
# for how many of the SVM's best intents they are computed (5, 10 or all 77 were as accurate there).
NEIGHBOUR_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0)
NEAREST_INTENTS = 10


@dataclass(frozen=True)
class IntentGuess:
    """What a message asks for: the top intent with its confidence, the runner-up, and whether to answer.

    ``out_of_scope`` is true when the confidence is below the model's threshold: the assistant then
    does not act on ``intent`` but asks the customer to rephrase or hands over to staff.
    """

    intent: str
    confidence: float
    runner_up: str | None
    runner_up_confidence: float | None
    out_of_scope: bool

    @property
    def answer(self) -> str | None:
        """The intent to act on, or None when the message is out of scope."""
        return None if self.out_of_scope else self.intent


class _Linear(NamedTuple):
    """A fitted scorer: TF-IDF vectorisers, SVM weights (features by intents) and intercepts, and the
    embeddings of the training utterances sorted by intent (intent k's rows are ``bounds[k]`` to
    ``bounds[k + 1]``) for the nearest-neighbour scores, or None without them.
    """

    vectorisers: list[TfidfVectorizer]
    weights: np.ndarray
    intercept: np.ndarray
    bounds: np.ndarray
    neighbours: np.ndarray | None


class IntentModel(ClassifierMixin, BaseEstimator):
    """Predicts a message's intent (``classes_``) with a calibrated confidence and an out-of-scope threshold.

    ``encoder`` is ``"auto"`` (the sentence encoder when installed, else none), ``None`` (pure
    scikit-learn) or a ``SentenceEncoder``. ``neighbour_weight`` weighs the embedding cosine of each
    intent's most similar training utterance beside the SVM's score: None chooses ``neighbour_weight_``
    from ``NEIGHBOUR_WEIGHTS`` by out-of-fold accuracy, a number fixes it, 0 leaves neighbours out
    (as does a model without an encoder). ``threshold`` None chooses ``threshold_`` by cross-validation
    for ``answer_precision``; a number fixes it.
    """

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] | None = (1, 2),
        char_ngrams: tuple[int, int] | None = (1, 3),
        C: float = 0.5,  # scikit-learn's name for the regularisation strength
        encoder: SentenceEncoder | str | None = "auto",
        encoder_weight: float = 2.0,
        neighbour_weight: float | None = None,
        threshold: float | None = None,
        answer_precision: float = 0.97,
        cv: int = 5,
        random_state: int = 0,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.C = C
        self.encoder = encoder
        self.encoder_weight = encoder_weight
        self.neighbour_weight = neighbour_weight
        self.threshold = threshold
        self.answer_precision = answer_precision
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: Iterable[str], y: Sequence[str]) -> IntentModel:
        """Learn intents ``y`` from utterances ``X``; every intent needs at least two utterances."""
        texts = [normalise(str(t)) for t in X]
        labels = np.asarray([str(label) for label in y], dtype=object)
        self._check_training_set(texts, labels)
        warm_up()
        self.encoder_ = self._resolve_encoder()
        embeddings = self.encoder_.encode(texts) if self.encoder_ is not None else None
        self.classes_ = np.unique(labels)
        # Out-of-fold scores: what the model says about utterances it has not seen, to choose the
        # neighbour weight and to calibrate.
        folds = min(self.cv, min(Counter(labels.tolist()).values()))
        if embeddings is None:
            candidates: tuple[float, ...] = (0.0,)
        else:
            candidates = NEIGHBOUR_WEIGHTS if self.neighbour_weight is None else (float(self.neighbour_weight),)
        svm, nearest = np.zeros((len(texts), len(self.classes_))), np.zeros((len(texts), len(self.classes_)))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        for train, held_out in splitter.split(np.zeros(len(labels)), labels):
            linear = self._fit_part(texts, labels, embeddings, train, max(candidates) > 0)
            part = embeddings[held_out] if embeddings is not None else None
            svm[held_out], best = self._parts(linear, [texts[i] for i in held_out], part)
            if best is not None:
                nearest[held_out] = best
        truth = np.searchsorted(self.classes_, labels)
        # The most accurate weight; on a tie the smaller, so neighbours are only added where they help.
        hits = [int(((svm + weight * nearest).argmax(axis=1) == truth).sum()) for weight in candidates]
        self.neighbour_weight_ = candidates[int(np.argmax(hits))]
        scores = svm + self.neighbour_weight_ * nearest
        self.temperature_ = _fit_temperature(scores, truth)
        probabilities = softmax(scores / self.temperature_, axis=1)
        correct = probabilities.argmax(axis=1) == truth
        self.cv_accuracy_ = float(correct.mean())
        chosen = precision_threshold(probabilities.max(axis=1), correct, self.answer_precision)
        self.threshold_ = float(self.threshold) if self.threshold is not None else chosen
        self.linear_ = self._fit_part(texts, labels, embeddings, np.arange(len(texts)), self.neighbour_weight_ > 0)
        return self

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """The score of each intent, the SVM's and its nearest examples' (columns in ``classes_`` order)."""
        check_is_fitted(self, "linear_")
        texts = [normalise(str(t)) for t in X]
        embeddings = self.encoder_.encode(texts) if self.encoder_ is not None else None
        return self._scores(self.linear_, texts, embeddings)

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated probability of each intent (columns in ``classes_`` order)."""
        return softmax(self.decision_function(X) / self.temperature_, axis=1)

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The most likely intent of each message (out of scope or not)."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]

    def understand(self, text: str) -> IntentGuess:
        """The top intent of one message, its confidence, the runner-up, and whether it is out of scope."""
        probabilities = self.predict_proba([text])[0]
        order = np.argsort(-probabilities, kind="stable")
        top = order[0]
        second = order[1] if len(order) > 1 else None
        return IntentGuess(
            intent=str(self.classes_[top]),
            confidence=_round(probabilities[top]),
            runner_up=str(self.classes_[second]) if second is not None else None,
            runner_up_confidence=_round(probabilities[second]) if second is not None else None,
            out_of_scope=bool(probabilities[top] < self.threshold_),
        )

    def _resolve_encoder(self) -> SentenceEncoder | None:
        """The encoder to use: the one given, the installed one for ``"auto"``, or none."""
        if self.encoder is None or isinstance(self.encoder, SentenceEncoder):
            return self.encoder
        if self.encoder == "auto":
            return find_encoder()
        raise ValidationFailed(
            f"encoder must be 'auto', None or a SentenceEncoder, not {self.encoder!r}", code="bad_parameters"
        )

    def _check_training_set(self, texts: list[str], labels: np.ndarray) -> None:
        """Refuse training sets the model cannot learn from, saying why."""
        if len(texts) != len(labels):
            raise ValidationFailed("utterances and intents must have the same length", code="bad_training_set")
        if self.cv < 2:
            raise ValidationFailed(f"cv must be 2 or more folds, not {self.cv}", code="bad_parameters")
        if self.neighbour_weight is not None and not self.neighbour_weight >= 0:  # "not >=" also refuses NaN
            raise ValidationFailed(
                f"neighbour_weight must be 0 or more, not {self.neighbour_weight}", code="bad_parameters"
            )
        counts = Counter(labels.tolist())
        if len(counts) < 2:
            raise ValidationFailed("the intent model needs utterances of at least two intents", code="bad_training_set")
        single = sorted(label for label, n in counts.items() if n < 2)
        if single:
            raise ValidationFailed(
                f"every intent needs at least two utterances; {len(single)} have one: {', '.join(single[:5])}",
                code="bad_training_set",
                details={"intents": single},
            )

    def _fit_part(
        self,
        texts: list[str],
        labels: np.ndarray,
        embeddings: np.ndarray | None,
        rows: np.ndarray,
        neighbours: bool,
    ) -> _Linear:
        """Vectorisers and SVM weights fitted on ``rows``, and those rows' embeddings if ``neighbours``."""
        part = [texts[i] for i in rows]
        vectorisers = self._vectorisers()
        try:
            blocks = [v.fit_transform(part) for v in vectorisers]
        except ValueError:  # scikit-learn's "empty vocabulary": no word or character in any utterance
            raise ValidationFailed("the utterances hold no words to learn from", code="bad_training_set") from None
        if embeddings is not None:
            blocks.append(sp.csr_matrix(embeddings[rows] * self.encoder_weight))
        svm = LinearSVC(C=self.C, max_iter=5000, random_state=self.random_state)
        svm.fit(sp.hstack(blocks, format="csr"), labels[rows])
        # Rows sorted by intent, so that an intent's examples are one slice.
        intent = np.searchsorted(self.classes_, labels[rows])
        order = np.argsort(intent, kind="stable")
        bounds = np.searchsorted(intent[order], np.arange(len(self.classes_) + 1))
        kept = None
        if embeddings is not None and neighbours:
            kept = np.ascontiguousarray(embeddings[rows][order], dtype=np.float32)
        # Features by intents, contiguous, so one message is scored by a single sparse product.
        weights = np.ascontiguousarray(svm.coef_.T)
        return _Linear(vectorisers, weights, svm.intercept_.copy(), bounds, kept)

    def _scores(self, linear: _Linear, texts: list[str], embeddings: np.ndarray | None) -> np.ndarray:
        """Scores of normalised texts: the SVM's plus the nearest neighbours' at their chosen weight."""
        svm, nearest = self._parts(linear, texts, embeddings)
        return svm + self.neighbour_weight_ * nearest if nearest is not None else svm

    def _parts(
        self, linear: _Linear, texts: list[str], embeddings: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The SVM's scores of normalised texts, and each intent's best embedding cosine (None without).

        Columns in ``classes_`` order (every fold sees every intent). Only the SVM's ``NEAREST_INTENTS``
        best intents are compared with their examples (the others get 0): an intent further down is not
        lifted to the top by one example, and a message's work stays small.
        """
        features = _tfidf(linear.vectorisers, texts)
        width = features.shape[1]
        scores = features @ linear.weights[:width] + linear.intercept
        if embeddings is not None:
            scores += (embeddings * self.encoder_weight) @ linear.weights[width:]
        if scores.shape[1] == 1:  # two intents: one column, the second intent's score
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        scores = np.asarray(scores, dtype=np.float64)
        if embeddings is None or linear.neighbours is None:
            return scores, None
        nearest = np.zeros(scores.shape)
        bounds = linear.bounds
        for row, top in enumerate(np.argsort(-scores, axis=1, kind="stable")[:, :NEAREST_INTENTS]):
            rows = np.concatenate([np.arange(bounds[k], bounds[k + 1]) for k in top])
            firsts = np.concatenate([[0], np.cumsum(bounds[top + 1] - bounds[top])[:-1]])
            similarity = linear.neighbours[rows] @ embeddings[row].astype(np.float32)
            nearest[row, top] = np.maximum.reduceat(similarity, firsts)
        return scores, nearest

    def _vectorisers(self) -> list[TfidfVectorizer]:
        """TF-IDF of words and of characters within words; sublinear so a repeated word does not dominate."""
        parts = []
        if self.word_ngrams:
            parts.append(
                TfidfVectorizer(
                    tokenizer=words,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=tuple(self.word_ngrams),
                    sublinear_tf=True,
                )
            )
        if self.char_ngrams:
            parts.append(
                TfidfVectorizer(
                    analyzer="char_wb", lowercase=False, ngram_range=tuple(self.char_ngrams), sublinear_tf=True
                )
            )
        if not parts:
            raise ValidationFailed("word_ngrams or char_ngrams must be set", code="bad_parameters")
        return parts


def _tfidf(vectorisers: Sequence[TfidfVectorizer], texts: Sequence[str]) -> sp.csr_matrix:
    """The vectorisers' TF-IDF rows side by side, as ``transform`` computes them (sublinear tf, idf, l2).

    Computed here because ``TfidfVectorizer.transform`` spends most of a millisecond checking its
    input for every single message; this takes a few microseconds for the same numbers.
    """
    blocks = [(v.build_analyzer(), v.vocabulary_, v.idf_) for v in vectorisers]
    indptr, indices, values = [0], [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    for text in texts:
        offset, stored = 0, indptr[-1]
        for analyse, vocabulary, idf in blocks:
            counts = Counter(j for feature in analyse(text) if (j := vocabulary.get(feature)) is not None)
            if counts:
                columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                row = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
                row *= idf[columns]
                indices.append(columns + offset)
                values.append(row / np.linalg.norm(row))
                stored += len(columns)
            offset += len(idf)
        indptr.append(stored)
    width = sum(len(idf) for _, _, idf in blocks)
    return sp.csr_matrix((np.concatenate(values), np.concatenate(indices), indptr), shape=(len(texts), width))


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that best predicts the true intents from out-of-fold scores (least log loss)."""

    def loss(log_t: float) -> float:
        return float(-log_softmax(scores / np.exp(log_t), axis=1)[np.arange(len(truth)), truth].mean())

    result = minimize_scalar(loss, bounds=(np.log(1e-3), np.log(1e2)), method="bounded")
    return float(np.exp(result.x))


def precision_threshold(confidence: np.ndarray, correct: np.ndarray, precision: float) -> float:
    """The lowest confidence whose answers (all at or above it) are right at least ``precision`` of the time.

    Returns a value above every confidence (answer nothing) when even the most confident answers miss.
    """
    order = np.argsort(-confidence, kind="stable")
    ranked, hits = confidence[order], correct[order]
    running = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    # Only cut between different confidences: equal confidences are answered alike.
    cuts = np.flatnonzero(np.append(ranked[1:] < ranked[:-1], True))
    good = cuts[running[cuts] >= precision]
    if len(good) == 0:
        return float(np.nextafter(ranked[0], np.inf))
    return float(ranked[good[-1]])


def _round(value: float) -> float:
    """Probabilities to four places: enough to rank, short to read."""
    return round(float(value), 4)


def save(model: IntentModel, path: Path) -> Path:
    """Write a trained intent model to ``path`` atomically (a joblib pickle: a trusted artifact)."""
    check_is_fitted(model, "linear_")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    joblib.dump({"format": FORMAT_VERSION, "sklearn": sklearn.__version__, "model": model}, partial)
    os.replace(partial, path)
    return path


def load(path: Path) -> IntentModel:
    """Read an intent model written by :func:`save`; only load files this bank trained (pickles run code)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no intent model at {path}", code="intent_model_not_found")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file fails in many ways inside pickle
        raise ValidationFailed(f"{path}: not an intent model file ({exc})", code="intent_model_bad_file") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        raise ValidationFailed(
            f"{path}: not an intent model file of format {FORMAT_VERSION}", code="intent_model_bad_file"
        )
    if _minor(str(payload.get("sklearn"))) != _minor(sklearn.__version__):
        raise ValidationFailed(
            f"{path}: trained with scikit-learn {payload.get('sklearn')}, this is {sklearn.__version__}: "
            "train it again",
            code="intent_model_stale",
        )
    model = payload.get("model")
    if not isinstance(model, IntentModel):
        raise ValidationFailed(f"{path}: does not hold an intent model", code="intent_model_bad_file")
    warm_up()
    return model


def _minor(version: str) -> str:
    """``1.9`` of ``1.9.1``: pickles are only promised to load within one scikit-learn release series."""
    return ".".join(version.split(".")[:2])
