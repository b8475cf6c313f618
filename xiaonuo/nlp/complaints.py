"""Complaint detection: does the text report a failure or ask for redress?

A complaint (投诉) is more than a negative opinion: 味道一般 is not one, 送错了，我点的是牛肉面 is,
and so is 退款一周了还没到账，必须给个说法. The score combines the complaint cues of the text
(``lexicon.COMPLAINT_CUES``: a demand for redress or escalation weighs most, a described failure
next, a strong verdict least) with how negative the text is (1 − the sentiment score), through a
logistic function whose weights were set on ``data/reviews_written.tsv`` and are measured on
``evaluation/reviews_holdout.tsv`` (docs/benchmarks.md):

    z = BIAS + CUE_WEIGHT · min(cues, CUE_CAP) + NEGATIVITY_WEIGHT · (negativity − 0.5)

So cues alone do not make a complaint (客服很快就帮我退款了 names 退款 and is praise), and
neither does negativity alone.
"""

import math

from xiaonuo.nlp.lexicon import COMPLAINT_CUES
from xiaonuo.nlp.matching import WordTable
from xiaonuo.nlp.text import Prepared

BIAS = -3.0
CUE_WEIGHT = 1.6
CUE_CAP = 4.0  # the fifth cue adds no certainty
NEGATIVITY_WEIGHT = 4.0
THRESHOLD = 0.5

_TABLE = WordTable(COMPLAINT_CUES)


def complaint_score(prepared: Prepared, *, sentiment_score: float) -> float:
    """0–1; ``sentiment_score`` is P(positive) of the same text."""
    if not prepared.has_content:
        return 0.0
    cues = sum(
        COMPLAINT_CUES[hit.text]
        for hit in _TABLE.find(prepared, 0, len(prepared.folded), overlap=False)
    )
    negativity = 1.0 - sentiment_score
    z = BIAS + CUE_WEIGHT * min(cues, CUE_CAP) + NEGATIVITY_WEIGHT * (negativity - 0.5)
    return 1.0 / (1.0 + math.exp(-z))
