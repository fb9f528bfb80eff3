"""The complaint categoriser: suggests a complaint's category (CFPB product) and sub-category (issue)
from its narrative, with a calibrated confidence and the runners-up. Staff decide; nothing is applied.

Text is turned into TF-IDF character 2-5 grams within words, so misspellings and word forms still
match (word n-grams can be added; they did not help in cross-validation). A linear SVM per label is
calibrated with isotonic regression on held-out folds, so a confidence of 0.8 means about 8 in 10
such suggestions are right. The sub-category is chosen among the issues seen with the suggested
product in training, which keeps the pair coherent.
The defaults were chosen by time-ordered cross-validation on the training file (docs/service.md).

Model files are pickles (joblib): loading one runs code, so only load files this bank trained.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from guanxi.cases.cfpb import Complaint, load_cfpb, normalise_product, out_of_time_split
from guanxi.errors import NotFound, ValidationFailed
from guanxi.progress import NullProgress, Progress

__all__ = [
    "DEFAULT_MODEL_FILE",
    "CategorySuggestion",
    "ComplaintCategoriser",
    "evaluate",
    "load",
    "load_cfpb",
    "normalise_product",
    "out_of_time_split",
    "save",
]

DEFAULT_MODEL_FILE = "complaint-categoriser.joblib"
FORMAT_VERSION = 1
ALTERNATIVES = 3
CONFIDENT = 0.8  # the share of suggestions at or above this confidence, and their accuracy, are reported
# The CFPB's redaction marks (XXXX, XX/XX/XXXX, {$100.00}) appear in every product's complaints.
_REDACTED = re.compile(r"\bx{2,}\b|\{\$[\d.,]+\}", re.IGNORECASE)


def clean_text(text: str) -> str:
    """Lower-case a narrative and blank the CFPB's redaction marks, which tell nothing about the product."""
    return _REDACTED.sub(" ", text.lower())


@dataclass(frozen=True)
class CategorySuggestion:
    """A suggested category and sub-category, each with its confidence and up to three runners-up."""

    category: str
    sub_category: str | None
    confidence: float
    alternatives: list[tuple[str, float]]
    sub_category_confidence: float | None
    sub_category_alternatives: list[tuple[str, float]]


