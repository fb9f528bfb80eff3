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

The trees are read, all at once with numpy, from the booster's model text (what the registry saves
and loads) rather than walked in ``dump_model``'s JSON, a tenth of the time. The text keeps leaf
values to the bit but inner nodes' values to six digits, so a model fresh from training gets credits
a little different from its JSON's; a saved model, the one a scoring run loads, holds the text's
values (LightGBM's reader may round a few of them one bit off from Python's: credits differ by
~1e-16, and the leaf values, hence the scores, not at all).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

CHUNK_ROWS = 100_000  # contributions are dense per chunk: 100,000 rows × 100 features ≈ 80 MB


@dataclass(frozen=True)
class Trees:
    """A booster's trees as flat arrays, in prediction order; tree ``t`` has ``num_leaves[t]`` leaves.

    Internal nodes are numbered within their tree (0 is the root) and stacked tree after tree, as
    are the leaves; a child ``c >= 0`` is internal node ``c`` of the same tree, ``c < 0`` leaf ``~c``.
    """

    num_leaves: np.ndarray
    split_feature: np.ndarray
    internal_value: np.ndarray
    left_child: np.ndarray
    right_child: np.ndarray
    leaf_value: np.ndarray


def parse_trees(model_text: str) -> Trees:
    """The trees of a LightGBM model text (``Booster.model_to_string``)."""
    body = model_text.split("\nend of trees", 1)[0]
    if "\nis_linear=1" in body:
        raise ValueError("linear trees have no constant leaf values to attribute")
    fields: dict[str, list[str]] = {f.name: [] for f in dataclasses.fields(Trees)}
    for line in body.split("\n"):
        key, _, values = line.partition("=")
        if key in fields:
            fields[key].append(values)
    kinds = {"internal_value": np.float64, "leaf_value": np.float64}
    trees = Trees(**{key: np.array(" ".join(v).split(), dtype=kinds.get(key, np.int64)) for key, v in fields.items()})
    internal = int((trees.num_leaves - 1).sum())
    sizes = {len(trees.split_feature), len(trees.internal_value), len(trees.left_child), len(trees.right_child)}
    if sizes != {internal} or len(trees.leaf_value) != trees.num_leaves.sum():
        raise ValueError("the model text's trees do not have as many nodes as their leaf counts say")
    return trees


def _starts(sizes: np.ndarray) -> np.ndarray:
    """Where each of consecutive blocks of ``sizes`` starts."""
    return (np.cumsum(sizes) - sizes).astype(np.int64)


