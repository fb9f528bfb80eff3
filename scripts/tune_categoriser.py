"""Time-ordered cross-validation of the complaint categoriser's settings, on the training file only.

Usage: python scripts/tune_categoriser.py CFPB_CSV [--blocks 8]

Only the earlier part of the file (what ``guanxi eval complaints`` trains on without ``--test``) is
used, so its own out-of-time test part stays unseen. The complaints are cut by date into equal
blocks; fold k trains on the blocks before k and scores block k (an expanding window). Each setting
is varied alone around the defaults; the table lists mean product macro-F1, accuracy and the
calibration error of the confidence, then issue figures for the defaults.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from guanxi.cases.categoriser import ComplaintCategoriser, evaluate
from guanxi.cases.cfpb import Complaint, load_cfpb, out_of_time_split

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("defaults", {}),
    ("+ words 1-2", {"word_ngrams": (1, 2)}),
    ("words 1-2 only", {"word_ngrams": (1, 2), "char_ngrams": None}),
    ("+ words 1-2, no weights", {"word_ngrams": (1, 2), "class_weight": None}),
    ("C=0.1", {"C": 0.1}),
    ("C=1", {"C": 1.0}),
    ("no class weights", {"class_weight": None}),
    ("sigmoid calibration", {"calibration": "sigmoid"}),
    ("min_df=1", {"min_df": 1}),
]


def folds(complaints: list[Complaint], blocks: int) -> list[tuple[list[Complaint], list[Complaint]]]:
    """Expanding-window folds over date-ordered complaints (the first two blocks only ever train)."""
    ordered = sorted(complaints, key=lambda c: (c.received, c.line))
    bounds = [round(len(ordered) * k / blocks) for k in range(blocks + 1)]
    return [(ordered[: bounds[k]], ordered[bounds[k] : bounds[k + 1]]) for k in range(2, blocks)]


def main() -> None:
    """Print the cross-validated figures of each variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--blocks", type=int, default=8)
    args = parser.parse_args()
    earlier, _ = out_of_time_split(load_cfpb(args.data).complaints)
    splits = folds(earlier, args.blocks)
    print(f"{len(earlier)} complaints, {len(splits)} folds, training sizes {[len(t) for t, _ in splits]}")
    print(f"{'variant':<24} {'product F1':>10} {'accuracy':>9} {'ECE':>6} {'issue acc':>9} {'issue F1':>9}")
    for name, change in VARIANTS:
        results = [evaluate(train, test, model=ComplaintCategoriser(**change)) for train, test in splits]

        def mean(section: str, key: str, results: list[dict[str, Any]] = results) -> float:
            return float(np.mean([r[section][key] for r in results]))

        print(
            f"{name:<24} {mean('product', 'macro_f1'):>10.3f} {mean('product', 'accuracy'):>9.3f} "
            f"{mean('confidence', 'expected_calibration_error'):>6.3f} "
            f"{mean('issue', 'accuracy'):>9.3f} {mean('issue', 'macro_f1'):>9.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
