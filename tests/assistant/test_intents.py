"""The assistant's intent model on tiny English and Chinese data: learning, confidence, out of scope, files."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import pytest
import sklearn

from guanxi.assistant import intents
from guanxi.assistant.intent_evaluation import evaluate_intents, read_intents
from guanxi.assistant.intents import (
    IntentGuess,
    IntentModel,
    SentenceEncoder,
    find_encoder,
    load,
    save,
)
from guanxi.assistant.textnorm import has_chinese, normalise, to_simplified, words
from guanxi.errors import ConfigurationError, NotFound, ValidationFailed

ARRIVAL = "card_arrival"
TOP_UP = "top_up"
LOST = "lost_card"
# Simplified Chinese only: the Traditional tests below read messages the model never saw in that script.
UTTERANCES = {
    ARRIVAL: [
        "my card has not arrived yet",
        "where is my new card",
        "the card still has not arrived",
        "when will my card arrive",
        "我的卡还没到",
        "新卡什么时候寄到",
        "我的卡还没有寄到",
    ],
    TOP_UP: [
        "how do I top up my account",
        "I want to top up",
        "add money to my account by top up",
        "can I top up with a bank transfer",
        "怎么充值",
        "我想给账户充值",
        "充值要多久",
    ],
    LOST: [
        "I lost my card",
        "my card was stolen",
        "someone stole my card",
        "I think I lost my card yesterday",
        "我的卡丢了",
        "卡被偷了",
        "我把卡弄丢了",
    ],
}


def training_set() -> tuple[list[str], list[str]]:
    texts = [text for texts in UTTERANCES.values() for text in texts]
    labels = [label for label, texts in UTTERANCES.items() for _ in texts]
    return texts, labels


@pytest.fixture(scope="module")
def model() -> IntentModel:
    texts, labels = training_set()
    return IntentModel(encoder=None).fit(texts, labels)


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = ("text", "category")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- text normalisation -------------------------------------------------------------------------


def test_normalise_folds_width_case_script_and_spaces() -> None:
    # given full-width letters, Traditional characters, a curly apostrophe and uneven spaces
    text = "  ＡＴＭ 還沒   到  didn’t "
    # when it is normalised
    result = normalise(text)
    # then one lower-case, Simplified, single-spaced form is left
    assert result == "atm 还没 到 didn't"


def test_words_cut_chinese_with_jieba_and_keep_english_words() -> None:
    # given a normalised message mixing English, Chinese and a number
    text = normalise("Top up 充值 100.50 元, 我的信用卡還沒有寄到!")
    # when it is split into words
    result = words(text)
    # then Chinese is segmented into dictionary words and punctuation is dropped
    assert result == ["top", "up", "充值", "100.50", "元", "我", "的", "信用卡", "还", "没有", "寄", "到"]


def test_words_split_latin_letters_and_digits_from_adjacent_chinese() -> None:
    # given English, digits and Chinese written without spaces between them
    # when the text is split into words
    # then each script gives its own words
    assert words(normalise("VISA卡2張")) == ["visa", "卡", "2", "张"]


def test_to_simplified_leaves_text_without_chinese_alone() -> None:
    # given texts with and without Chinese characters
    # when they are converted
    # then only the Traditional characters change
    assert to_simplified("Card 卡片遺失") == "Card 卡片遗失"
    assert to_simplified("card lost") == "card lost"
    assert has_chinese("card 卡") is True
    assert has_chinese("card") is False


# --- fitting and predicting -----------------------------------------------------------------------


def test_fit_learns_the_intents_of_english_and_chinese_utterances(model: IntentModel) -> None:
    # given a model trained on mixed English and Simplified Chinese utterances
    # when it reads new messages in both languages
    predicted = model.predict(["has my card arrived", "how can I top up", "my card is lost", "充值", "卡丢了"])
    # then each gets its intent
    assert predicted.tolist() == [ARRIVAL, TOP_UP, LOST, TOP_UP, LOST]
    assert model.classes_.tolist() == [ARRIVAL, LOST, TOP_UP]


def test_predict_proba_gives_one_probability_per_intent_summing_to_one(model: IntentModel) -> None:
    # given a trained model
    # when it scores two messages
    probabilities = model.predict_proba(["where is my new card", "我想充值"])
    # then each row has a probability for each intent, adding up to one, the top one matching predict
    assert probabilities.shape == (2, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert model.classes_[probabilities.argmax(axis=1)].tolist() == [ARRIVAL, TOP_UP]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("我的卡還沒到", ARRIVAL),  # Traditional, never seen in training
        ("新卡什麼時候寄到", ARRIVAL),
        ("我想給賬戶充值", TOP_UP),
        ("我的卡丟了", LOST),
        ("卡被偷了", LOST),  # the same in both scripts
    ],
)
def test_traditional_chinese_is_understood_from_simplified_training(
    model: IntentModel, message: str, intent: str
) -> None:
    # given a model trained on Simplified Chinese only
    # when a customer writes in Traditional Chinese
    guess = model.understand(message)
    # then the intent is the one of the Simplified utterances
    assert guess.intent == intent


def test_simplified_chinese_is_understood_from_traditional_training() -> None:
    # given a model trained on Traditional Chinese only
    texts = ["我的卡還沒到", "新卡什麼時候寄到", "怎麼儲值", "我想給賬戶充值", "我的卡丟了", "卡片遺失了"]
    labels = [ARRIVAL, ARRIVAL, TOP_UP, TOP_UP, LOST, LOST]
    model = IntentModel(encoder=None).fit(texts, labels)
    # when customers write in Simplified Chinese
    predicted = model.predict(["我的卡还没到", "怎么储值", "卡片遗失了"])
    # then the Traditional utterances taught the intents
    assert predicted.tolist() == [ARRIVAL, TOP_UP, LOST]


# --- understanding and out of scope ------------------------------------------------------------------


def test_understand_gives_the_top_intent_its_confidence_and_the_runner_up(model: IntentModel) -> None:
    # given a trained model
    # when it reads a clear message
    guess = model.understand("my card was stolen")
    probabilities = model.predict_proba(["my card was stolen"])[0]
    ranked = np.argsort(-probabilities)
    # then the guess names the top two intents with their rounded probabilities
    assert guess == IntentGuess(
        intent=LOST,
        confidence=round(float(probabilities[ranked[0]]), 4),
        runner_up=str(model.classes_[ranked[1]]),
        runner_up_confidence=round(float(probabilities[ranked[1]]), 4),
        out_of_scope=guess.confidence < model.threshold_,
    )
    assert guess.confidence > guess.runner_up_confidence


def test_a_message_below_the_threshold_is_out_of_scope() -> None:
    # given a model whose threshold is fixed at 0.9
    texts, labels = training_set()
    model = IntentModel(encoder=None, threshold=0.9).fit(texts, labels)
    # when it reads a message about none of its intents, and one it knows well
    unknown = model.understand("what is the weather like in Taipei")
    known = model.understand("I lost my card")
    # then the unknown one is out of scope (nothing to act on) and the known one is answered
    assert model.threshold_ == 0.9
    assert unknown.confidence < 0.9
    assert unknown.out_of_scope is True
    assert unknown.answer is None
    assert known.out_of_scope is False
    assert known.answer == LOST


def test_the_threshold_is_chosen_by_cross_validation_for_the_precision_asked() -> None:
    # given out-of-fold confidences where the answers at 0.9 and above are right 3 times in 4 and
    # those at 0.6 and above 4 times in 6
    confidence = np.array([0.95, 0.93, 0.91, 0.9, 0.6, 0.6, 0.3])
    correct = np.array([True, True, False, True, True, False, False])
    # when thresholds are chosen for 75%, 66% and 100% precision
    # then the lowest confidence keeping that precision is taken (ties answered alike), or nothing is answered
    assert intents.precision_threshold(confidence, correct, 0.75) == 0.9
    assert intents.precision_threshold(confidence, correct, 0.66) == 0.6
    assert intents.precision_threshold(confidence, correct, 1.0) == 0.93
    assert intents.precision_threshold(np.array([0.8]), np.array([False]), 0.9) > 0.8


def test_fit_chooses_a_threshold_and_a_temperature_from_held_out_folds(model: IntentModel) -> None:
    # given the model trained with the default settings (threshold None)
    # then its threshold is a confidence of its own out-of-fold predictions and its temperature is positive
    assert 0.0 < model.threshold_ <= 1.0
    assert model.temperature_ > 0.0
    assert 0.0 <= model.cv_accuracy_ <= 1.0


# --- the optional sentence encoder --------------------------------------------------------------------


class WordHashEncoder(SentenceEncoder):
    """A stand-in encoder: unit vectors from hashed characters, deterministic, with no model file."""

    def __init__(self) -> None:
        self.name = "test encoder"
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 16), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text:
                out[row, ord(char) % 16] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def test_an_encoder_adds_its_embedding_to_the_features() -> None:
    # given a model with a sentence encoder
    texts, labels = training_set()
    encoder = WordHashEncoder()
    model = IntentModel(encoder=encoder).fit(texts, labels)
    # when it predicts
    predicted = model.predict(["I lost my card"])
    # then the encoder was used for training and for the message, and the SVM saw its 16 extra columns
    assert predicted.tolist() == [LOST]
    assert model.encoder_ is encoder
    assert encoder.calls == 2
    assert model.linear_.weights.shape[0] == sum(len(v.vocabulary_) for v in model.linear_.vectorisers) + 16


def best_cosines(encoder: SentenceEncoder, message: str) -> np.ndarray:
    """Each intent's highest embedding cosine between ``message`` and its training utterances."""
    texts, labels = training_set()
    vectors = encoder.encode([normalise(t) for t in texts])
    similarity = vectors @ encoder.encode([normalise(message)])[0]
    return np.array([similarity[[label == intent for label in labels]].max() for intent in (ARRIVAL, LOST, TOP_UP)])


