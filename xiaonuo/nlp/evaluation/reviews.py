"""Measuring aspects and complaint detection on the reviews written for the repository.

    python -m xiaonuo.nlp.evaluation.reviews            # both files, via Django settings

Per text the gold labels are the set of aspects named (with the polarities each gets) and the
complaint flag (see the header of ``data/reviews_written.tsv`` for how they were labelled).
Reported:
- aspect detection: precision / recall / F1 over (text, aspect) pairs, ``other`` excluded;
- aspect polarity: of the pairs found and in the gold labels, the share whose set of
  polarities matches exactly (味道可以，量有点少 → product {+, −});
- complaint: precision / recall / F1 and accuracy of ``is_complaint``;
- sentiment: three-way accuracy of the overall label.
"""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from xiaonuo.nlp import corpus
from xiaonuo.nlp.enrich import Enrichment, enrich

HOLDOUT = Path(__file__).resolve().parent / "reviews_holdout.tsv"
DEVELOPMENT = corpus.WRITTEN_REVIEWS
_SIGNS = {"+": "positive", "-": "negative", "0": "neutral"}


@dataclass(frozen=True)
class ReviewScores:
    texts: int
    aspect_precision: float
    aspect_recall: float
    aspect_f1: float
    aspect_polarity_accuracy: float
    complaint_precision: float
    complaint_recall: float
    complaint_f1: float
    complaint_accuracy: float
    sentiment_accuracy: float
    complaints: int  # gold complaints among the texts


def gold_aspects(field: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for item in field.split():
        aspect, _, sign = item.partition(":")
        found[aspect].add(_SIGNS[sign])
    return dict(found)


def predicted_aspects(enrichment: Enrichment) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for mention in enrichment.aspects:
        found[mention.aspect].add(mention.polarity)
    return dict(found)


def evaluate(path: Path) -> ReviewScores:
    rows = corpus.written_reviews(path)
    results = enrich([row["text"] for row in rows])
    tp = fp = fn = polarity_right = 0
    c_tp = c_fp = c_fn = c_right = sentiment_right = 0
    for row, result in zip(rows, results, strict=True):
        gold = {a: p for a, p in gold_aspects(row["aspects"]).items() if a != "other"}
        got = {a: p for a, p in predicted_aspects(result).items() if a != "other"}
        both = gold.keys() & got.keys()
        tp += len(both)
        fp += len(got.keys() - gold.keys())
        fn += len(gold.keys() - got.keys())
        polarity_right += sum(gold[a] == got[a] for a in both)
        is_complaint = row["complaint"] == "1"
        c_tp += is_complaint and result.is_complaint
        c_fp += (not is_complaint) and result.is_complaint
        c_fn += is_complaint and not result.is_complaint
        c_right += is_complaint == result.is_complaint
        sentiment_right += row["sentiment"] == result.sentiment
    return ReviewScores(
        texts=len(rows),
        aspect_precision=_ratio(tp, tp + fp),
        aspect_recall=_ratio(tp, tp + fn),
        aspect_f1=_ratio(2 * tp, 2 * tp + fp + fn),
        aspect_polarity_accuracy=_ratio(polarity_right, tp),
        complaint_precision=_ratio(c_tp, c_tp + c_fp),
        complaint_recall=_ratio(c_tp, c_tp + c_fn),
        complaint_f1=_ratio(2 * c_tp, 2 * c_tp + c_fp + c_fn),
        complaint_accuracy=_ratio(c_right, len(rows)),
        sentiment_accuracy=_ratio(sentiment_right, len(rows)),
        complaints=sum(row["complaint"] == "1" for row in rows),
    )


def _ratio(a: int, b: int) -> float:
    return round(a / b, 3) if b else 0.0


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
    django.setup()
    for name, path in (("development", DEVELOPMENT), ("holdout", HOLDOUT)):
        print(name, evaluate(path))
