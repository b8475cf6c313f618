"""Sentiment: P(positive) of a text, and positive / negative / neutral.

The model is a scikit-learn pipeline trained by the project: TF-IDF of character 1–3-grams of
the folded text plus TF-IDF of jieba word 1–2-grams, into a logistic regression fitted by SGD
(fast enough to retrain on 50,000 texts in well under a minute on one core). Characters catch
what segmentation gets wrong (new slang, typos, run-together words); words catch phrases. The
regression is fitted on features scaled NB-SVM style (each column by the square root of its
|log-count ratio| between the classes), and the scale is folded into the coefficients, so the
saved pipeline is plain scikit-learn and scores at the same speed.

    model = train_sentiment(texts, labels)          # labels: 1/0 or "positive"/"negative"
    model.save("var/nlp/mine.skops")
    scores(prepare_all(texts), model=load_model("var/nlp/mine.skops"))

Per-workspace retraining: the app that stores staff corrections calls
``train_sentiment(corrected_texts, corrected_labels, with_default_data=True)`` and saves the
result where it keeps the workspace's model; the corrections then weigh in on top of the default
training data instead of replacing it (a workspace rarely has thousands of labels).
"""

import math
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np
import sklearn
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from xiaonuo.nlp.exceptions import NlpError, NlpErrorCode
from xiaonuo.nlp.lexicon import NEGATIVE_EMOJI, POSITIVE_EMOJI, Polarity
from xiaonuo.nlp.modelfile import Model, ModelInfo, ModelKind, model_input
from xiaonuo.nlp.text import Prepared, prepare_all

# The label of a score: the band in between is neutral (收到了, 还没用). The accuracy benchmarks
# score the binary decision at 0.5, which is what the data sets label.
POSITIVE_FROM = 0.6
NEGATIVE_BELOW = 0.4
NEUTRAL_SCORE = 0.5  # empty, punctuation-only or emoji-free texts with no words
# An emoji-only text (👍👍, 😡) leans clearly but not certainly.
EMOJI_SCORE = 0.85

# The accepted spellings of a label in a training file.
POSITIVE_LABELS = frozenset({"1", "positive", "pos", "正面", "好评", "true"})
NEGATIVE_LABELS = frozenset({"0", "negative", "neg", "负面", "差评", "false"})

MIN_TEXTS_PER_CLASS = 5
# Staff corrections are deliberate labels about this workspace's own texts: each counts as much
# as this many default-data texts when retraining on top of the default data.
CORRECTION_WEIGHT = 5.0
# Metrics come from this share of the labelled texts, held back from the fit (see ``fit``).
VALIDATION_SHARE = 0.05
MIN_VALIDATION_TEXTS = 100
SEED = 20251122
HASH_FEATURES = 2**19
WORD_PATTERN = r"\S+"  # the words arrive joined by spaces (modelfile.model_input)
# Regularisation as logistic regression's C: SGD's alpha is 1 / (C · number of texts), so the
# same strength holds for 5,000 texts as for 50,000 (a fixed alpha over-fitted the small sets).
C = 5.0
EPOCHS = 15
# NB-SVM scaling (Wang & Manning 2012): column j is multiplied by |log(p_j / q_j)| ** NB_POWER,
# p and q the class-wise feature sums (+ NB_SMOOTHING), normalised. The square root (not the
# full ratio) was best on inner splits of the benchmarks' training splits.
NB_POWER = 0.5
NB_SMOOTHING = 1.0


def new_pipeline(n_texts: int = 10_000) -> Pipeline:
    # Hashing instead of a vocabulary: a vocabulary of a million n-grams makes a model file of
    # hundreds of megabytes that takes a minute to load (skops writes every term as a node);
    # hashed columns keep the file to a few arrays, loaded in a blink. 2**19 columns per part
    # keep collisions rare for review-sized corpora.
    def tfidf(**hashing: object) -> Pipeline:
        return Pipeline(
            [
                (
                    "hash",
                    HashingVectorizer(
                        n_features=HASH_FEATURES,
                        alternate_sign=False,
                        norm=None,
                        dtype=np.float32,
                        **hashing,  # type: ignore[arg-type]
                    ),
                ),
                ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ]
        )

    features = ColumnTransformer(
        [
            ("chars", tfidf(analyzer="char", ngram_range=(1, 3)), 0),
            ("words", tfidf(analyzer="word", token_pattern=WORD_PATTERN, ngram_range=(1, 2)), 1),
        ]
    )
    # log_loss gives probabilities; C was chosen on inner splits of the benchmarks' training
    # splits (docs/decisions/0014); a fixed seed and epoch count make retraining reproducible.
    classifier = SGDClassifier(
        loss="log_loss",
        alpha=1.0 / (C * max(n_texts, 1)),
        max_iter=EPOCHS,
        tol=None,
        average=True,
        random_state=SEED,
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def parse_label(value: object) -> int:
    """1 for positive, 0 for negative; ValueError for anything else."""
    text = str(value).strip().lower()
    if text in POSITIVE_LABELS:
        return 1
    if text in NEGATIVE_LABELS:
        return 0
    raise ValueError(f"{value!r} is not a label (use 1/0 or positive/negative)")


def train_sentiment(
    texts: Sequence[str],
    labels: Sequence[object],
    *,
    with_default_data: bool = False,
    weights: Sequence[float] | None = None,
    data_source: str = "",
    version: str | None = None,
    words: Iterable[str] = (),
) -> Model:
    """A new sentiment model from labelled texts (labels as ``parse_label`` reads them).

    ``with_default_data``: train on the default model's data as well, with ``texts`` weighted
    ``CORRECTION_WEIGHT`` times (the per-workspace retraining). ``weights``: how many texts
    each text counts as (default 1 each). ``words``: the workspace's extra
    dictionary words, used the same way at prediction time."""
    if len(texts) != len(labels):
        raise NlpError(NlpErrorCode.TRAINING_DATA_INVALID, "texts and labels differ in length")
    try:
        y = np.array([parse_label(label) for label in labels], dtype=np.int64)
    except ValueError as exc:
        raise NlpError(NlpErrorCode.TRAINING_DATA_INVALID, str(exc)) from None
    if weights is not None and len(weights) != len(y):
        raise NlpError(NlpErrorCode.TRAINING_DATA_INVALID, "texts and weights differ in length")
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    texts = list(texts)
    source = data_source or f"{len(texts)} labelled texts"
    if with_default_data:
        from xiaonuo.nlp import corpus

        default = corpus.default_training_data()
        texts = default.texts + texts
        y = np.concatenate([np.array(default.labels, dtype=np.int64), y])
        w = np.concatenate([np.array(default.weights), w * CORRECTION_WEIGHT])
        source = f"{source}, on top of {default.source}"
    _check_classes(y, with_default_data)
    prepared = prepare_all(texts, words=words)
    return fit(prepared, y, weights=w, data_source=source, version=version)


def fit(
    prepared: list[Prepared],
    y: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    data_source: str,
    version: str | None = None,
) -> Model:
    """Fit on prepared texts. With enough texts, ``VALIDATION_SHARE`` of them is held back and
    the model is measured on it; the model kept is that one (fitting a second time on
    everything would double the time for a twentieth more data)."""
    weights = np.ones(len(y)) if weights is None else weights
    started = time.perf_counter()
    metrics: dict[str, float] = {}
    n_validation = math.ceil(len(y) * VALIDATION_SHARE)
    if n_validation < MIN_VALIDATION_TEXTS:
        pipeline = _fit_pipeline(prepared, y, weights)
        n_trained = len(y)
    else:
        train_idx, val_idx = train_test_split(
            np.arange(len(y)), test_size=n_validation, random_state=SEED, stratify=y
        )
        pipeline = _fit_pipeline([prepared[i] for i in train_idx], y[train_idx], weights[train_idx])
        probe = Model(info=_info("", 0, {}, "probe"), pipeline=pipeline)
        predicted = probe.positive_probability([prepared[i] for i in val_idx]) >= 0.5
        metrics["validation_accuracy"] = round(float((predicted == y[val_idx]).mean()), 4)
        metrics["validation_texts"] = float(len(val_idx))
        n_trained = len(train_idx)
    metrics["training_seconds"] = round(time.perf_counter() - started, 1)
    return Model(info=_info(data_source, n_trained, metrics, version), pipeline=pipeline)


def _fit_pipeline(prepared: list[Prepared], y: np.ndarray, weights: np.ndarray) -> Pipeline:
    pipeline = new_pipeline(len(y))
    features = pipeline.named_steps["features"].fit_transform(model_input(prepared))
    scale = nb_scale(features, y, weights)
    classifier = pipeline.named_steps["classifier"]
    classifier.fit(features @ sparse.diags(scale), y, sample_weight=weights)
    # w · (x ∘ s) = (w ∘ s) · x: the fitted pipeline reads unscaled features, nothing of ours
    # enters the model file.
    classifier.coef_ = classifier.coef_ * scale
    return pipeline


def nb_scale(features: sparse.spmatrix, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """|log-count ratio| ** NB_POWER per feature column (weighted sums, as the fit weighs texts)."""
    positive = np.asarray(features.T @ (weights * (y == 1))).ravel() + NB_SMOOTHING
    negative = np.asarray(features.T @ (weights * (y == 0))).ravel() + NB_SMOOTHING
    ratio = np.log(positive / positive.sum()) - np.log(negative / negative.sum())
    return np.abs(ratio) ** NB_POWER


def _info(source: str, n: int, metrics: dict[str, float], version: str | None) -> ModelInfo:
    now = datetime.now(UTC)
    return ModelInfo(
        kind=str(ModelKind.SENTIMENT),
        version=version or now.strftime("%Y%m%d%H%M%S"),
        trained_at=now.isoformat(timespec="seconds"),
        data_source=source,
        texts=n,
        metrics=metrics,
        sklearn_version=sklearn.__version__,
    )


def _check_classes(y: np.ndarray, with_default_data: bool) -> None:
    if with_default_data:
        return  # the default data has both classes; a few corrections of one kind are fine
    positives = int(y.sum())
    negatives = len(y) - positives
    if min(positives, negatives) < MIN_TEXTS_PER_CLASS:
        raise NlpError(
            NlpErrorCode.TRAINING_DATA_INVALID,
            f"need at least {MIN_TEXTS_PER_CLASS} positive and {MIN_TEXTS_PER_CLASS} negative "
            f"texts (got {positives} positive, {negatives} negative)",
        )


def scores(prepared: Sequence[Prepared], *, model: Model) -> np.ndarray:
    """P(positive) in 0–1 per text. Texts without words are read by their emoji, else 0.5."""
    out = np.full(len(prepared), NEUTRAL_SCORE)
    with_words = [i for i, p in enumerate(prepared) if p.has_content]
    if with_words:
        out[with_words] = model.positive_probability([prepared[i] for i in with_words])
    for i, p in enumerate(prepared):
        if not p.has_content:
            out[i] = _emoji_score(p.original)
    return out


def label(score: float) -> Polarity:
    if score >= POSITIVE_FROM:
        return Polarity.POSITIVE
    if score < NEGATIVE_BELOW:
        return Polarity.NEGATIVE
    return Polarity.NEUTRAL


def _emoji_score(text: str) -> float:
    positive = sum(ch in POSITIVE_EMOJI for ch in text)
    negative = sum(ch in NEGATIVE_EMOJI for ch in text)
    if positive > negative:
        return EMOJI_SCORE
    if negative > positive:
        return 1 - EMOJI_SCORE
    return NEUTRAL_SCORE