def test_the_nearest_training_utterance_of_each_intent_adds_its_weighted_cosine() -> None:
    # given the same model trained without neighbours and with them at weight 2
    texts, labels = training_set()
    plain = IntentModel(encoder=WordHashEncoder(), neighbour_weight=0).fit(texts, labels)
    nearest = IntentModel(encoder=WordHashEncoder(), neighbour_weight=2).fit(texts, labels)
    # when both score a message
    message = "has my card arrived"
    added = nearest.decision_function([message])[0] - plain.decision_function([message])[0]
    # then the difference is twice each intent's best cosine to its own training utterances
    assert np.allclose(added, 2 * best_cosines(WordHashEncoder(), message), atol=1e-6)
    assert (plain.neighbour_weight_, nearest.neighbour_weight_) == (0.0, 2.0)
    assert plain.linear_.neighbours is None
    assert nearest.linear_.neighbours.shape == (21, 16)


def test_only_the_svm_s_top_intents_are_compared_with_their_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    # given neighbours computed for the SVM's single best intent only
    monkeypatch.setattr(intents, "NEAREST_INTENTS", 1)
    texts, labels = training_set()
    plain = IntentModel(encoder=WordHashEncoder(), neighbour_weight=0).fit(texts, labels)
    nearest = IntentModel(encoder=WordHashEncoder(), neighbour_weight=2).fit(texts, labels)
    # when both score a message
    message = "my card was stolen"
    svm = plain.decision_function([message])[0]
    added = nearest.decision_function([message])[0] - svm
    # then only the SVM's top intent gains its cosine
    expected = np.zeros(3)
    expected[svm.argmax()] = 2 * best_cosines(WordHashEncoder(), message)[svm.argmax()]
    assert plain.classes_[svm.argmax()] == LOST
    assert np.allclose(added, expected, atol=1e-6)


