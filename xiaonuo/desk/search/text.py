"""What the search index stores for a message, what a query asks for, and the highlighted snippet.

The index holds, for each message, a set of *terms* (docs/decisions/0010-desk-search.md):

- every Chinese character (and Japanese/Korean one) on its own, and every two adjacent ones
  (overlapping bigrams of each run of such characters): "杨枝甘露还没送到" gives 杨 杨枝 枝 枝甘 …;
- every run of other letters and digits, lower-cased and width-folded: "O0012", "13812345678",
  "refund" — order and phone numbers come out whole.

A query is segmented into words by jieba (``xiaonuo.nlp.segment``); a message matches when it
holds every word of the query, in any order: a Chinese word as all its bigrams (a one-character
word as that character), a run of letters or digits as a prefix of one of its terms. So
"杨枝甘露没送到" finds "杨枝甘露到现在还没送到" (jieba splits the query into 杨枝 / 甘露 / 没 /
送到, and no bigram across those words is required), and "1381234" finds a message with the
phone 13812345678.

Why bigrams in the index and not jieba's words: a word index finds a query only where the text
was segmented the same way, and jieba segments a run by its context ("五一广场店点的" becomes
五一广场 / 店点 / 的, so a search for 店 or 五一广场店 would miss it). Bigrams cover every
substring whatever the segmentation; the measured recall and index sizes are in the decision.

Terms hold only letters and digits, so they need no escaping in either engine's query syntax,
whatever the user typed.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from xiaonuo.nlp import segment

# Scripts written without spaces between words: Han (with extensions and compatibility
# ideographs), kana, hangul.
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u309f\u30a0-\u30ff\uac00-\ud7af"
    "\U00020000-\U0002ebef"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
# Letters and digits that are not CJK: \w without the underscore and without CJK.
_WORD_RUN = re.compile(f"[^\\W_{_CJK}]+")
_IS_CJK = re.compile(f"^[{_CJK}]+$")

# A query of more words than this is cut: nobody types more, and each word is one more index
# look-up. Longer pasted text still searches by its first words.
MAX_QUERY_TERMS = 16
# A letter/digit run shorter than this matches whole only: a prefix search for "1" or "a"
# would expand to most of the index.
MIN_PREFIX_CHARS = 3
SNIPPET_CHARS = 80


def normalise(text: str) -> str:
    """Width-folded (NFKC: full-width ＡＢ１ → AB1) and lower-cased, as terms are stored."""
    return unicodedata.normalize("NFKC", text).lower()


def index_terms(text: str) -> list[str]:
    """The distinct terms stored for a message's text, in first-seen order."""
    text = normalise(text)
    terms: dict[str, None] = {}
    for run in _CJK_RUN.findall(text):
        for i, char in enumerate(run):
            terms[char] = None
            if i + 1 < len(run):
                terms[run[i : i + 2]] = None
    for word in _WORD_RUN.findall(text):
        terms[word] = None
    return list(terms)


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool  # matches any stored term that starts with it


@dataclass(frozen=True)
class Query:
    """Every term must be present (AND). ``words`` are what the snippet marks."""

    terms: tuple[Term, ...]
    words: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, stored: set[str] | frozenset[str]) -> bool:
        """Whether a message with these stored terms matches (what the engines compute)."""
        for term in self.terms:
            if term.prefix:
                if not any(s.startswith(term.text) for s in stored):
                    return False
            elif term.text not in stored:
                return False
        return True


@lru_cache(maxsize=512)
def parse_query(raw: str) -> Query:
    """The terms of what a user typed. Anything that is not a letter or digit (FTS syntax,
    quotes, operators, punctuation, emoji) only separates words."""
    terms: dict[Term, None] = {}
    words: dict[str, None] = {}
    for word in segment.cut(normalise(raw)[:200]):
        for cjk in _CJK_RUN.findall(word):
            words[cjk] = None
            if len(cjk) == 1:
                terms[Term(cjk, prefix=False)] = None
            for i in range(len(cjk) - 1):
                terms[Term(cjk[i : i + 2], prefix=False)] = None
        for run in _WORD_RUN.findall(word):
            words[run] = None
            terms[Term(run, prefix=len(run) >= MIN_PREFIX_CHARS)] = None
    return Query(terms=tuple(terms)[:MAX_QUERY_TERMS], words=tuple(words))


def snippet(text: str, query: Query, *, width: int = SNIPPET_CHARS) -> SafeString:
    """About ``width`` characters of ``text`` around its first match, HTML-escaped, with each
    occurrence of a query word in ``<mark>``. Safe to put in a page as it is."""
    spans = _match_spans(text, query)
    start = 0
    if spans:
        first = spans[0][0]
        start = max(0, min(first - width // 4, len(text) - width))
    end = min(len(text), start + width)
    parts: list[str] = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        if e <= pos or s >= end:
            continue
        s = max(s, pos)
        e = min(e, end)
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of user text is escaped above


def contains_every_word(text: str, query: Query) -> bool:
    """Whether each of the query's words occurs in ``text`` itself. The index answers "holds
    all the bigrams", which a message can do with the characters apart ("订单…单号" for
    订单号); this check keeps only real occurrences."""
    haystack = normalise(text)
    return all(_word_pattern(word).search(haystack) for word in query.words)


def _word_pattern(word: str) -> re.Pattern[str]:
    # A letter/digit word marks the start of a run: "o00" in "o0012", not in "xo00".
    start = "" if _IS_CJK.match(word) else f"(?<![^\\W_{_CJK}])"
    return re.compile(start + re.escape(word))


def _match_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Where the query's words occur in ``text`` (offsets into ``text``), merged, in order.
    Matching runs on the normalised text; ``origin`` maps its characters back."""
    folded: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        for c in normalise(char):
            folded.append(c)
            origin.append(i)
    haystack = "".join(folded)
    spans: list[tuple[int, int]] = []
    for word in query.words:
        spans.extend(
            (origin[m.start()], origin[m.end() - 1] + 1)
            for m in _word_pattern(word).finditer(haystack)
        )
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged
