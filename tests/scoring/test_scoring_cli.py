"""``guanxi models``: cv, fit, score and card with --json output and clear errors."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from guanxi.cli.common import ExitCode
from guanxi.cli.main import app

runner = CliRunner()
DATA = ["--target", "status", "--positive", "bad", "--id", "customer_id"]


def test_cv_prints_one_json_object_with_ours_and_the_baseline(credit_csv):
    # given the synthetic credit file
    # when the scorecard is cross-validated with --json
    result = runner.invoke(
        app, ["models", "cv", "scorecard", "--data", str(credit_csv), *DATA, "--folds", "2", "--json"]
    )
    # then stdout is one JSON object with both models' mean figures
    assert result.exit_code == ExitCode.OK, result.output
    report = json.loads(result.stdout)
    assert (report["kind"], report["folds"], report["data"]["rows"]) == ("scorecard", 2, 300)
    assert (
        set(report["ours"]["mean"])
        == set(report["baseline"]["mean"])
        == {
            "roc_auc",
            "ks",
            "gini",
            "brier",
            "lift_at_10",
        }
    )


def test_cv_prints_a_table_without_json(credit_csv):
    # given the synthetic credit file
    # when cross-validated without --json
    result = runner.invoke(app, ["models", "cv", "scorecard", "--data", str(credit_csv), *DATA, "--folds", "2"])
    # then a table of the figures is printed
    assert result.exit_code == ExitCode.OK, result.output
    assert "ROC-AUC" in result.stdout
    assert "HistGradientBoostingClassifier()" in result.stdout


def test_fit_registers_a_champion_and_score_writes_reasons(credit_csv, tmp_path):
    # given a scorecard trained and registered from the file
    fitted = runner.invoke(
        app,
        ["models", "fit", "scorecard", "--data", str(credit_csv), *DATA, "--name", "card", "--folds", "2", "--json"],
    )
    assert fitted.exit_code == ExitCode.OK, fitted.output
    registered = json.loads(fitted.stdout)
    assert (registered["name"], registered["version"], registered["status"]) == ("card", 1, "champion")
    # when the same file is scored
    out = tmp_path / "scores.csv"
    scored = runner.invoke(app, ["models", "score", "card", "--data", str(credit_csv), "--out", str(out), "--json"])
    # then every row has an id, a probability, points and up to three reasons in words
    assert scored.exit_code == ExitCode.OK, scored.output
    assert json.loads(scored.stdout)["rows"] == 300
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["customer_id", "probability", "points", "reason_1", "reason_2", "reason_3"]
    assert rows[0]["customer_id"] == "K00000"
    assert "(raises risk, -" in rows[0]["reason_1"]
    # and the card names the purpose, says no sensitive column was found, and shows the scorecard
    card = runner.invoke(app, ["models", "card", "card"])
    assert card.exit_code == ExitCode.OK, card.output
    assert "Status at registration: **champion**" in card.stdout
    assert "No column looks like a protected characteristic" in card.stdout
    assert "| characteristic | bin | count | event rate | WoE | points |" in card.stdout


def test_fit_gradient_boosting_with_a_fairness_group_and_score_next_to_the_data(credit_csv):
    # given a propensity model fitted with 'housing' named as a group to compare
    fitted = runner.invoke(
        app,
        [
            "models",
            "fit",
            "propensity",
            "--data",
            str(credit_csv),
            *DATA,
            "--group",
            "housing",
            "--folds",
            "2",
            "--json",
        ],
    )
    assert fitted.exit_code == ExitCode.OK, fitted.output
    registered = json.loads(fitted.stdout)
    assert registered["name"] == "credit-propensity"
    assert sorted(g["group"] for g in registered["fairness"]["housing"]) == ["free", "own", "rent"]
    # when scored without --out
    scored = runner.invoke(app, ["models", "score", "credit-propensity", "--data", str(credit_csv), "--json"])
    # then the scores land next to the data file with TreeSHAP reasons
    assert scored.exit_code == ExitCode.OK, scored.output
    out = credit_csv.with_suffix(".scores.csv")
    assert json.loads(scored.stdout)["out"] == str(out)
    with out.open() as handle:
        first = next(csv.DictReader(handle))
    assert list(first) == ["customer_id", "probability", "reason_1", "reason_2", "reason_3"]
    assert first["reason_1"].endswith("pushed the score up")


def test_bad_input_exits_2_with_the_reason(credit_csv):
    # given a target that is not in the file, and an unknown kind
    # when cv is asked for
    missing = runner.invoke(app, ["models", "cv", "scorecard", "--data", str(credit_csv), "--target", "nope"])
    kind = runner.invoke(app, ["models", "cv", "forest", "--data", str(credit_csv), *DATA])
    unknown = runner.invoke(app, ["models", "score", "nothing", "--data", str(credit_csv)])
    # then each exits with BAD_INPUT and says why
    assert missing.exit_code == ExitCode.BAD_INPUT
    # (Rich wraps long lines at the terminal's width, so compare with the whitespace folded)
    assert "no column 'nope' (given as --target)" in " ".join(missing.output.split())
    assert kind.exit_code == ExitCode.BAD_INPUT
    assert "unknown model kind 'forest'" in " ".join(kind.output.split())
    assert unknown.exit_code == ExitCode.BAD_INPUT
    assert "no model named 'nothing' is registered" in " ".join(unknown.output.split())
