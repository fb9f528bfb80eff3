"""Reading any tabular extract: separators, headers, odd encodings, types and clear errors."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from guanxi.errors import ValidationFailed
from guanxi.scoring.tabular import OTHER_LEVEL, load_dataset, read_table


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(header: str, lines: list[str]) -> str:
    return "\n".join([header, *lines]) + "\n"


def test_semicolons_decimal_commas_and_missing_spellings_are_understood(tmp_path):
    # given a ';' file with decimal commas, '?' / 'NA' / '' for missing and a yes/no target
    lines = [
        f"{i};{i},5;{'?' if i == 3 else 'NA' if i == 4 else '' if i == 5 else 'x'};{'yes' if i % 2 else 'no'}"
        for i in range(1, 9)
    ]
    path = write(tmp_path, rows("n;amount;kind;flag", lines))
    # when it is loaded without naming the separator or the positive class
    data = load_dataset(path, target="flag")
    # then the separator is sniffed, decimals read, missing values are NaN and 'yes' is positive
    assert data.schema.sep == ";"
    assert data.X["amount"].tolist() == [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5]
    assert data.X["kind"].isna().tolist() == [False, False, True, True, True, False, False, False]
    assert data.schema.positive == "yes"
    assert data.y.tolist() == [1, 0, 1, 0, 1, 0, 1, 0]


def test_thousands_commas_currency_and_percent_are_numbers(tmp_path):
    # given quoted amounts with thousands separators, a currency sign and percentages
    lines = [f'"${1000 + i:,}.50",{i}%,{i % 2}' for i in range(10)]
    path = write(tmp_path, rows("balance,rate,target", lines))
    # when it is loaded
    data = load_dataset(path, target="target")
    # then both columns are numeric with the signs removed
    assert data.X["balance"].tolist()[:2] == [1000.5, 1001.5]
    assert data.X["rate"].tolist()[:3] == [0.0, 1.0, 2.0]
    assert [c.kind for c in data.schema.columns] == ["numeric", "numeric"]


def test_no_header_names_columns_c1_to_cn(tmp_path):
    # given a space-separated file without a header (the German credit layout)
    path = write(tmp_path, "A11 6 1\nA12 48 2\nA11 12 1\nA14 24 2\n", name="german.data")
    # when it is loaded with --no-header and --positive 2
    data = load_dataset(path, target="c3", positive="2", sep=" ", header=False)
    # then the columns are c1.. and the target is 1 where c3 is 2
    assert list(data.X.columns) == ["c1", "c2"]
    assert data.y.tolist() == [0, 1, 0, 1]
    assert data.ids.tolist() == ["1", "2", "3", "4"]


def test_identifiers_constants_and_rare_levels_are_handled_with_notes(tmp_path):
    # given an identifier column, a numeric key, a constant column and a category with a rare level
    lines = [f"C{i},{1000 + i},same,{'rare' if i == 0 else 'common'},{i % 3},{i % 2}" for i in range(40)]
    path = write(tmp_path, rows("ref_code,account_no,country,segment,x,y", lines))
    # when it is loaded
    data = load_dataset(path, target="y")
    # then the identifiers and the constant are dropped with a reason, and the rare level is grouped
    assert data.schema.dropped == {
        "ref_code": "identifier or free text (40 different values in 40 rows)",
        "account_no": "identifier (a different whole number in every row)",
        "country": "constant (a single value in every row)",
    }
    assert list(data.X.columns) == ["segment", "x"]
    assert data.X["segment"].iloc[0] == OTHER_LEVEL
    assert "column 'country' dropped: constant (a single value in every row)" in data.notes


def test_id_and_exclude_columns_are_not_features(tmp_path):
    # given an id column and a column the user excludes
    lines = [f"{i},{i * 2},{i % 3},{i % 2}" for i in range(12)]
    path = write(tmp_path, rows("cid,leak,x,y", lines))
    # when they are named
    data = load_dataset(path, target="y", id_column="cid", exclude=["leak"])
    # then only x is a feature and the ids come from cid
    assert list(data.X.columns) == ["x"]
    assert data.ids.tolist()[:3] == ["0", "1", "2"]


def test_windows_1252_and_byte_order_mark_files_read(tmp_path):
    # given a file in Windows-1252 and one with a UTF-8 byte-order mark
    latin = write(tmp_path, "city,y\nMünchen,1\nKöln,0\n", name="latin.csv", encoding="cp1252")
    bom = write(tmp_path, "\ufeffcity,y\nParis,1\nLyon,0\n", name="bom.csv")
    # when they are read
    first, _ = read_table(latin)
    second, _ = read_table(bom)
    # then the text and the first column name come through intact
    assert first["city"].tolist() == ["München", "Köln"]
    assert list(second.columns) == ["city", "y"]


def test_dates_become_days_since_1970(tmp_path):
    # given ISO dates
    path = write(tmp_path, rows("opened,y", ["1970-01-02,1", "1970-01-11,0", "2000-01-01,1"]))
    # when loaded
    data = load_dataset(path, target="y")
    # then they are numbers of days
    assert data.X["opened"].tolist() == [1.0, 10.0, 10957.0]


def test_a_new_file_is_read_with_the_training_schema(tmp_path):
    # given a schema learned from training data with levels a and b
    lines = [f"{'a' if i % 2 else 'b'},{i},{i % 2}" for i in range(20)]
    data = load_dataset(write(tmp_path, rows("k,x,y", lines)), target="y")
    # when a file with an unseen level and a text number is read with it
    new = pd.DataFrame({"k": ["c", "a"], "x": ["1,5", "NA"]})
    features = data.schema.features(new, source="new.csv")
    # then the unseen level is OTHER and what is not a number is missing
    assert features["k"].tolist() == [OTHER_LEVEL, "a"]
    assert math.isnan(features["x"].iloc[1])


@pytest.mark.parametrize(
    ("text", "kwargs", "code", "message"),
    [
        ("", {"target": "y"}, "tabular_empty", "data.csv: the file is empty"),
        ("x,y\n", {"target": "y"}, "tabular_no_rows", "data.csv: no data rows"),
        (
            "x,y\n1,0\n2,1\n",
            {"target": "z"},
            "tabular_unknown_column",
            "data.csv: no column 'z' (given as --target); the columns are: x, y",
        ),
        (
            "x,y\n1,0\n2,1\n",
            {"target": "y", "exclude": ["w"]},
            "tabular_unknown_column",
            "data.csv: no column 'w' (given as --exclude); the columns are: x, y",
        ),
        (
            "x,y\n1,a\n2,b\n3,c\n",
            {"target": "y"},
            "tabular_not_binary",
            "data.csv: target 'y' has 3 different value(s) ('a', 'b', 'c'); it needs exactly two, "
            "or name the positive class with --positive",
        ),
        (
            "x,y\n1,a\n2,b\n",
            {"target": "y"},
            "tabular_ambiguous_positive",
            "data.csv: target 'y' has the values 'a', 'b'; say which is the positive class with --positive",
        ),
        (
            "x,y\n1,a\n2,b\n",
            {"target": "y", "positive": "c"},
            "tabular_unknown_positive",
            "data.csv: --positive 'c' is not a value of target 'y'; its values are 'a', 'b'",
        ),
        (
            "x,y\n1,a\n2,a\n",
            {"target": "y", "positive": "a"},
            "tabular_one_class",
            "data.csv: every row of target 'y' is the positive class after --positive 'a'; "
            "the target needs exactly two classes",
        ),
        (
            "x,x,y\n1,2,0\n",
            {"target": "y"},
            "tabular_duplicate_columns",
            "data.csv: the header names column(s) 'x' more than once",
        ),
        (
            "x,y\n1,0\n2,1,7\n",
            {"target": "y", "sep": ","},
            "tabular_unreadable",
            "data.csv: cannot be read with separator ',': Error tokenizing data. C error: Expected 2 fields in "
            "line 3, saw 3",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_file_column_and_value(tmp_path, text, kwargs, code, message):
    # given a file with a problem
    path = write(tmp_path, text)
    # when it is loaded
    with pytest.raises(ValidationFailed) as caught:
        load_dataset(path, **kwargs)
    # then the error says which file, column and value
    assert caught.value.code == code
    assert caught.value.message == message.replace("data.csv", str(path))


def test_a_missing_file_is_named(tmp_path):
    # given a path with no file
    path = tmp_path / "nothing.csv"
    # when it is read
    with pytest.raises(ValidationFailed) as caught:
        read_table(path)
    # then the message names it
    assert caught.value.message == f"{path}: no such file"
