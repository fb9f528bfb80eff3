"""Fast per-customer reasons for tree models: path attribution from the leaves a row lands in.

Each split on a row's path through a tree moves the tree's value from the parent node's to the
child's; that step is credited to the split's feature. Summed over the path, the steps telescope:
the root's value plus the feature credits equals the leaf's value exactly, so over all trees the
credits plus a constant add up to the model's log-odds — the same local accuracy as TreeSHAP.
Unlike TreeSHAP (``pred_contrib``, whose cost grows with leaves × depth² per tree and row), the
credits of every leaf are computed once per model; scoring a row then costs one leaf lookup per
tree (as a prediction does) and a sparse product. That is what lets a run give a million customers
their reasons in about the time a prediction takes. TreeSHAP remains for single files
(``guanxi models score``); the two agree on the leading reason for most customers (docs/models.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

CHUNK_ROWS = 100_000  # contributions are dense per chunk: 100,000 rows × 100 features ≈ 80 MB


def _walk(node: dict[str, Any], credit: dict[int, float], leaves: dict[int, dict[int, float]]) -> None:
    """Collect, for every leaf under ``node``, the credit each feature earned on the way down."""
    if "leaf_index" in node:
        leaves[node["leaf_index"]] = dict(credit)
        return
    feature, value = node["split_feature"], node["internal_value"]
    for side in ("left_child", "right_child"):
        child = node[side]
        step = (child["leaf_value"] if "leaf_index" in child else child["internal_value"]) - value
        credit[feature] = credit.get(feature, 0.0) + step
        _walk(child, credit, leaves)
        credit[feature] -= step
        if credit[feature] == 0.0:
            del credit[feature]


class PathAttribution:
    """One booster's leaf credits as a sparse (all leaves × features) matrix, and its constant."""

    def __init__(self, booster: Any) -> None:
        dump = booster.dump_model()
        self.n_features = len(dump["feature_names"])
        rows, cols, vals = [], [], []
        self.offsets: list[int] = []
        self.bias = 0.0
        offset = 0
        for tree in dump["tree_info"]:
            root = tree["tree_structure"]
            self.offsets.append(offset)
            if "leaf_index" in root:  # a tree of one leaf: all constant
                self.bias += root["leaf_value"]
                offset += 1
                continue
            self.bias += root["internal_value"]
            leaves: dict[int, dict[int, float]] = {}
            _walk(root, {}, leaves)
            for leaf, credit in leaves.items():
                for feature, value in credit.items():
                    rows.append(offset + leaf)
                    cols.append(feature)
                    vals.append(value)
            offset += tree["num_leaves"]
        self.matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(offset, self.n_features))
        self.booster = booster

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """Per row and feature, the credit toward the log-odds; ``row.sum() + bias`` is the raw score."""
        out = np.empty((len(X), self.n_features))
        offsets = np.asarray(self.offsets)
        for start in range(0, len(X), CHUNK_ROWS):
            part = X.iloc[start : start + CHUNK_ROWS]
            leaf = self.booster.predict(part, pred_leaf=True).reshape(len(part), -1) + offsets[None, :]
            hits = sparse.csr_matrix(
                (np.ones(leaf.size), leaf.ravel(), np.arange(0, leaf.size + 1, leaf.shape[1])),
                shape=(len(part), self.matrix.shape[0]),
            )
            out[start : start + len(part)] = (hits @ self.matrix).toarray()
        return out


def path_contributions(attributions: list[PathAttribution], X: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The mean credits over several boosters (a bagged model), with ``(base)`` as the last column."""
    values = np.mean([a.contributions(X) for a in attributions], axis=0)
    bias = float(np.mean([a.bias for a in attributions]))
    frame = pd.DataFrame(values, index=X.index, columns=names)
    frame["(base)"] = bias
    return frame
