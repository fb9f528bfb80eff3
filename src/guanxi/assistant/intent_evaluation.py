"""Intent training files and their evaluation: ``guanxi eval intents --train F --test F``.

A file is a UTF-8 CSV with columns ``text`` and ``category`` (BANKING77's layout). The evaluation
trains an ``IntentModel`` on one file and scores the other: accuracy, macro-F1, the share answered at
the never-guess threshold, and how long one message takes on one thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from threadpoolctl import threadpool_limits

from guanxi.assistant.intents import IntentModel
from guanxi.assistant.training_files import csv_rows, line_error
from guanxi.errors import NotFound, ValidationFailed

__all__ = ["CATEGORY", "TEXT", "evaluate_intents", "read_intents"]

TEXT = "text"
CATEGORY = "category"
REQUIRED_COLUMNS = (TEXT, CATEGORY)


def read_intents(path: Path) -> tuple[list[str], list[str]]:
    """Utterances and their intents from a CSV file with columns ``text`` and ``category`` (UTF-8).

    Raises ``NotFound`` for a missing file and ``ValidationFailed`` naming the file (and line and
    column) for a missing column, an empty file, or a row with an empty text or category.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"intents file not found: {path}", code="intents_file_not_found", details={"file": str(path)})
    texts: list[str] = []
    labels: list[str] = []
    for line, row in csv_rows(path, REQUIRED_COLUMNS, code="intents"):
        for column in REQUIRED_COLUMNS:
            if not (row.get(column) or "").strip():
                raise line_error(path, line, column, "is empty", code="intents")
        texts.append(row[TEXT].strip())
        labels.append(row[CATEGORY].strip())
    if not texts:
        raise ValidationFailed(
            f"{path}: the file has a header but no utterances", code="intents_empty_file", details={"file": str(path)}
        )
    return texts, labels


def evaluate_intents(train: Path, test: Path, *, model: IntentModel | None = None) -> dict[str, Any]:
    """Train on the ``train`` CSV, score the ``test`` CSV: accuracy, macro-F1, and single-message latency.

    Latency is the wall time of ``predict`` on one message at a time over the whole test file, in one
    thread (BLAS and the encoder both limited to one), after one warm-up message: how long a customer
    waits for the model. The share of test messages answered at the threshold, and their accuracy,
    show what "never guess" costs.
    """
    train_texts, train_labels = read_intents(train)
    test_texts, test_labels = read_intents(test)
    model = model if model is not None else IntentModel()
    with threadpool_limits(limits=1):
        started = time.perf_counter()
        model.fit(train_texts, train_labels)
        train_seconds = time.perf_counter() - started
        model.predict(test_texts[:1])
        predicted, latencies = [], []
        for text in test_texts:
            began = time.perf_counter()
            label = model.predict([text])[0]
            latencies.append(time.perf_counter() - began)
            predicted.append(str(label))
        confidence = model.predict_proba(test_texts).max(axis=1)
    correct = np.array([p == t for p, t in zip(predicted, test_labels, strict=True)])
    answered = confidence >= model.threshold_
    milliseconds = np.array(latencies) * 1000
    return {
        "accuracy": _round(accuracy_score(test_labels, predicted)),
        "macro_f1": _round(f1_score(test_labels, predicted, average="macro", zero_division=0)),
        "latency_p50_ms": round(float(np.percentile(milliseconds, 50)), 3),
        "latency_p99_ms": round(float(np.percentile(milliseconds, 99)), 3),
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "intents": len(model.classes_),
        "unseen_in_training": sorted(set(test_labels) - set(model.classes_.tolist())),
        "threshold": _round(model.threshold_),
        "answered_share": _round(answered.mean()),
        "answered_accuracy": _round(correct[answered].mean()) if answered.any() else None,
        "encoder": model.encoder_.name if model.encoder_ is not None else None,
        "train_seconds": round(train_seconds, 2),
    }


def _round(value: float) -> float:
    """Four places: enough to compare, short to read."""
    return round(float(value), 4)