def test_fit_chooses_the_neighbour_weight_from_the_grid() -> None:
    # given a model with an encoder and the default weight (None: chosen by cross-validation)
    texts, labels = training_set()
    model = IntentModel(encoder=WordHashEncoder()).fit(texts, labels)
    # then the weight is one of the grid's, and the embeddings are kept only for a weight above 0
    assert model.neighbour_weight_ in intents.NEIGHBOUR_WEIGHTS
    assert (model.linear_.neighbours is not None) == (model.neighbour_weight_ > 0)
    assert model.predict(["I lost my card"]).tolist() == [LOST]


def test_without_an_encoder_there_are_no_neighbours() -> None:
    # given a pure scikit-learn model asked for neighbours at weight 2
    texts, labels = training_set()
    model = IntentModel(encoder=None, neighbour_weight=2).fit(texts, labels)
    # then it has none to compare with, and scores by the SVM alone
    assert model.neighbour_weight_ == 0.0
    assert model.linear_.neighbours is None
    assert model.predict(["I lost my card"]).tolist() == [LOST]


@pytest.mark.parametrize("value", [-1.0, float("nan")])
def test_a_negative_neighbour_weight_is_refused(value: float) -> None:
    # given a neighbour weight below 0 (or not a number)
    texts, labels = training_set()
    model = IntentModel(encoder=None, neighbour_weight=value)
    # when the model is trained
    # then the option is named
    with pytest.raises(ValidationFailed, match=f"neighbour_weight must be 0 or more, not {value}") as caught:
        model.fit(texts, labels)
    assert caught.value.code == "bad_parameters"


