"""One text made ready for every analysis: folded, segmented once, cut into clauses.

Sentiment, aspects, complaints and keywords all read the same ``Prepared`` text, so a batch is
folded and segmented once (segmentation is the largest single cost of enrichment).

Folding (``normalize.fold``) maps traditional to simplified characters, full-width to
half-width and upper to lower case, one character for one character, so every offset into the
folded text is an offset into the text as written.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from xiaonuo.nlp import segment
from xiaonuo.nlp.lexicon import CONTRAST_WORDS
from xiaonuo.nlp.normalize import fold

# Texts are read up to this many characters. A review or a message is far shorter (99% of
# marketplace reviews are under 320 characters); a pasted document would otherwise cost
# segmentation time in proportion to its length for no better verdict.
MAX_CHARS = 2000

_CLAUSE_BREAK = re.compile(r"[。.!！?？，,；;、\n\r~～…|｜]+|\s{2,}")
_CONTRAST = re.compile("|".join(sorted(CONTRAST_WORDS, key=len, reverse=True)))
_HAS_CONTENT = re.compile(r"[\w]")


@dataclass(frozen=True)
class Clause:
    start: int  # offsets into the text (end exclusive)
    end: int
    contrast: bool  # begins with 但是 / 就是 / 不过 …


@dataclass(frozen=True)
class Prepared:
    original: str  # as written (cut at MAX_CHARS)
    folded: str  # same length as original
    tokens: tuple[segment.Token, ...]  # jieba's words of ``folded``, whitespace dropped

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.tokens)

    @cached_property
    def word_starts(self) -> dict[int, int]:
        """Token start offset → its end offset (to ask "is this a whole word?")."""
        return {t.start: t.end for t in self.tokens}

    @property
    def has_content(self) -> bool:
        """False for empty, whitespace-, punctuation- or emoji-only texts."""
        return bool(self.tokens) and _HAS_CONTENT.search(self.folded) is not None

    @cached_property
    def clauses(self) -> tuple[Clause, ...]:
        return tuple(_clauses(self.folded))


def prepare(text: str, *, words: Iterable[str] = ()) -> Prepared:
    """``words``: extra dictionary entries for this text (a workspace's product names)."""
    if not isinstance(text, str):  # None or a number from a spreadsheet cell: read, not crash
        text = "" if text is None else str(text)
    original = text[:MAX_CHARS]
    folded = fold(original)
    # Without jieba's HMM: an unknown word comes out as single characters, which the models'
    # character n-grams read anyway, and segmentation is ~40% faster.
    tokens = tuple(
        t for t in segment.tokenize(folded, words=words, hmm=False) if not t.text.isspace()
    )
    return Prepared(original=original, folded=folded, tokens=tokens)


def prepare_all(texts: Iterable[str], *, words: Iterable[str] = ()) -> list[Prepared]:
    """``prepare`` for each text; a text repeated in the batch (好评, 很好) is prepared once."""
    word_set = frozenset(w.strip() for w in words if w and w.strip())
    done: dict[str, Prepared] = {}
    out: list[Prepared] = []
    for text in texts:
        prepared = done.get(text)
        if prepared is None:
            prepared = done[text] = prepare(text, words=word_set)
        out.append(prepared)
    return out


def _clauses(folded: str) -> Iterable[Clause]:
    start = 0
    for match in _CLAUSE_BREAK.finditer(folded):
        yield from _split_on_contrast(folded, start, match.start())
        start = match.end()
    yield from _split_on_contrast(folded, start, len(folded))


def _split_on_contrast(folded: str, start: int, end: int) -> Iterable[Clause]:
    if start >= end:
        return
    cuts = {m.start() for m in _CONTRAST.finditer(folded, start, end)}
    bounds = [start, *sorted(c for c in cuts if c > start), end]
    for left, right in zip(bounds, bounds[1:], strict=False):
        yield Clause(left, right, contrast=left in cuts)
