"""Stratified cross-validation of the intent model on an intents training file (BANKING77's train.csv).

Usage: python scripts/banking77_cv.py TRAIN_CSV [--folds 5] [--inner-cv 5] [--set NAME=VALUE ...]
       [--max-tokens N] [--no-encoder] [--latency 500]

Only the training file is read: the official test split stays unseen. The folds are those the model
itself uses for calibration (``StratifiedKFold(5, shuffle=True, random_state=0)``), so the figures of
different settings are paired. Each fold trains ``IntentModel`` on the other folds, choosing the
neighbour weight and the threshold by its own inner folds (``--inner-cv``, 5 as the model does; 2
is quicker for screening), and predicts the held-out fold: accuracy, macro-F1, and the share of
messages answered (confidence at or above the threshold) with the precision of those answers. Each
utterance is embedded once and the vectors reused across folds. ``--set`` changes one of the model's
options, e.g. ``--set neighbour_weight=0`` for the SVM alone. Then ``understand()`` times ``--latency``
held-out messages one at a time on one thread: wall time (what a customer waits, on a busy machine
too) and the thread's CPU time (the work itself).
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from guanxi.assistant.intent_evaluation import read_intents
from guanxi.assistant.intents import IntentModel, SentenceEncoder, find_encoder


class CachedEncoder(SentenceEncoder):
    """The installed encoder, each text encoded once: the folds share the vectors of their utterances."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The inner encoder's vectors, from the cache where the text was seen."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.encode(missing), strict=True))
        return np.stack([self.cache[t] for t in texts]) if texts else self.inner.encode(texts)


def options(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as keyword arguments (values read as Python literals: 0.5, (1, 3), None)."""
    parsed: dict[str, Any] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            parsed[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed[name] = value
    return parsed


def main() -> None:
    """Run the cross-validation and print each fold, the mean and sd, and the latency."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--inner-cv", type=int, default=5, help="the model's own folds (its cv option)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--latency", type=int, default=500, help="held-out messages timed (0: none)")
    parser.add_argument("--no-encoder", action="store_true", help="pure scikit-learn")
    parser.add_argument("--max-tokens", type=int, help="cut messages at this many word pieces for the encoder")
    args = parser.parse_args()

    texts, labels = read_intents(args.train)
    y = np.asarray(labels, dtype=object)
    installed = None if args.no_encoder else find_encoder()
    if installed is not None and args.max_tokens:
        installed.max_tokens = args.max_tokens
    encoder = CachedEncoder(installed) if installed is not None else None
    settings = options(args.set)
    splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=0)
    accuracies, f1s, answered, precisions = [], [], [], []
    model, held_out = None, np.zeros(0, dtype=int)
    with threadpool_limits(limits=1):
        for fold, (train, held_out) in enumerate(splitter.split(np.zeros(len(y)), y), start=1):
            started = time.perf_counter()
            model = IntentModel(encoder=encoder, cv=args.inner_cv, **settings)
            model.fit([texts[i] for i in train], y[train])
            probabilities = model.predict_proba([texts[i] for i in held_out])
            predicted = model.classes_[probabilities.argmax(axis=1)]
            right, confident = predicted == y[held_out], probabilities.max(axis=1) >= model.threshold_
            accuracies.append(float(np.mean(right)))
            f1s.append(float(f1_score(y[held_out], predicted, average="macro")))
            answered.append(float(np.mean(confident)))
            precisions.append(float(np.mean(right[confident])) if confident.any() else 1.0)
            print(
                f"fold {fold}: accuracy {100 * accuracies[-1]:.2f} %, macro-F1 {100 * f1s[-1]:.2f}, "
                f"answered {100 * answered[-1]:.1f} % at threshold {model.threshold_:.3f}, "
                f"{100 * precisions[-1]:.1f} % of those right; "
                f"neighbour weight {model.neighbour_weight_} "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    print(
        f"{settings or 'defaults'} encoder={encoder is not None}: accuracy {100 * statistics.mean(accuracies):.2f} "
        f"± {100 * statistics.pstdev(accuracies):.2f} %, macro-F1 {100 * statistics.mean(f1s):.2f}; "
        f"answered {100 * statistics.mean(answered):.1f} %, {100 * statistics.mean(precisions):.1f} % of those right"
    )
    if args.latency and model is not None:
        latency(model, [texts[i] for i in held_out[: args.latency]], installed)


def latency(model: IntentModel, messages: list[str], installed: SentenceEncoder | None) -> None:
    """p50 and p99 of ``understand()`` per message on one thread, with the real (uncached) encoder."""
    if installed is not None:
        model.encoder_ = installed
    wall, cpu = [], []
    with threadpool_limits(limits=1):
        model.understand(messages[0])
        for text in messages:
            began, began_cpu = time.perf_counter(), time.thread_time()
            model.understand(text)
            wall.append(time.perf_counter() - began)
            cpu.append(time.thread_time() - began_cpu)
    for name, values in (("wall", wall), ("cpu", cpu)):
        p50, p99 = np.percentile(np.array(values) * 1000, [50, 99])
        print(f"understand() {name} ms over {len(values)} messages: p50 {p50:.2f}, p99 {p99:.2f}")


if __name__ == "__main__":
    main()