def leaf_credit_entries(trees: Trees, n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each leaf's credit per feature on its path: ``(leaf, feature, credit)``, leaves numbered across trees.

    A feature split more than once on the path gets the sum of its steps, added from the root down.
    """
    leaf_start, node_start = _starts(trees.num_leaves), _starts(trees.num_leaves - 1)
    tree_of_node = np.repeat(np.arange(len(trees.num_leaves)), trees.num_leaves - 1)
    node_parent = np.full(len(trees.internal_value), -1)
    leaf_parent = np.full(len(trees.leaf_value), -1)
    nodes = np.arange(len(trees.internal_value))
    for child in (trees.left_child, trees.right_child):
        inner = child >= 0
        node_parent[node_start[tree_of_node[inner]] + child[inner]] = nodes[inner]
        leaf_parent[leaf_start[tree_of_node[~inner]] + ~child[~inner]] = nodes[~inner]
    # walk up from every leaf to its root, one edge a round: (leaf, feature, step, height above the leaf)
    leaf = np.flatnonzero(leaf_parent >= 0)
    parent = leaf_parent[leaf]
    step = trees.leaf_value[leaf] - trees.internal_value[parent]
    edges = [(leaf, trees.split_feature[parent], step, np.zeros(len(leaf), np.int64))]
    node, height = parent, 1
    while len(node):
        parent = node_parent[node]
        up = parent >= 0
        leaf, node, parent = leaf[up], node[up], parent[up]
        step = trees.internal_value[node] - trees.internal_value[parent]
        edges.append((leaf, trees.split_feature[parent], step, np.full(len(leaf), height)))
        node, height = parent, height + 1
    leaves, features, steps, heights = (np.concatenate(part) for part in zip(*edges, strict=True))
    depth = np.bincount(leaves, minlength=len(trees.leaf_value))
    from_root = depth[leaves] - 1 - heights
    keys, slot = np.unique(leaves * n_features + features, return_inverse=True)
    credit = np.zeros(len(keys))
    order = np.argsort(from_root, kind="stable")
    bounds = np.searchsorted(from_root[order], np.arange(int(from_root.max(initial=-1)) + 2))
    for lo, hi in itertools.pairwise(bounds.tolist()):  # root first; a level holds one edge per leaf
        credit[slot[order[lo:hi]]] += steps[order[lo:hi]]
    return keys // n_features, keys % n_features, credit


class PathAttribution:
    """One booster's leaf credits as a sparse (all leaves × features) matrix, its constant and leaf values.

    Leaves are numbered across the whole model: tree ``t``'s leaf ``j`` is ``offsets[t] + j``.
    """

    def __init__(self, booster: Any) -> None:
        self.n_features = booster.num_feature()
        trees = parse_trees(booster.model_to_string())
        offsets = _starts(trees.num_leaves)
        self.offsets: list[int] = offsets.tolist()
        roots = trees.leaf_value[offsets]  # a tree of one leaf is all constant
        split = trees.num_leaves > 1
        roots[split] = trees.internal_value[_starts(trees.num_leaves - 1)[split]]
        self.bias = 0.0
        for value in roots.tolist():  # tree by tree, as the model adds them
            self.bias += value
        rows, cols, vals = leaf_credit_entries(trees, self.n_features)
        self.matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(trees.leaf_value), self.n_features))
        self.leaf_values = trees.leaf_value
        self.booster = booster

    def leaves(self, X: np.ndarray | pd.DataFrame, num_threads: int = 0) -> np.ndarray:
        """The leaf each row lands in, per tree, numbered across the model (rows × trees).

        ``num_threads``: LightGBM's threads for the call (0: its default, every core).
        """
        leaf = self.booster.predict(X, pred_leaf=True, num_threads=num_threads).reshape(len(X), -1)
        return leaf + np.asarray(self.offsets, dtype=leaf.dtype)[None, :]

    def raw_score(self, leaves: np.ndarray) -> np.ndarray:
        """The booster's raw score (log-odds) from the leaves: its leaf values added tree by tree from
        zero, as LightGBM's own prediction adds them, so the sum is ``predict(raw_score=True)`` exactly."""
        out = np.zeros(len(leaves))
        for column in np.ascontiguousarray(leaves.T):
            out += self.leaf_values[column]
        return out

    def credits(self, leaves: np.ndarray) -> np.ndarray:
        """Per row and feature, the credit toward the log-odds; ``row.sum() + bias`` is the raw score."""
        n, trees = leaves.shape
        hits = sparse.csr_matrix(
            (np.ones(leaves.size), leaves.ravel(), np.arange(0, leaves.size + 1, trees)),
            shape=(n, self.matrix.shape[0]),
        )
        return (hits @ self.matrix).toarray()

    def contributions(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """:meth:`credits` of every row of ``X``, a chunk of rows at a time."""
        out = np.empty((len(X), self.n_features))
        for start in range(0, len(X), CHUNK_ROWS):
            part = X.iloc[start : start + CHUNK_ROWS] if isinstance(X, pd.DataFrame) else X[start : start + CHUNK_ROWS]
            out[start : start + len(part)] = self.credits(self.leaves(part))
        return out


def model_paths(model: Any) -> list[PathAttribution]:
    """The leaf credits of a bagged model's boosters, built once and kept on the model (``paths_``)."""
    if getattr(model, "paths_", None) is None:
        model.paths_ = [PathAttribution(b) for b in model.boosters_]
    return model.paths_


def path_contributions(attributions: list[PathAttribution], X: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The mean credits over several boosters (a bagged model), with ``(base)`` as the last column."""
    values = np.mean([a.contributions(X) for a in attributions], axis=0)
    bias = float(np.mean([a.bias for a in attributions]))
    frame = pd.DataFrame(values, index=X.index, columns=names)
    frame["(base)"] = bias
    return frame
