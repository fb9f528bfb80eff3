"""`guanxi eval pairs` and `guanxi eval intents` from the command line: figures as JSON, bad files named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from test_pairs import TOPICS_ZH, pairs_from
from typer.testing import CliRunner

from guanxi.cli.main import app

runner = CliRunner()


def _pairs_file(path: Path, topics: list[list[str]]) -> Path:
    first, second, labels = pairs_from(topics)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentence1", "sentence2", "label"])
        writer.writerows(zip(first, second, labels, strict=True))
    return path


def test_eval_pairs_prints_the_figures_as_json(tmp_path: Path):
    # given: a pair file to train on and a smaller one to score
    train = _pairs_file(tmp_path / "train.csv", TOPICS_ZH)
    test = _pairs_file(tmp_path / "test.csv", TOPICS_ZH[:3])
    # when: the evaluation runs
    result = runner.invoke(app, ["eval", "pairs", "--train", str(train), "--test", str(test), "--json"])
    # then: accuracy, F1, latency and the row counts come back
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert set(figures) == {"accuracy", "f1", "latency_p50_ms", "latency_p99_ms", "n_train", "n_test"}
    assert (figures["n_train"], figures["n_test"]) == (45, 18)


def test_eval_pairs_names_a_missing_file(tmp_path: Path):
    # given: a test file but no train file
    test = _pairs_file(tmp_path / "test.csv", TOPICS_ZH[:3])
    # when: the evaluation runs
    result = runner.invoke(app, ["eval", "pairs", "--train", str(tmp_path / "nope.csv"), "--test", str(test)])
    # then: it stops with the file named
    assert result.exit_code == 2
    assert "question pairs file not found:" in result.output
    assert str(tmp_path / "nope.csv") in result.output.replace("\n", "")


def test_eval_intents_prints_accuracy_and_latency(tmp_path: Path):
    # given: a small intents file in English and Chinese, and a test file of new phrasings
    rows = {
        "card_lost": ["I lost my card", "my card is lost", "can't find my card", "我的卡丢了", "卡不見了"],
        "balance": ["what is my balance", "how much money do I have", "show my balance", "我的余额是多少", "查餘額"],
        "branch_hours": ["when does the branch open", "branch opening hours", "is the branch open", "网点几点开门"],
    }
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    with train.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows((text, intent) for intent, texts in rows.items() for text in texts)
    with test.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows([("I have lost my card", "card_lost"), ("balance please", "balance")])
    # when: the evaluation runs
    result = runner.invoke(app, ["eval", "intents", "--train", str(train), "--test", str(test), "--json"])
    # then: the figures the issue asks for are there, for the two test messages
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert {"accuracy", "macro_f1", "latency_p50_ms", "latency_p99_ms"} <= set(figures)
    assert (figures["n_train"], figures["n_test"]) == (14, 2)
