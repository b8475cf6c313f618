"""Aspects of a text (product, service, logistics, price, environment, other), each mention with
its own polarity.

A text is cut into clauses (``text.Clause``); each aspect named in a clause (``lexicon.
ASPECT_TERMS``) is one mention, with the clause's polarity: the sum of its opinion words' signs
(``POSITIVE_WORDS`` / ``NEGATIVE_WORDS``), each turned around by a negator just before it
(不太热情, 一点也不新鲜). A clause that names an aspect but gives no opinion word takes the whole
text's sentiment (送餐的小哥, in a glowing review, is praise). A text with an opinion but no
aspect named gets one ``other`` mention over the whole text.
"""

from dataclasses import dataclass
from functools import cache

from xiaonuo.nlp.lexicon import (
    ASPECT_TERMS,
    NEGATION_WINDOW,
    NEGATIVE_WORDS,
    NEGATORS,
    NEUTRAL_WORDS,
    POSITIVE_WORDS,
    Aspect,
    Polarity,
)
from xiaonuo.nlp.matching import WordTable
from xiaonuo.nlp.text import Clause, Prepared

# 不但好吃 is no negation: these begin with a negator's character but do not negate.
_NOT_NEGATORS = ("不但", "不仅", "不光", "不管", "不论", "不过", "不少", "没想到", "不得不")


@dataclass(frozen=True)
class AspectMention:
    aspect: str  # an Aspect value
    polarity: str  # a Polarity value
    span: tuple[int, int]  # the clause that says it: offsets into the text (end exclusive)


@dataclass(frozen=True)
class _Tables:
    aspects: WordTable
    aspect_of: dict[str, tuple[Aspect, ...]]
    opinions: WordTable
    negators: tuple[str, ...]


@cache
def _tables() -> _Tables:
    aspect_of: dict[str, list[Aspect]] = {}
    for aspect, terms in ASPECT_TERMS.items():
        for term in terms:
            aspect_of.setdefault(term, []).append(aspect)
    return _Tables(
        aspects=WordTable(aspect_of),
        aspect_of={term: tuple(found) for term, found in aspect_of.items()},
        opinions=WordTable((*POSITIVE_WORDS, *NEGATIVE_WORDS, *NEUTRAL_WORDS)),
        negators=tuple(sorted(NEGATORS, key=len, reverse=True)),
    )


_POSITIVE = frozenset(POSITIVE_WORDS)
_NEUTRAL = frozenset(NEUTRAL_WORDS)


def clause_opinion(prepared: Prepared, clause: Clause) -> int | None:
    """The sum of the clause's opinion signs (+1 / −1 each), or None when it has none."""
    tables = _tables()
    total = 0
    seen = False
    for hit in tables.opinions.find(prepared, clause.start, clause.end, overlap=False):
        if hit.text in _NEUTRAL:
            continue
        seen = True
        sign = 1 if hit.text in _POSITIVE else -1
        if _negated(prepared.folded, max(clause.start, hit.start - NEGATION_WINDOW), hit.start):
            sign = -sign
        total += sign
    return total if seen else None


def _negated(folded: str, start: int, end: int) -> bool:
    window = folded[start:end]
    if not window:
        return False
    for decoy in _NOT_NEGATORS:
        window = window.replace(decoy, "")
    return any(negator in window for negator in _tables().negators)


def detect_aspects(prepared: Prepared, *, overall: Polarity) -> tuple[AspectMention, ...]:
    """``overall``: the whole text's sentiment, for clauses without an opinion word."""
    if not prepared.has_content:
        return _other(prepared, overall)
    tables = _tables()
    mentions: list[AspectMention] = []
    for clause in prepared.clauses:
        named: dict[Aspect, None] = {}
        for hit in tables.aspects.find(prepared, clause.start, clause.end, overlap=True):
            for aspect in tables.aspect_of[hit.text]:
                named[aspect] = None
        if not named:
            continue
        opinion = clause_opinion(prepared, clause)
        polarity = overall if opinion is None else _polarity(opinion)
        span = (clause.start, clause.end)
        mentions.extend(AspectMention(str(aspect), str(polarity), span) for aspect in named)
    return tuple(mentions) or _other(prepared, overall)


def _other(prepared: Prepared, overall: Polarity) -> tuple[AspectMention, ...]:
    if overall == Polarity.NEUTRAL or not prepared.original.strip():
        return ()
    return (AspectMention(str(Aspect.OTHER), str(overall), (0, len(prepared.original))),)


def _polarity(total: int) -> Polarity:
    if total > 0:
        return Polarity.POSITIVE
    if total < 0:
        return Polarity.NEGATIVE
    return Polarity.NEUTRAL
