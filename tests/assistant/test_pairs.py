"""The FAQ's question matcher: learning from pairs, ranking FAQ questions, and reading pair files."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from guanxi.assistant.pairs import PairMatcher, evaluate_pairs, load_pairs, sentence_groups, units, words
from guanxi.errors import NotFound, ValidationFailed

# Five bank topics, each asked three ways. Same topic = same meaning.
TOPICS_ZH = [
    ["怎么修改预留手机号", "预留的手机号码如何更换", "我想换绑定的手机号"],
    ["借款利息怎么计算", "利息是多少", "借钱的利息怎么算"],
    ["怎样提前还款", "可以提前还清贷款吗", "我想提前把钱还了"],
    ["为什么额度降低了", "我的额度怎么变少了", "额度为何减少"],
    ["借款多久到账", "钱什么时候能到账", "借的钱几时到账"],
]
TOPICS_EN = [
    ["how do i change my phone number", "update the phone number on my account", "i want a new phone number on file"],
    ["how is the loan interest calculated", "what interest do i pay on my loan", "how much interest is charged"],
    ["can i repay my loan early", "how to pay off the loan before it is due", "early repayment of my loan"],
    ["why was my credit limit lowered", "my credit limit went down", "why did my limit decrease"],
    ["when will the money arrive", "how long until the loan reaches my account", "the money has not arrived yet"],
]


def pairs_from(topics: list[list[str]]) -> tuple[list[str], list[str], list[int]]:
    """Every pair within a topic (label 1) and every pair of first questions across topics (label 0)."""
    first, second, labels = [], [], []
    for questions in topics:
        for i in range(len(questions)):
            for j in range(i + 1, len(questions)):
                first.append(questions[i])
                second.append(questions[j])
                labels.append(1)
    for t in range(len(topics)):
        for u in range(t + 1, len(topics)):
            for k in range(len(topics[t])):
                first.append(topics[t][k])
                second.append(topics[u][(k + 1) % len(topics[u])])
                labels.append(0)
    return first, second, labels


def small_matcher() -> PairMatcher:
    """A matcher sized for a few dozen pairs."""
    return PairMatcher(n_components=8, n_estimators=60, learning_rate=0.1, num_leaves=7, min_child_samples=2)


@pytest.fixture(scope="module")
def chinese() -> PairMatcher:
    return small_matcher().fit(*pairs_from(TOPICS_ZH))


@pytest.fixture(scope="module")
def english() -> PairMatcher:
    return small_matcher().fit(*pairs_from(TOPICS_EN))


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_chinese_is_cut_into_words_and_compared_by_character() -> None:
    # given a Chinese question with full-width punctuation
    # when it is split
    # then words come from jieba and units are its characters, without punctuation
    assert words("怎么修改手机号") == ["怎么", "修改", "手机号"]
    assert units("改号？") == ["改", "号"]


def test_other_languages_fall_back_to_words() -> None:
    # given an English question
    # when it is split
    # then both words and units are its words
    assert words("how do i reset it?") == ["how", "do", "i", "reset", "it"]
    assert units("how do i reset it?") == ["how", "do", "i", "reset", "it"]


def test_pairs_linked_by_a_shared_question_share_a_group() -> None:
    # given pairs a-b, b-c and d-e
    # when grouped
    # then the first two (linked through b) share a group and the third does not
    groups = sentence_groups(["a", "b", "d"], ["b", "c", "e"])
    assert groups[0] == groups[1]
    assert groups[2] != groups[0]


def test_fit_returns_self_and_probabilities_sum_to_one(chinese: PairMatcher) -> None:
    # given a fitted matcher
    # when two pairs are scored
    # then there is one row per pair with p(different) + p(same) = 1
    proba = chinese.predict_proba(["怎样提前还款", "借款利息怎么计算"], ["可以提前还清贷款吗", "额度为何减少"])
    assert proba.shape == (2, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_chinese_pairs_of_one_meaning_match_and_others_do_not(chinese: PairMatcher) -> None:
    # given a matcher fitted on Chinese pairs
    # when pairs from one topic and from two topics are judged
    # then the first match and the second do not
    predicted = chinese.predict(["我想换绑定的手机号", "利息是多少"], ["怎么修改预留手机号", "钱什么时候能到账"])
    assert predicted.tolist() == [1, 0]


def test_english_pairs_of_one_meaning_match_and_others_do_not(english: PairMatcher) -> None:
    # given a matcher fitted on English pairs
    # when pairs from one topic and from two topics are judged
    # then the first match and the second do not
    predicted = english.predict(
        ["my credit limit went down", "can i repay my loan early"],
        ["why did my limit decrease", "when will the money arrive"],
    )
    assert predicted.tolist() == [1, 0]


def test_similar_ranks_the_faq_question_of_the_same_meaning_first(chinese: PairMatcher) -> None:
    # given FAQ questions on three topics
    faq = ["借款利息怎么计算", "怎么修改预留手机号", "借款多久到账"]
    # when a customer asks about changing a phone number
    ranking = chinese.similar("预留的手机号码如何更换", faq)
    # then the phone-number question comes first, every candidate once, scores falling
    assert ranking[0][0] == 1
    assert sorted(i for i, _ in ranking) == [0, 1, 2]
    assert [s for _, s in ranking] == sorted((s for _, s in ranking), reverse=True)


def test_similar_ranks_english_faq_questions(english: PairMatcher) -> None:
    # given English FAQ questions
    faq = ["how is the loan interest calculated", "can i repay my loan early", "how do i change my phone number"]
    # when a customer asks how to pay off early
    ranking = english.similar("how to pay off the loan before it is due", faq)
    # then the early-repayment question comes first
    assert ranking[0][0] == 1


def test_similar_without_candidates_is_empty(chinese: PairMatcher) -> None:
    # given no FAQ questions
    # when ranked
    # then nothing comes back
    assert chinese.similar("怎么还款", []) == []


def test_a_fitted_matcher_pickles(chinese: PairMatcher) -> None:
    # given a fitted matcher
    # when it is pickled and read back
    copy = pickle.loads(pickle.dumps(chinese))
    # then it scores exactly as before
    left, right = ["额度为何减少", "怎样提前还款"], ["我的额度怎么变少了", "利息是多少"]
    assert copy.predict_proba(left, right).tolist() == chinese.predict_proba(left, right).tolist()


def test_fit_refuses_one_class_and_mismatched_lengths() -> None:
    # given labels of one class, then lists of different lengths
    # when fitted
    # then both are refused
    with pytest.raises(ValidationFailed) as one_class:
        small_matcher().fit(["a b", "c d"], ["a b", "d c"], [1, 1])
    assert one_class.value.code == "pairs_bad_input"
    with pytest.raises(ValidationFailed) as lengths:
        small_matcher().fit(["a", "b"], ["a"], [1, 0])
    assert lengths.value.code == "pairs_bad_input"


def test_scoring_before_fitting_is_refused() -> None:
    # given an unfitted matcher
    # when it scores
    # then it says it is not fitted
    with pytest.raises(ValidationFailed) as error:
        small_matcher().predict(["a"], ["b"])
    assert error.value.code == "pairs_not_fitted"


def test_evaluate_pairs_reports_accuracy_f1_latency_and_counts(tmp_path: Path) -> None:
    # given a training file and a test file of held-out paraphrases (with a byte-order mark, as exported)
    first, second, labels = pairs_from(TOPICS_ZH)
    rows = "".join(f"{a},{b},{y}\n" for a, b, y in zip(first, second, labels, strict=True))
    train = tmp_path / "train.csv"
    train.write_text("sentence1,sentence2,label\n" + rows, encoding="utf-8-sig")
    test = write_csv(
        tmp_path / "test.csv",
        "sentence1,sentence2,label\n我想换绑定的手机号,怎么修改预留手机号,1\n利息是多少,钱什么时候能到账,0\n",
    )
    # when evaluated
    result = evaluate_pairs(
        train, test, n_components=8, n_estimators=60, learning_rate=0.1, num_leaves=7, min_child_samples=2
    )
    # then both test pairs are judged right, and latency is measured on each
    assert sorted(result) == ["accuracy", "f1", "latency_p50_ms", "latency_p99_ms", "n_test", "n_train"]
    assert (result["accuracy"], result["f1"], result["n_train"], result["n_test"]) == (1.0, 1.0, 45, 2)
    assert 0 < result["latency_p50_ms"] <= result["latency_p99_ms"]


def test_load_pairs_reads_sentences_and_labels(tmp_path: Path) -> None:
    # given a file with header columns in another order
    path = write_csv(tmp_path / "p.csv", "label,sentence1,sentence2\n1,怎么还款,如何还款\n0,怎么借款,如何还款\n")
    # when read
    # then sentences and labels come back in file order
    assert load_pairs(path) == (["怎么还款", "怎么借款"], ["如何还款", "如何还款"], [1, 0])


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    # given no file
    # when read
    # then NotFound names it
    with pytest.raises(NotFound) as error:
        load_pairs(tmp_path / "absent.csv")
    assert error.value.code == "pairs_file_not_found"
    assert "absent.csv" in error.value.message


def test_missing_column_is_named(tmp_path: Path) -> None:
    # given a header without a label column
    path = write_csv(tmp_path / "p.csv", "sentence1,sentence2\n怎么还款,如何还款\n")
    # when read
    with pytest.raises(ValidationFailed) as error:
        load_pairs(path)
    # then the file, line 1 and the column are named
    assert error.value.details == {"file": str(path), "line": 1, "column": "label", "missing": ["label"]}


def test_file_without_pairs_is_refused(tmp_path: Path) -> None:
    # given a header and no rows
    path = write_csv(tmp_path / "p.csv", "sentence1,sentence2,label\n")
    # when read
    with pytest.raises(ValidationFailed) as error:
        load_pairs(path)
    # then it says the file holds no pairs
    assert error.value.message == f"{path}: holds no question pairs"


def test_empty_file_is_refused(tmp_path: Path) -> None:
    # given a file with nothing in it
    path = write_csv(tmp_path / "p.csv", "")
    # when read
    with pytest.raises(ValidationFailed) as error:
        load_pairs(path)
    # then it says the file is empty and which columns its header needs
    assert error.value.code == "pairs_empty_file"
    expected = "the file is empty (expected a header with columns sentence1, sentence2, label)"
    assert error.value.message == f"{path}: {expected}"


def test_label_other_than_zero_or_one_is_named(tmp_path: Path) -> None:
    # given a label of 2 on the second row (line 3)
    path = write_csv(tmp_path / "p.csv", "sentence1,sentence2,label\n怎么还款,如何还款,1\n怎么借款,如何还款,2\n")
    # when read
    with pytest.raises(ValidationFailed) as error:
        load_pairs(path)
    # then file, line and column are named
    assert error.value.details == {"file": str(path), "line": 3, "column": "label"}
    assert error.value.message == f"{path}: line 3: column 'label' '2' is not 0 or 1"


def test_empty_sentence_is_named(tmp_path: Path) -> None:
    # given a row whose second sentence is blank
    path = write_csv(tmp_path / "p.csv", "sentence1,sentence2,label\n怎么还款, ,1\n")
    # when read
    with pytest.raises(ValidationFailed) as error:
        load_pairs(path)
    # then the empty field is named
    assert error.value.details == {"file": str(path), "line": 2, "column": "sentence2"}


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    # given a file in GBK
    path = tmp_path / "p.csv"
    path.write_bytes("sentence1,sentence2,label\n怎么还款,如何还款,1\n".encode("gbk"))
    # when read
    with pytest.raises(ValidationFailed) as error:
        load_pairs(path)
    # then it is refused as unreadable
    assert error.value.code == "pairs_bad_file"
