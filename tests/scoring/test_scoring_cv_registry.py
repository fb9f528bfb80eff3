"""Cross-validation reports and the file-based model registry."""

from __future__ import annotations

import json

import pytest

from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.scoring.cv import cross_validate
from guanxi.scoring.estimators import Scorecard
from guanxi.scoring.registry import ModelRegistry
from guanxi.scoring.tabular import load_dataset


@pytest.fixture
def credit(credit_csv):
    return load_dataset(credit_csv, target="status", positive="bad", id_column="customer_id")


def test_cv_reports_per_fold_and_mean_metrics_beside_the_baseline(credit):
    # given the synthetic credit file
    folds_seen = []
    # when a scorecard is cross-validated on three folds
    result = cross_validate(credit, "scorecard", folds=3, on_fold=folds_seen.append)
    report = result.report
    # then each fold and the means are reported for ours and the baseline, with one prediction per row
    assert folds_seen == [1, 2, 3]
    assert set(report) == {"kind", "folds", "seed", "data", "ours", "baseline", "difference", "calibration", "notes"}
    assert set(report["ours"]) == {"model", "per_fold", "mean", "std"}
    assert set(report["ours"]["mean"]) == {"roc_auc", "ks", "gini", "brier", "lift_at_10"}
    assert [f["fold"] for f in report["baseline"]["per_fold"]] == [1, 2, 3]
    assert report["baseline"]["model"] == "HistGradientBoostingClassifier()"
    assert report["data"]["rows"] == 300
    assert report["data"]["dropped"] == {}
    assert sum(band["rows"] for band in report["calibration"]) == 300
    assert result.out_of_fold.shape == (300,)
    assert report["difference"]["roc_auc"] == pytest.approx(
        report["ours"]["mean"]["roc_auc"] - report["baseline"]["mean"]["roc_auc"], abs=2e-6
    )


def test_cv_refuses_more_folds_than_the_rarer_class_has_rows(credit):
    # given a file with fewer positives than the folds asked for
    # when cross-validation is asked for 1000 folds
    with pytest.raises(ValidationFailed) as caught:
        cross_validate(credit, "scorecard", folds=1000)
    # then the message says how many folds are possible
    rarer = int(min(credit.y.sum(), len(credit.y) - credit.y.sum()))
    assert caught.value.message == (
        f"{credit.source}: --folds must be between 2 and {rarer} (the rarer class has {rarer} rows)"
    )


def test_registry_round_trip_and_champion_status(tmp_path, credit):
    # given an empty registry and a fitted scorecard
    registry = ModelRegistry(tmp_path / "models")
    model = Scorecard().fit(credit.X, credit.y)
    artifact = {"kind": "scorecard", "model": model, "schema": credit.schema}
    # when two versions of the same name are registered
    first = registry.register("credit", artifact=artifact, meta={"kind": "scorecard"}, card="status: {status}")
    second = registry.register("credit", artifact=artifact, meta={"kind": "scorecard"}, card="status: {status}")
    # then the first is the champion, the second a challenger, and both are on disk
    assert (first.version, first.status, second.version, second.status) == (1, "champion", 2, "challenger")
    assert sorted(p.name for p in first.path.iterdir()) == ["card.md", "meta.json", "model.joblib"]
    assert first.card == "status: champion"
    assert json.loads((second.path / "meta.json").read_text())["status"] == "challenger"
    # and loading without a version gives the champion's model, which scores as the original
    entry, loaded = registry.load("credit")
    assert entry.version == 1
    assert (loaded["model"].score(credit.X.head(3)) == model.score(credit.X.head(3))).all()
    assert loaded["schema"] == credit.schema


def test_promotion_moves_the_champion(tmp_path, credit):
    # given two versions
    registry = ModelRegistry(tmp_path / "models")
    for _ in range(2):
        registry.register("m", artifact={"kind": "x"}, meta={}, card="")
    # when version 2 is promoted
    registry.promote("m", 2)
    # then it is the champion and version 1 a challenger
    assert [(v.version, v.status) for v in registry.versions("m")] == [(1, "challenger"), (2, "champion")]
    assert registry.get("m").version == 2


def test_registry_refuses_unknown_names_bad_names_and_changed_files(tmp_path):
    # given a registry with one model whose file is then changed
    registry = ModelRegistry(tmp_path / "models")
    entry = registry.register("m", artifact={"kind": "x"}, meta={}, card="")
    (entry.path / "model.joblib").write_bytes(b"changed")
    # when it is read, or names that do not exist or could escape the folder are used
    # then each is refused with its own code
    with pytest.raises(Conflict) as changed:
        registry.load("m")
    assert changed.value.code == "model_tampered"
    with pytest.raises(NotFound) as missing:
        registry.get("nope")
    assert missing.value.message == "no model named 'nope' is registered"
    with pytest.raises(NotFound) as no_version:
        registry.get("m", 7)
    assert no_version.value.message == "model 'm' has no version 7 (it has 1)"
    with pytest.raises(ValidationFailed) as bad:
        registry.get("../etc")
    assert bad.value.code == "model_bad_name"
