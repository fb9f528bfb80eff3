"""The complaint categoriser on small synthetic CFPB exports: reading, mapping, splitting, learning, saving."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

import joblib
import pytest
from typer.testing import CliRunner

from guanxi.cases.categoriser import DEFAULT_MODEL_FILE, ComplaintCategoriser, evaluate, load, save
from guanxi.cases.cfpb import (
    Complaint,
    load_cfpb,
    normalise_issue,
    normalise_product,
    out_of_time_split,
    parse_date,
)
from guanxi.cli.common import ExitCode
from guanxi.cli.main import app
from guanxi.errors import NotFound, ValidationFailed

runner = CliRunner()

COLUMNS = [
    "Date received",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "Consumer complaint narrative",
    "Company public response",
    "Company",
    "State",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Submitted via",
    "Date sent to company",
    "Company response to consumer",
    "Timely response?",
    "Consumer disputed?",
    "Complaint ID",
]
MORTGAGE = "Mortgage"
DEBT = "Debt collection"
CARD = "Credit card or prepaid card"
# Each product's words, and the issue its complaints are filed under.
TOPICS = {
    MORTGAGE: ("mortgage escrow foreclosure servicer home refinance", "Struggling to pay mortgage"),
    DEBT: ("collector calls debt owe collection agency harass", "Attempts to collect debt not owed"),
    CARD: ("credit card statement purchase charge dispute merchant", "Problem with a purchase shown on your statement"),
}
FILLER = ("the", "a", "i", "my", "they", "was", "have", "please", "account", "company", "told", "said", "never")


def narrative(product: str, rng: random.Random) -> str:
    words = TOPICS[product][0].split()
    return " ".join(rng.choice(words) if rng.random() < 0.5 else rng.choice(FILLER) for _ in range(30)) + " XXXX"


def complaint_rows(per_product: int = 12, start: dt.date = dt.date(2019, 1, 1)) -> list[dict[str, str]]:
    """``per_product`` complaints of each product, one a day, products interleaved."""
    rng = random.Random(7)
    rows = []
    for i in range(per_product):
        for j, product in enumerate(TOPICS):
            n = i * len(TOPICS) + j
            rows.append(
                {
                    "Date received": (start + dt.timedelta(days=n)).isoformat(),
                    "Product": product,
                    "Issue": TOPICS[product][1],
                    "Consumer complaint narrative": narrative(product, rng),
                    "Complaint ID": str(1000 + n),
                }
            )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})
    return path


@pytest.fixture(scope="module")
def trained() -> ComplaintCategoriser:
    complaints = [
        Complaint(r["Complaint ID"], parse_date(r["Date received"]), r["Product"], r["Issue"], r[COLUMNS[5]], 2)
        for r in complaint_rows()
    ]
    return ComplaintCategoriser().fit(
        [c.narrative for c in complaints], [c.product for c in complaints], [c.issue for c in complaints]
    )


# --- reading -------------------------------------------------------------------------------------


def test_rows_without_narrative_are_skipped_and_counted(tmp_path):
    # given three complaints with a narrative and two without
    rows = [
        *complaint_rows(per_product=1),
        {"Date received": "2019-02-01", "Product": MORTGAGE, "Issue": "x", "Complaint ID": "1"},
        {"Date received": "2019-02-02", "Product": DEBT, "Consumer complaint narrative": "   ", "Complaint ID": "2"},
    ]
    # when the file is read
    data = load_cfpb(write_csv(tmp_path / "c.csv", rows))
    # then only the narratives are kept, and the others are counted
    assert (data.rows, len(data.complaints), data.without_narrative) == (5, 3, 2)
    assert [c.product for c in data.complaints] == [MORTGAGE, DEBT, CARD]
    assert data.date_range == (dt.date(2019, 1, 1), dt.date(2019, 1, 3))


def test_old_product_and_issue_names_are_read_as_current_ones(tmp_path):
    # given complaints filed under names the CFPB has since renamed
    rows = [
        {"Date received": "2016-05-02", "Product": "Credit card", "Consumer complaint narrative": "card"},
        {
            "Date received": "2016-05-03",
            "Product": "Consumer Loan",
            "Sub-product": "Vehicle lease",
            "Issue": "Charged fees or interest I didn't expect",
            "Consumer complaint narrative": "lease",
        },
        {
            "Date received": "05/04/2016",
            "Product": DEBT,
            "Issue": "Cont'd attempts collect debt not owed",
            COLUMNS[5]: "x",
        },
    ]
    # when the file is read
    data = load_cfpb(write_csv(tmp_path / "old.csv", rows))
    # then products and issues carry the current names, and the US-style date is understood
    assert [(c.product, c.issue, c.received) for c in data.complaints] == [
        (CARD, "", dt.date(2016, 5, 2)),
        ("Vehicle loan or lease", "Charged fees or interest you didn't expect", dt.date(2016, 5, 3)),
        (DEBT, "Attempts to collect debt not owed", dt.date(2016, 5, 4)),
    ]


@pytest.mark.parametrize(
    ("product", "sub_product", "current"),
    [
        ("Credit reporting", "", "Credit reporting, credit repair services, or other personal consumer reports"),
        ("Prepaid card", "General purpose card", CARD),
        ("Bank account or service", "Checking account", "Checking or savings account"),
        ("Payday loan", "", "Payday loan, title loan, or personal loan"),
        ("Consumer Loan", "Installment loan", "Payday loan, title loan, or personal loan"),
        ("Consumer Loan", "Vehicle loan", "Vehicle loan or lease"),
        ("Money transfers", "", "Money transfer, virtual currency, or money service"),
        ("Virtual currency", "", "Money transfer, virtual currency, or money service"),
        (MORTGAGE, "FHA mortgage", MORTGAGE),
        (CARD, "", CARD),
    ],
)
def test_product_names_map_onto_the_current_taxonomy(product, sub_product, current):
    # given a product name, when normalised, then it is the current name
    assert normalise_product(product, sub_product) == current


def test_current_issue_names_are_unchanged():
    # given an issue name in use today, when normalised, then it is kept as it is
    assert normalise_issue(" Incorrect information on your report ") == "Incorrect information on your report"


def test_a_missing_column_names_the_file_line_and_column(tmp_path):
    # given an export without the Issue column
    path = write_csv(tmp_path / "no-issue.csv", complaint_rows(1), [c for c in COLUMNS if c != "Issue"])
    # when it is read, then the error says which file, line and column
    with pytest.raises(ValidationFailed) as raised:
        load_cfpb(path)
    assert raised.value.message == f"{path}: line 1: column 'Issue' is missing from the header"
    assert raised.value.details["missing"] == ["Issue"]


def test_a_bad_date_names_the_line_where_its_record_starts(tmp_path):
    # given a narrative spanning three lines, then a complaint with an unreadable date
    rows = complaint_rows(1)
    rows[0][COLUMNS[5]] = "first line\nsecond line\nthird line"
    rows[1]["Date received"] = "31/31/2019"
    path = write_csv(tmp_path / "bad-date.csv", rows)
    # when it is read, then the error points at line 5 (header, three lines of the first record, then it)
    with pytest.raises(ValidationFailed) as raised:
        load_cfpb(path)
    assert raised.value.message == (
        f"{path}: line 5: column 'Date received' '31/31/2019' is not a date (expected YYYY-MM-DD)"
    )
    assert raised.value.code == "complaints_bad_file"


def test_a_file_without_any_narrative_is_refused(tmp_path):
    # given complaints none of which has a narrative
    rows = [{**r, COLUMNS[5]: ""} for r in complaint_rows(2)]
    path = write_csv(tmp_path / "silent.csv", rows)
    # when it is read, then it is refused with the reason
    with pytest.raises(ValidationFailed) as raised:
        load_cfpb(path)
    assert raised.value.code == "complaints_no_narrative"
    assert raised.value.message == (
        f"{path}: none of its 6 complaints has a consumer complaint narrative to learn from or score"
    )


def test_a_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        load_cfpb(tmp_path / "nowhere.csv")


# --- splitting -----------------------------------------------------------------------------------


def test_the_out_of_time_split_keeps_the_latest_days_for_testing(tmp_path):
    # given ten complaints over five days, two a day
    data = load_cfpb(write_csv(tmp_path / "c.csv", complaint_rows(per_product=4)[:10]))
    days = sorted({c.received for c in data.complaints})
    # when split with a fifth for testing
    train, test = out_of_time_split(data.complaints, test_fraction=0.2)
    # then the test part is the latest complaints, and no day is in both parts
    assert (len(train), len(test)) == (8, 2)
    assert max(c.received for c in train) < min(c.received for c in test)
    assert [c.received for c in test] == [days[-2], days[-1]]


def test_a_split_needs_two_dates(tmp_path):
    rows = [{**r, "Date received": "2019-01-01"} for r in complaint_rows(2)]
    with pytest.raises(ValidationFailed, match="at least two dates"):
        out_of_time_split(load_cfpb(write_csv(tmp_path / "c.csv", rows)).complaints)


# --- learning ------------------------------------------------------------------------------------


def test_obvious_complaints_get_their_product_and_issue(trained):
    # given a trained categoriser, when it reads plain complaints
    texts = [
        "my mortgage servicer started foreclosure and the escrow is wrong",
        "a collection agency collector calls about a debt i do not owe",
        "a merchant charge on my credit card statement that i dispute",
    ]
    # then it suggests their products, and issues filed under those products
    assert trained.predict(texts).tolist() == [MORTGAGE, DEBT, CARD]
    assert trained.predict_issue(texts).tolist() == [TOPICS[p][1] for p in (MORTGAGE, DEBT, CARD)]
    assert sorted(trained.classes_.tolist()) == sorted(TOPICS)


def test_a_suggestion_has_a_confidence_and_runners_up(trained):
    # when one narrative is categorised
    suggestion = trained.suggest("the collector keeps calling about a collection debt")
    # then the suggestion is the most likely product, with the others as alternatives
    assert suggestion.category == DEBT
    assert suggestion.sub_category == TOPICS[DEBT][1]
    assert 0.5 < suggestion.confidence <= 1.0
    assert suggestion.sub_category_confidence is not None
    assert DEBT not in [name for name, _ in suggestion.alternatives]
    assert len(suggestion.alternatives) <= 2
    confidences = [suggestion.confidence] + [p for _, p in suggestion.alternatives]
    assert confidences == sorted(confidences, reverse=True)


def test_products_too_rare_to_calibrate_are_left_out_and_counted():
    # given two complaints of a third product, fewer than the three calibration folds
    rows = complaint_rows(per_product=6)
    texts = [r[COLUMNS[5]] for r in rows] + ["student loan servicer", "student loan forgiveness"]
    products = [r["Product"] for r in rows] + ["Student loan", "Student loan"]
    # when trained
    model = ComplaintCategoriser().fit(texts, products)
    # then the rare product is not suggested, and it is counted; without issues there is no sub-category
    assert "Student loan" not in model.classes_.tolist()
    assert model.dropped_products_ == {"Student loan": 2}
    assert model.suggest(texts[0]).sub_category is None


def test_a_single_product_cannot_be_learned():
    with pytest.raises(ValidationFailed, match="at least two products"):
        ComplaintCategoriser().fit(["a b", "c d", "e f"], [MORTGAGE] * 3)


def test_narratives_with_nothing_in_common_cannot_be_learned():
    # given six one-letter narratives, no two alike, when trained, then the reason is given
    with pytest.raises(ValidationFailed, match="share no word or character sequence in 2 or more complaints"):
        ComplaintCategoriser().fit(list("abcdef"), [MORTGAGE] * 3 + [DEBT] * 3)


def test_evaluate_reports_scores_counts_and_dates(tmp_path):
    # given a file split by date
    data = load_cfpb(write_csv(tmp_path / "c.csv", complaint_rows(per_product=10)))
    train, test = out_of_time_split(data.complaints)
    # when evaluated
    result = evaluate(train, test)
    # then it reports both labels, the parts' sizes and dates, and every product's support
    assert result["train"] == {"complaints": 24, "from": "2019-01-01", "to": "2019-01-24"}
    assert result["test"] == {"complaints": 6, "from": "2019-01-25", "to": "2019-01-30"}
    assert set(result["product"]) == {"accuracy", "macro_f1", "unseen_in_training", "left_out_in_training", "classes"}
    assert {row["label"]: row["support"] for row in result["product"]["classes"]} == {MORTGAGE: 2, DEBT: 2, CARD: 2}
    assert result["issue"]["complaints"] == 6
    assert 0.0 <= result["product"]["macro_f1"] <= 1.0


# --- saving --------------------------------------------------------------------------------------


def test_a_saved_categoriser_loads_and_suggests_the_same(tmp_path, trained):
    # given a trained categoriser saved to a new folder
    path = save(trained, tmp_path / "models" / "c.joblib")
    # when loaded again
    again = load(path)
    # then it gives the same suggestions
    texts = ["escrow mortgage", "debt collector", "card statement"]
    assert again.predict_proba(texts).tolist() == trained.predict_proba(texts).tolist()
    assert again.suggest(texts[0]) == trained.suggest(texts[0])
    assert not (tmp_path / "models" / "c.joblib.partial").exists()


def test_foreign_and_stale_model_files_are_refused(tmp_path, trained):
    # given a file that is not a model, and a model saved by another scikit-learn series
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    stale = tmp_path / "stale.joblib"
    joblib.dump({"format": 1, "sklearn": "0.1.0", "model": trained}, stale)
    # when loaded, then each is refused with its reason
    with pytest.raises(ValidationFailed) as foreign:
        load(junk)
    assert foreign.value.code == "categoriser_bad_file"
    with pytest.raises(ValidationFailed) as old:
        load(stale)
    assert old.value.code == "categoriser_stale"
    with pytest.raises(NotFound):
        load(tmp_path / "missing.joblib")


# --- the command ---------------------------------------------------------------------------------


def test_eval_complaints_prints_one_json_object(tmp_path):
    # given a complaints export
    path = write_csv(tmp_path / "c.csv", complaint_rows(per_product=10))
    # when evaluated with --json
    result = runner.invoke(app, ["eval", "complaints", "--train", str(path), "--json"])
    # then one JSON object carries the figures, the split and the file's counts
    assert result.exit_code == ExitCode.OK, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"train", "test", "product", "issue", "confidence", "model", "train_seconds", "split"}
    assert report["split"] == "by date within the train file"
    assert report["train"] | {"file": ""} == {
        "complaints": 24,
        "from": "2019-01-01",
        "to": "2019-01-24",
        "file": "",
        "rows": 30,
        "without_narrative": 0,
    }
    assert set(report["product"]) >= {"accuracy", "macro_f1"}
    assert set(report["issue"]) >= {"accuracy", "macro_f1"}


def test_eval_complaints_scores_a_separate_test_file(tmp_path):
    # given earlier and later complaints in two files
    train = write_csv(tmp_path / "train.csv", complaint_rows(per_product=8))
    test = write_csv(tmp_path / "test.csv", complaint_rows(per_product=2, start=dt.date(2019, 7, 1)))
    # when evaluated with --test
    result = runner.invoke(app, ["eval", "complaints", "--train", str(train), "--test", str(test), "--json"])
    # then it trains on the whole train file and scores the whole test file
    assert result.exit_code == ExitCode.OK, result.output
    report = json.loads(result.stdout)
    assert (report["split"], report["train"]["complaints"], report["test"]["complaints"]) == ("test file", 24, 6)
    assert report["test"]["from"] == "2019-07-01"


def test_eval_complaints_prints_tables(tmp_path):
    path = write_csv(tmp_path / "c.csv", complaint_rows(per_product=10))
    result = runner.invoke(app, ["eval", "complaints", "--train", str(path)])
    assert result.exit_code == ExitCode.OK, result.output
    assert "complaint categoriser, out of time" in result.stdout
    assert "product: per class" in result.stdout


def test_eval_of_a_bad_file_exits_2_with_the_reason(tmp_path):
    path = write_csv(tmp_path / "c.csv", complaint_rows(1), [c for c in COLUMNS if c != "Product"])
    result = runner.invoke(app, ["eval", "complaints", "--train", str(path), "--json"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "line 1: column 'Product' is missing from the header" in " ".join(result.stderr.split())


def test_train_categoriser_saves_under_the_var_folder_by_default(tmp_path):
    # given a complaints export, and the settings' var folder (tests point it into tmp_path)
    path = write_csv(tmp_path / "c.csv", complaint_rows(per_product=6))
    # when the categoriser is trained without --out
    result = runner.invoke(app, ["cases", "train-categoriser", "--data", str(path), "--json"])
    # then the model lands in var/models and can be loaded
    assert result.exit_code == ExitCode.OK, result.output
    report = json.loads(result.stdout)
    target = tmp_path / "var" / "models" / DEFAULT_MODEL_FILE
    assert (report["model"], report["complaints"], report["products"], report["issues"]) == (str(target), 18, 3, 3)
    assert load(target).predict(["foreclosure escrow mortgage"]).tolist() == [MORTGAGE]