class ComplaintCategoriser(ClassifierMixin, BaseEstimator):
    """Predicts a complaint's CFPB product (``classes_``) and issue (``issue_classes_``) from its narrative."""

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] | None = None,
        char_ngrams: tuple[int, int] | None = (2, 5),
        min_df: int = 2,
        C: float = 0.3,  # scikit-learn's name for the regularisation strength
        class_weight: str | None = "balanced",
        calibration: str = "isotonic",
        calibration_folds: int = 3,
        random_state: int = 0,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def fit(
        self, X: Iterable[str], y: Sequence[str], issues: Sequence[str] | None = None, progress: Progress | None = None
    ) -> ComplaintCategoriser:
        """Learn products ``y`` (and issues, where given and non-empty) from the narratives ``X``."""
        texts = list(X)
        products = np.asarray(y, dtype=object)
        if len(texts) != len(products) or (issues is not None and len(issues) != len(texts)):
            raise ValidationFailed("narratives, products and issues must have the same length", code="bad_training_set")
        counts = Counter(products.tolist())
        if sum(1 for n in counts.values() if n >= self.calibration_folds) < 2:
            raise ValidationFailed(
                f"the categoriser needs at least two products with {self.calibration_folds} or more complaints each",
                code="bad_training_set",
                details={"products": dict(counts)},
            )
        progress = progress or NullProgress()
        progress.start("train the complaint categoriser", total=3)
        self.vectoriser_ = self._vectoriser()
        try:
            features = self.vectoriser_.fit_transform(texts)
        except ValueError:  # scikit-learn's "empty vocabulary"
            raise ValidationFailed(
                f"the narratives share no word or character sequence in {self.min_df} or more complaints",
                code="bad_training_set",
            ) from None
        progress.advance()
        self.product_model_, self.dropped_products_ = self._fit_label(features, products)
        self.classes_ = self.product_model_.classes_
        progress.advance()
        labels = np.asarray(issues if issues is not None else [""] * len(texts), dtype=object)
        known = labels != ""
        self.issue_model_, self.dropped_issues_ = self._fit_label(features[known], labels[known])
        self.issue_classes_ = (
            self.issue_model_.classes_ if self.issue_model_ is not None else np.array([], dtype=object)
        )
        # Which issues were filed under which product: the sub-category is picked among these.
        product_index = {p: i for i, p in enumerate(self.classes_)}
        issue_index = {s: j for j, s in enumerate(self.issue_classes_)}
        self.issue_mask_ = np.zeros((len(self.classes_), len(self.issue_classes_)), dtype=bool)
        for product, issue in zip(products[known], labels[known], strict=True):
            if product in product_index and issue in issue_index:
                self.issue_mask_[product_index[product], issue_index[issue]] = True
        progress.advance()
        progress.finish()
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated probability of each product (columns in ``classes_`` order)."""
        check_is_fitted(self, "product_model_")
        return self.product_model_.predict_proba(self.vectoriser_.transform(list(X)))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The most likely product of each narrative."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_issue(self, X: Iterable[str]) -> np.ndarray:
        """The most likely issue of each narrative among those seen with its predicted product (None without issues)."""
        return np.array([s.sub_category for s in self.suggest_many(X)], dtype=object)

    def suggest(self, text: str) -> CategorySuggestion:
        """The suggestion for one narrative."""
        return self.suggest_many([text])[0]

    def suggest_many(self, texts: Iterable[str]) -> list[CategorySuggestion]:
        """The suggestion for each narrative."""
        check_is_fitted(self, "product_model_")
        features = self.vectoriser_.transform(list(texts))
        product_proba = self.product_model_.predict_proba(features)
        issue_proba = self.issue_model_.predict_proba(features) if self.issue_model_ is not None else None
        suggestions = []
        for row, probabilities in enumerate(product_proba):
            order = np.argsort(-probabilities, kind="stable")
            top = order[0]
            sub_category, sub_confidence, sub_alternatives = None, None, []
            if issue_proba is not None:
                allowed = (
                    self.issue_mask_[top] if self.issue_mask_[top].any() else np.ones(len(self.issue_classes_), bool)
                )
                # The issue model's own calibrated probability is kept as the confidence (not renormalised
                # over the allowed issues, which would overstate it).
                scores = np.where(allowed, issue_proba[row], -1.0)
                ranked = [j for j in np.argsort(-scores, kind="stable") if allowed[j]]
                sub_category, sub_confidence = str(self.issue_classes_[ranked[0]]), _round(issue_proba[row, ranked[0]])
                sub_alternatives = [
                    (str(self.issue_classes_[j]), _round(issue_proba[row, j]))
                    for j in ranked[1 : 1 + ALTERNATIVES]
                    if issue_proba[row, j] > 0
                ]
            suggestions.append(
                CategorySuggestion(
                    category=str(self.classes_[top]),
                    sub_category=sub_category,
                    confidence=_round(probabilities[top]),
                    alternatives=[
                        (str(self.classes_[i]), _round(probabilities[i]))
                        for i in order[1 : 1 + ALTERNATIVES]
                        if probabilities[i] > 0
                    ],
                    sub_category_confidence=sub_confidence,
                    sub_category_alternatives=sub_alternatives,
                )
            )
        return suggestions

    def _vectoriser(self) -> FeatureUnion:
        """TF-IDF word and character n-grams side by side."""
        parts = []
        if self.word_ngrams:
            parts.append(("words", self._tfidf(analyzer="word", ngram_range=self.word_ngrams)))
        if self.char_ngrams:
            parts.append(("chars", self._tfidf(analyzer="char_wb", ngram_range=self.char_ngrams)))
        if not parts:
            raise ValidationFailed("word_ngrams or char_ngrams must be set", code="bad_parameters")
        return FeatureUnion(parts)

    def _tfidf(self, *, analyzer: str, ngram_range: tuple[int, int]) -> TfidfVectorizer:
        """One TF-IDF vectoriser; sublinear term frequency so long rants do not drown short complaints."""
        return TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=tuple(ngram_range),
            min_df=self.min_df,
            sublinear_tf=True,
            preprocessor=clean_text,
        )

    def _fit_label(self, features: Any, labels: np.ndarray) -> tuple[CalibratedClassifierCV | None, dict[str, int]]:
        """A calibrated classifier for one label; labels too rare to calibrate are left out and counted."""
        counts = Counter(labels.tolist())
        dropped = {label: n for label, n in sorted(counts.items()) if n < self.calibration_folds}
        keep = np.array([label not in dropped for label in labels], dtype=bool)
        if len(counts) - len(dropped) < 2:
            return None, dropped
        svm = LinearSVC(C=self.C, class_weight=self.class_weight, max_iter=5000, random_state=self.random_state)
        model = CalibratedClassifierCV(svm, method=self.calibration, cv=self.calibration_folds)
        return model.fit(features[keep], labels[keep]), dropped


def _round(value: float) -> float:
    """Probabilities to four places: enough to rank, short to read."""
    return round(float(value), 4)


def evaluate(
    train: Sequence[Complaint],
    test: Sequence[Complaint],
    *,
    model: ComplaintCategoriser | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train on ``train``, score ``test``: accuracy and macro-F1 for product and issue, calibration, support.

    Macro-F1 averages over every label that is true or predicted in the test part, so a product
    the model never suggests still counts (as 0).
    """
    model = model if model is not None else ComplaintCategoriser()
    started = time.perf_counter()
    model.fit([c.narrative for c in train], [c.product for c in train], [c.issue for c in train], progress=progress)
    seconds = time.perf_counter() - started
    suggestions = model.suggest_many([c.narrative for c in test])
    truth = [c.product for c in test]
    predicted = [s.category for s in suggestions]
    confidence = np.array([s.confidence for s in suggestions])
    correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
    with_issue = [(c.issue, s.sub_category or "") for c, s in zip(test, suggestions, strict=True) if c.issue]
    return {
        "train": _part(train),
        "test": _part(test),
        "product": {
            **_scores(truth, predicted),
            "unseen_in_training": sorted(set(truth) - set(model.classes_.tolist())),
            "left_out_in_training": model.dropped_products_,
            "classes": _per_class(truth, predicted),
        },
        "issue": {
            **_scores([t for t, _ in with_issue], [p for _, p in with_issue]),
            "complaints": len(with_issue),
            "issues_learned": len(model.issue_classes_),
            "left_out_in_training": len(model.dropped_issues_),
        },
        "confidence": {
            "mean": _round(confidence.mean()),
            "expected_calibration_error": _round(_calibration_error(confidence, correct)),
            "threshold": CONFIDENT,
            "share_at_or_above": _round((confidence >= CONFIDENT).mean()),
            "accuracy_at_or_above": _round(correct[confidence >= CONFIDENT].mean())
            if (confidence >= CONFIDENT).any()
            else None,
        },
        "model": {key: list(v) if isinstance(v, tuple) else v for key, v in model.get_params().items()},
        "train_seconds": round(seconds, 2),
    }


