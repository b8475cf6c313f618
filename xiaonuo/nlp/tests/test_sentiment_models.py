"""Training, saving and loading sentiment models; refusing files that are not ours."""

import pickle
import zipfile

import numpy as np
import pytest
import skops.io as sio
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from xiaonuo.nlp.exceptions import NlpError
from xiaonuo.nlp.modelfile import load_model
from xiaonuo.nlp.sentiment import nb_scale, parse_label, scores, train_sentiment
from xiaonuo.nlp.tests.conftest import NEGATIVE, POSITIVE
from xiaonuo.nlp.text import prepare_all


def test_a_trained_model_tells_praise_from_criticism(small_model):
    # given reviews it never saw, written in the same vocabulary
    result = scores(prepare_all(["很好吃，很满意", "太慢了，很失望"]), model=small_model)
    assert result[0] > 0.5 > result[1]


def test_the_model_records_what_it_is(small_model):
    info = small_model.info
    assert info.kind == "sentiment"
    assert info.texts == len(POSITIVE) + len(NEGATIVE)
    assert info.data_source == "tests"
    assert info.version and info.trained_at.endswith("+00:00")
    # too few texts to hold some back: no validation accuracy is claimed
    assert "validation_accuracy" not in info.metrics


def test_features_that_tell_the_classes_apart_weigh_more_in_the_fit():
    # columns: 好吃 (praise only), 送餐 (both alike), 难吃 (criticism only)
    features = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 1, 1]]))
    y = np.array([1, 1, 0, 0])
    scale = nb_scale(features, y, np.ones(4))
    assert scale[0] == pytest.approx(scale[2]) and scale[0] > 0
    assert scale[1] == pytest.approx(0)
    # a text's weight counts as that many texts
    weighted = nb_scale(features, y, np.array([1.0, 1.0, 5.0, 5.0]))
    repeated = sparse.vstack([features[:2]] + [features[2:]] * 5)
    assert np.allclose(weighted, nb_scale(repeated, np.array([1, 1] + [0, 0] * 5), np.ones(12)))


def test_labels_may_be_written_as_numbers_or_words():
    assert [parse_label(v) for v in ("1", 1, "positive", " Positive ", "正面")] == [1] * 5
    assert [parse_label(v) for v in ("0", 0, "negative", "neg", "负面")] == [0] * 5
    with pytest.raises(ValueError, match="not a label"):
        parse_label("2")


def test_training_refuses_one_sided_or_mismatched_data():
    with pytest.raises(NlpError) as one_sided:
        train_sentiment(POSITIVE, [1] * len(POSITIVE))
    assert one_sided.value.code == "training_data_invalid"
    with pytest.raises(NlpError) as mismatched:
        train_sentiment(POSITIVE, [1])
    assert mismatched.value.code == "training_data_invalid"
    with pytest.raises(NlpError, match="not a label"):
        train_sentiment(POSITIVE + NEGATIVE, ["yes"] * 24)


def test_a_saved_model_loads_and_scores_the_same(small_model, tmp_path):
    path = tmp_path / "models" / "mine.skops"
    small_model.save(path)
    loaded = load_model(path)
    texts = prepare_all(["送餐很快", "菜凉了", "", "👍"])
    assert np.allclose(scores(texts, model=loaded), scores(texts, model=small_model))
    assert loaded.info == small_model.info
    assert [p.name for p in path.parent.iterdir()] == ["mine.skops"]  # no temp file left


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(NlpError) as error:
        load_model(tmp_path / "nope.skops")
    assert error.value.code == "model_file_missing"


def test_a_pickle_is_never_unpickled(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"format": "xiaonuo-nlp-model"}))
    with pytest.raises(NlpError) as error:
        load_model(path)
    assert error.value.code == "model_file_unreadable"
    assert "not a zip archive" in error.value.message


def test_a_skops_file_of_another_program_is_foreign(tmp_path):
    path = tmp_path / "theirs.skops"
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    sio.dump(model, path)
    with pytest.raises(NlpError) as error:
        load_model(path)
    assert error.value.code == "model_file_foreign"


def test_a_file_that_would_build_other_types_is_refused_unbuilt(small_model, tmp_path):
    # given a model file whose object graph names a function of the standard library
    path = tmp_path / "hostile.skops"
    sio.dump({"format": "xiaonuo-nlp-model", "payload": zipfile.ZipFile}, path)
    with pytest.raises(NlpError) as error:
        load_model(path)
    assert error.value.code == "model_file_untrusted"
    assert "zipfile.ZipFile" in error.value.message


def test_a_tampered_file_is_refused(small_model, tmp_path):
    path = tmp_path / "mine.skops"
    small_model.save(path)
    data = bytearray(path.read_bytes())
    # flip bytes in the middle of the archive (inside a stored array)
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    tampered = tmp_path / "tampered.skops"
    tampered.write_bytes(bytes(data))
    with pytest.raises(NlpError) as error:
        load_model(tampered)
    assert error.value.code == "model_file_unreadable"
    truncated = tmp_path / "truncated.skops"
    truncated.write_bytes(path.read_bytes()[: len(data) // 3])
    with pytest.raises(NlpError) as error:
        load_model(truncated)
    assert error.value.code == "model_file_unreadable"


def test_a_model_of_another_format_version_is_refused(small_model, tmp_path):
    path = tmp_path / "future.skops"
    sio.dump(
        {"format": "xiaonuo-nlp-model", "format_version": 99, "info": {}, "pipeline": None}, path
    )
    with pytest.raises(NlpError) as error:
        load_model(path)
    assert error.value.code == "model_file_foreign"
    assert "99" in error.value.message