def test_auto_encoder_falls_back_to_pure_scikit_learn_when_none_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given no sentence encoder installed
    monkeypatch.setattr(intents, "find_encoder", lambda: None)
    texts, labels = training_set()
    # when a model with the default encoder="auto" is trained
    model = IntentModel().fit(texts, labels)
    # then it works without one
    assert model.encoder_ is None
    assert model.predict(["I lost my card"]).tolist() == [LOST]


def test_find_encoder_gives_none_without_the_encoder_files(tmp_path: Path) -> None:
    # given a folder without model.onnx and tokenizer.json
    # when the encoder is looked for there
    # then there is none, and the model would be pure scikit-learn
    assert find_encoder(tmp_path) is None


def test_an_encoder_refuses_missing_files_and_files_changed_since_training(tmp_path: Path) -> None:
    # given no encoder files
    # when an encoder is made from the folder
    # then NotFound names the missing file
    with pytest.raises(NotFound, match=f"sentence encoder file not found: {tmp_path / 'model.onnx'}"):
        SentenceEncoder(tmp_path)
    # given an encoder whose model file is replaced after it was made (as after loading a saved model)
    (tmp_path / "model.onnx").write_bytes(b"weights")
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    encoder = SentenceEncoder(tmp_path, name="test")
    (tmp_path / "model.onnx").write_bytes(b"other weights")
    # when it encodes
    # then it refuses to give vectors the intent model was not trained on
    with pytest.raises(ConfigurationError, match="differs from the one this intent model was trained with") as caught:
        encoder.encode(["where is my card"])
    assert caught.value.code == "intent_encoder_mismatch"


def test_training_refuses_an_intent_with_a_single_utterance() -> None:
    # given one intent with a single example
    # when a model is trained
    # then it says which intent needs more utterances
    with pytest.raises(ValidationFailed, match="at least two utterances; 1 have one: lost_card") as caught:
        IntentModel(encoder=None).fit(["card not here", "where is my card", "lost"], [ARRIVAL, ARRIVAL, LOST])
    assert caught.value.code == "bad_training_set"


# --- evaluation and files ------------------------------------------------------------------------


def test_evaluate_intents_trains_on_one_file_and_scores_the_other(tmp_path: Path) -> None:
    # given a training file and a test file of new messages
    texts, labels = training_set()
    train = write_csv(tmp_path / "train.csv", list(zip(texts, labels, strict=True)))
    test = write_csv(
        tmp_path / "test.csv",
        [("has my card arrived", ARRIVAL), ("卡丟了", LOST), ("top up please", TOP_UP), ("我的卡還沒到", ARRIVAL)],
    )
    # when the model is evaluated
    result = evaluate_intents(train, test, model=IntentModel(encoder=None))
    # then every test message is right and the figures describe the run
    assert result["accuracy"] == 1.0
    assert result["macro_f1"] == 1.0
    assert result["n_train"] == 21
    assert result["n_test"] == 4
    assert result["intents"] == 3
    assert result["unseen_in_training"] == []
    assert result["encoder"] is None
    assert 0.0 < result["latency_p50_ms"] <= result["latency_p99_ms"]


