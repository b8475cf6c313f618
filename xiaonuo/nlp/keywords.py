"""Keywords of a text: its words ranked by TF-IDF, with jieba's shipped IDF table.

The IDF table (``jieba/analyse/idf.txt``, MIT, ~270k words) says how rare a word is in general
Chinese text, so 米饭 and 骑手 rank above 今天 and 觉得. Words come from the text's segmentation
(workspace words included, and ranked first: a product's name is what the shop looks for);
stop words, single characters and numbers are never keywords. Keywords are returned in the
folded form (simplified, lower case) so that counts across texts add up.
"""

import re
from functools import cache
from importlib import resources

from xiaonuo.nlp.lexicon import STOP_WORDS
from xiaonuo.nlp.text import Prepared

TOP_K = 5
_WORDLIKE = re.compile(r"^(?=.*[^\W\d_])[\w\-+.#]+$")  # at least one letter; no punctuation
# A workspace word outranks any ordinary word: multiplying its score by this is enough, since
# IDF tops out at ~14 and term counts in one text are small.
_WORKSPACE_BOOST = 100.0


@cache
def _idf() -> tuple[dict[str, float], float]:
    table: dict[str, float] = {}
    text = (resources.files("jieba") / "analyse" / "idf.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        word, _, value = line.rpartition(" ")
        if word:
            table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]  # the median for words the table lacks


def keywords(
    prepared: Prepared, *, workspace_words: frozenset[str] = frozenset(), k: int = TOP_K
) -> tuple[str, ...]:
    idf, median = _idf()
    scores: dict[str, float] = {}
    for word in prepared.words:
        if word in STOP_WORDS or (len(word) < 2 and word not in workspace_words):
            continue
        if not _WORDLIKE.match(word):
            continue
        weight = idf.get(word, median)
        if word in workspace_words:
            weight *= _WORKSPACE_BOOST
        scores[word] = scores.get(word, 0.0) + weight
    # Ties keep the order of first appearance (dicts are ordered; sorted is stable).
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    return tuple(ranked[:k])


def warm_up() -> None:
    _idf()
