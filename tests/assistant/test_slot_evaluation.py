"""`guanxi eval slots`: the time, date and amount extractors scored on NLU++-style annotated messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guanxi.assistant.slot_evaluation import evaluate_slots, read_slot_examples
from guanxi.cli.main import app
from guanxi.errors import NotFound, ValidationFailed

runner = CliRunner()

EXAMPLES: list[dict[str, Any]] = [
    # read right
    {
        "text": "Yes, please book it for 20 past 15",
        "slots": {"time": {"text": "20 past 15", "value": {"hour": 15, "minute": 20}}},
    },
    {
        "text": "the card was supposed to arrive 5 weeks ago",
        "slots": {"date": {"text": "5 weeks ago", "value": {"day": 8, "month": 2, "year": 2022}}},
    },
    {
        "text": "cancel that payment of 999.43 euros",
        "slots": {"amount_of_money": {"text": "999.43 euros", "value": {"amount": 999.43, "currency": "EUR"}}},
    },
    # read wrong: "in half an hour" is relative to the moment, not a clock time
    {
        "text": "anything free in half an hour?",
        "slots": {"time": {"text": "in half an hour", "value": {"hour": 9, "minute": 30}}},
    },
    # a partial date cannot be compared, and a message without slots counts only as an example
    {"text": "how much did I spend in March", "slots": {"date": {"text": "March", "value": {"month": 3}}}},
    {"text": "hello"},
]


def _folder(tmp_path: Path, examples: list[dict[str, Any]] | str) -> Path:
    folder = tmp_path / "banking"
    folder.mkdir()
    text = examples if isinstance(examples, str) else json.dumps(examples)
    (folder / "fold0.json").write_text(text, encoding="utf-8")
    return folder


def test_each_kind_is_scored_on_whole_messages(tmp_path: Path) -> None:
    # given annotated messages: one time, date and amount read right, one relative time missed
    folder = _folder(tmp_path, EXAMPLES)
    # when scored as said on 15 March 2022
    figures = evaluate_slots(folder)
    # then each kind counts its comparable annotations, what was read and what was right
    assert figures == {
        "examples": 6,
        "today": "2022-03-15",
        "time": {"annotated": 2, "read": 1, "right": 1, "accuracy": 0.5, "precision": 1.0},
        "date": {"annotated": 1, "read": 1, "right": 1, "accuracy": 1.0, "precision": 1.0},
        "amount_of_money": {"annotated": 1, "read": 1, "right": 1, "accuracy": 1.0, "precision": 1.0},
    }


def test_the_cli_prints_the_figures_as_json(tmp_path: Path) -> None:
    # given the same folder
    folder = _folder(tmp_path, EXAMPLES)
    # when evaluated from the command line
    result = runner.invoke(app, ["eval", "slots", "--data", str(folder), "--json"])
    # then it prints the figures
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout[result.stdout.index("{") :])
    assert figures["time"] == {"annotated": 2, "read": 1, "right": 1, "accuracy": 0.5, "precision": 1.0}


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    # given no folder
    missing = tmp_path / "nowhere"
    # when read
    with pytest.raises(NotFound) as caught:
        read_slot_examples(missing)
    # then it is named with its code
    assert caught.value.code == "slots_data_not_found"
    assert caught.value.message == f"slot data folder not found: {missing}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[{", "not JSON text"),
        ('{"text": "hi"}', "must hold a list of examples"),
        ('[{"text": "hi"}, {"slots": {}}]', "example 1: field 'text' must be a non-empty string"),
        ('[{"text": "  "}]', "example 0: field 'text' must be a non-empty string"),
        ('[{"text": "hi", "slots": [1]}]', "example 0: field 'slots' must be an object"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_example(tmp_path: Path, content: str, message: str) -> None:
    # given a fold file that is broken in one way
    folder = _folder(tmp_path, content)
    # when read
    with pytest.raises(ValidationFailed) as caught:
        read_slot_examples(folder)
    # then the error names the file, and the example and field where they are known
    assert caught.value.code == "slots_bad_file"
    assert caught.value.message.startswith(f"{folder / 'fold0.json'}: {message}")


def test_a_folder_without_json_files_is_refused(tmp_path: Path) -> None:
    # given an empty folder
    folder = tmp_path / "empty"
    folder.mkdir()
    # when read
    with pytest.raises(ValidationFailed) as caught:
        read_slot_examples(folder)
    # then it says so
    assert (caught.value.code, caught.value.message) == ("slots_bad_file", f"{folder}: holds no .json files")