def test_read_intents_strips_the_text_and_category(tmp_path: Path) -> None:
    # given a file with padded cells
    path = write_csv(tmp_path / "intents.csv", [("  where is my card ", " card_arrival ")])
    # when it is read
    # then the values are trimmed
    assert read_intents(path) == (["where is my card"], [ARRIVAL])


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    # given no file
    missing = tmp_path / "absent.csv"
    # when it is read
    # then NotFound names it
    with pytest.raises(NotFound, match=f"intents file not found: {missing}") as caught:
        evaluate_intents(missing, missing)
    assert caught.value.code == "intents_file_not_found"


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    # given a file without the category column
    path = write_csv(tmp_path / "intents.csv", [("where is my card", "x")], header=("text", "label"))
    # when it is read
    # then the error names the file, the line and the column
    with pytest.raises(
        ValidationFailed, match=f"{path}: line 1: column 'category' is missing from the header"
    ) as caught:
        read_intents(path)
    assert caught.value.code == "intents_bad_file"
    assert caught.value.details["missing"] == ["category"]


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    # given a file of zero bytes, and one with only a header
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path / "header.csv", [])
    # when they are read
    # then each error says what is wrong with which file
    with pytest.raises(ValidationFailed, match=f"{empty}: the file is empty") as caught:
        read_intents(empty)
    assert caught.value.code == "intents_empty_file"
    with pytest.raises(ValidationFailed, match=f"{header_only}: the file has a header but no utterances"):
        read_intents(header_only)


def test_an_empty_cell_is_named_with_its_line(tmp_path: Path) -> None:
    # given a file whose third line has no category
    path = write_csv(tmp_path / "intents.csv", [("where is my card", ARRIVAL), ("lost it", "")])
    # when it is read
    # then the error names the line and the column
    with pytest.raises(ValidationFailed, match=f"{path}: line 3: column 'category' is empty") as caught:
        read_intents(path)
    assert caught.value.details == {"file": str(path), "line": 3, "column": "category"}


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    # given a file in Big5
    path = tmp_path / "big5.csv"
    path.write_bytes("text,category\n我的卡還沒到,card_arrival\n".encode("big5"))
    # when it is read
    # then the error says it is not UTF-8
    with pytest.raises(ValidationFailed, match=f"{path}: not UTF-8 text") as caught:
        read_intents(path)
    assert caught.value.code == "intents_bad_file"


def test_save_and_load_give_back_the_same_model(model: IntentModel, tmp_path: Path) -> None:
    # given a trained model saved to a file
    path = save(model, tmp_path / "models" / "intents.joblib")
    # when it is loaded
    loaded = load(path)
    # then it answers exactly as before
    messages = ["我的卡還沒到", "top up", "stolen card"]
    assert np.array_equal(loaded.predict_proba(messages), model.predict_proba(messages))
    assert loaded.threshold_ == model.threshold_


def test_loading_a_missing_or_foreign_file_fails_clearly(tmp_path: Path) -> None:
    # given no model file, and a file that is not a model
    foreign = tmp_path / "foreign.joblib"
    foreign.write_text("not a pickle", encoding="utf-8")
    # when they are loaded
    # then the errors say so
    with pytest.raises(NotFound, match="no intent model at"):
        load(tmp_path / "absent.joblib")
    with pytest.raises(ValidationFailed, match=f"{foreign}: not an intent model file") as caught:
        load(foreign)
    assert caught.value.code == "intent_model_bad_file"


def test_a_model_file_of_an_older_format_is_refused(model: IntentModel, tmp_path: Path) -> None:
    # given a file written in format 1 (before the nearest neighbours)
    path = tmp_path / "old.joblib"
    joblib.dump({"format": 1, "sklearn": sklearn.__version__, "model": model}, path)
    # when it is loaded
    # then it is refused, naming the format expected
    with pytest.raises(ValidationFailed, match=f"{path}: not an intent model file of format 2") as caught:
        load(path)
    assert caught.value.code == "intent_model_bad_file"
