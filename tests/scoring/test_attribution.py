"""Path attribution's leaf-credit table: read from the model text, equal to walking each row's path."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from guanxi.scoring.attribution import PathAttribution, model_paths, parse_trees, path_contributions
from guanxi.scoring.estimators import GradientBoostingModel


def _data(rows: int = 800, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    # an interaction, a feature used twice on some paths, and missing values
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 4))
    X[::5, 2] = np.nan
    y = ((X[:, 0] + X[:, 1] * X[:, 3] + rng.normal(size=rows)) > 0).astype(int)
    return X, y


def _saved_booster(leaves: int = 15, rounds: int = 40) -> tuple[lgb.Booster, np.ndarray]:
    """A booster as the registry gives it back: trained, written to its model text and read again."""
    X, y = _data()
    params = {"objective": "binary", "num_leaves": leaves, "min_data_in_leaf": 10, "verbosity": -1, "seed": 1}
    trained = lgb.train(params, lgb.Dataset(X, y), num_boost_round=rounds)
    return lgb.Booster(model_str=trained.model_to_string()), X


def _paths_to_leaves(node: dict[str, Any], path: list[tuple[int, float]], out: dict[int, list]) -> None:
    """Every leaf's path from the root: (split feature, step of the tree's value) per split."""
    if "leaf_index" in node:
        out[node["leaf_index"]] = path
        return
    for side in ("left_child", "right_child"):
        child = node[side]
        value = child["leaf_value"] if "leaf_index" in child else child["internal_value"]
        _paths_to_leaves(child, [*path, (node["split_feature"], value - node["internal_value"])], out)


def _walked_credits(booster: lgb.Booster, X: np.ndarray) -> np.ndarray:
    """The definition, row by row: every split on the row's path credits its step to the split's feature."""
    leaves = booster.predict(X, pred_leaf=True).reshape(len(X), -1)
    out = np.zeros((len(X), booster.num_feature()))
    for t, tree in enumerate(booster.dump_model()["tree_info"]):
        paths: dict[int, list[tuple[int, float]]] = {}
        _paths_to_leaves(tree["tree_structure"], [], paths)
        for row, leaf in enumerate(leaves[:, t]):
            for feature, step in paths[leaf]:
                out[row, feature] += step
    return out


def test_leaf_credit_table_equals_walking_each_rows_path():
    # given: a saved and reloaded booster, and rows with missing values
    booster, X = _saved_booster()
    # when: the credits come from the leaf-credit table
    paths = PathAttribution(booster)
    credits = paths.credits(paths.leaves(X))
    # then: they are the steps of each row's path, per feature, and with the constant they add up to the log-odds
    np.testing.assert_allclose(credits, _walked_credits(booster, X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(credits.sum(axis=1) + paths.bias, booster.predict(X, raw_score=True), rtol=0, atol=1e-12)
    assert paths.matrix.shape == (sum(t["num_leaves"] for t in booster.dump_model()["tree_info"]), 4)


def test_raw_score_from_the_leaves_is_the_prediction_to_the_bit():
    # given: a saved booster
    booster, X = _saved_booster(leaves=31, rounds=60)
    paths = PathAttribution(booster)
    # when: the leaf values each row lands in are added tree by tree
    raw = paths.raw_score(paths.leaves(X))
    # then: the sum is LightGBM's own raw prediction, bit for bit
    assert np.array_equal(raw, booster.predict(X, raw_score=True))


def test_a_tree_of_one_leaf_is_a_constant():
    # given: a booster whose only tree could not split (every leaf needs more rows than there are)
    X, y = _data(rows=50)
    booster = lgb.train({"objective": "binary", "min_data_in_leaf": 40, "verbosity": -1}, lgb.Dataset(X, y), 3)
    # when: its credits are tabulated
    paths = PathAttribution(booster)
    leaves = paths.leaves(X)
    # then: the tree's value is all constant, no feature is credited, and the score is still the prediction
    assert booster.num_trees() == 1 and paths.offsets == [0]
    assert paths.bias == booster.predict(X[:1], raw_score=True)[0]
    assert paths.matrix.nnz == 0 and not paths.credits(leaves).any()
    assert np.array_equal(paths.raw_score(leaves), booster.predict(X, raw_score=True))


def test_parse_trees_reads_every_node():
    # given: a saved booster
    booster, _ = _saved_booster(leaves=7, rounds=5)
    # when: its model text is read
    trees = parse_trees(booster.model_to_string())
    # then: the arrays hold each tree's nodes as the dump describes them
    dump = booster.dump_model()["tree_info"]
    assert trees.num_leaves.tolist() == [t["num_leaves"] for t in dump]
    assert len(trees.leaf_value) == sum(t["num_leaves"] for t in dump)
    assert len(trees.internal_value) == len(trees.split_feature) == sum(t["num_leaves"] - 1 for t in dump)
    assert trees.split_feature[0] == dump[0]["tree_structure"]["split_feature"]
    assert trees.internal_value[0] == pytest.approx(dump[0]["tree_structure"]["internal_value"], rel=1e-12)


def test_parse_trees_refuses_linear_trees():
    # given: a model text whose trees have linear leaves
    booster, _ = _saved_booster(leaves=7, rounds=2)
    text = booster.model_to_string().replace("is_linear=0", "is_linear=1")
    # when / then: it is refused, as a linear leaf has no single value to attribute
    with pytest.raises(ValueError, match="linear trees"):
        parse_trees(text)


def test_parse_trees_refuses_a_text_whose_nodes_do_not_add_up():
    # given: a model text with one tree's leaf count changed
    booster, _ = _saved_booster(leaves=7, rounds=2)
    text = booster.model_to_string().replace("num_leaves=7", "num_leaves=6", 1)
    # when / then: it is refused rather than misread
    with pytest.raises(ValueError, match="as many nodes"):
        parse_trees(text)


def test_model_paths_are_built_once_and_kept_on_the_model():
    # given: a bagged model
    X, y = _data(rows=600)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = GradientBoostingModel(num_leaves=7, n_bags=2, max_rounds=40, early_stopping_rounds=10).fit(frame, y)
    # when: its paths are asked for twice
    first, second = model_paths(model), model_paths(model)
    # then: one table per booster, built once; their mean credits and constant add up to the model's log-odds
    assert first is second and len(first) == 2
    credits = path_contributions(first, frame, ["a", "b", "c", "d"])
    np.testing.assert_allclose(credits.to_numpy().sum(axis=1), model._raw(frame), rtol=0, atol=1e-12)