def _part(complaints: Sequence[Complaint]) -> dict[str, Any]:
    """Size and date range of one part."""
    dates = [c.received for c in complaints]
    return {"complaints": len(complaints), "from": min(dates).isoformat(), "to": max(dates).isoformat()}


def _scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float | None]:
    """Accuracy and macro-F1 (None when nothing was scored)."""
    if not truth:
        return {"accuracy": None, "macro_f1": None}
    return {
        "accuracy": _round(accuracy_score(truth, predicted)),
        "macro_f1": _round(f1_score(truth, predicted, average="macro", zero_division=0)),
    }


def _per_class(truth: Sequence[str], predicted: Sequence[str]) -> list[dict[str, Any]]:
    """Support, precision, recall and F1 of each product, most frequent first."""
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    rows = [
        {"label": label, "support": int(n), "precision": _round(p), "recall": _round(r), "f1": _round(f)}
        for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
    ]
    return sorted(rows, key=lambda row: (-row["support"], row["label"]))


def _calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: the gap between confidence and accuracy, weighted over ten bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return error


def save(model: ComplaintCategoriser, path: Path) -> Path:
    """Write a trained categoriser to ``path`` atomically (a joblib pickle: a trusted artifact)."""
    check_is_fitted(model, "product_model_")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    joblib.dump({"format": FORMAT_VERSION, "sklearn": sklearn.__version__, "model": model}, partial)
    os.replace(partial, path)
    return path


def _minor(version: str) -> str:
    """``1.9`` of ``1.9.1``: pickles are only promised to load within one scikit-learn release series."""
    return ".".join(version.split(".")[:2])


def load(path: Path) -> ComplaintCategoriser:
    """Read a categoriser written by :func:`save`; only load files this bank trained (pickles run code)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no complaint categoriser at {path}", code="categoriser_not_found")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file fails in many ways inside pickle
        raise ValidationFailed(
            f"{path}: not a complaint categoriser file ({exc})", code="categoriser_bad_file"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        raise ValidationFailed(
            f"{path}: not a complaint categoriser file of format {FORMAT_VERSION}", code="categoriser_bad_file"
        )
    if _minor(str(payload.get("sklearn"))) != _minor(sklearn.__version__):
        raise ValidationFailed(
            f"{path}: trained with scikit-learn {payload.get('sklearn')}, this is {sklearn.__version__}: "
            "train it again with guanxi cases train-categoriser",
            code="categoriser_stale",
        )
    model = payload.get("model")
    if not isinstance(model, ComplaintCategoriser):
        raise ValidationFailed(f"{path}: does not hold a complaint categoriser", code="categoriser_bad_file")
    return model
