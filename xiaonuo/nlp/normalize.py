"""Text views for matching Chinese phrases written in many ways.

People vary a phrase without changing what it says: 愛買不買 (traditional), 爱 买 不 买
(spaces), 爱买不买啊 / 爱～买～不～买 (particles and decoration), ＡＢＣ (full-width letters), or a
tag around a word (<b>爱买</b>不买). Rules are written once against a *compact* view in which
all of that is gone, and every character of the view remembers where it came from, so a match
is reported as a span of the text the person actually wrote.

The compact view:
- folds traditional characters to simplified, full-width to half-width (NFKC) and case;
- keeps sentence ends as ``。`` and clause breaks as ``，`` (rules may need "at the end of a
  clause"); a run of breaks collapses into one;
- drops whitespace, modal particles (啊 呀 吧 呢 …), quotes, brackets, symbols, emoji and HTML
  tags. 的 and 了 stay: they change what a phrase means.
"""

import re
import unicodedata
from dataclasses import dataclass

from xiaonuo.nlp.hanzi import T2S

SENTENCE_END = "。"
CLAUSE_BREAK = "，"

_SENTENCE_ENDS = set("。.!?！？\n\r｡")
_CLAUSE_BREAKS = set(",，、;；:：…")
# Modal particles that carry tone but not content: 爱买不买啊 is 爱买不买. Rules cannot use
# these characters (吧 in 酒吧 is lost too, which no rule needs).
PARTICLES = frozenset("啊呀哦嘛呢啦吧哈嘞咯喔哇呐诶哎欸唉嗯呗噢呃哟喽")

_TAG = re.compile(r"<[^<>\n]{1,200}>")

_fold_cache: dict[str, str] = {}
_compact_cache: dict[str, str] = {}


def fold_char(ch: str) -> str:
    """One character folded to the form rules are written in (always one character)."""
    folded = _fold_cache.get(ch)
    if folded is None:
        folded = T2S.get(ch, ch)
        nfkc = unicodedata.normalize("NFKC", folded)
        if len(nfkc) == 1:
            folded = nfkc
        folded = folded.lower()
        if len(folded) != 1:  # e.g. "İ".lower() is two characters
            folded = ch
        _fold_cache[ch] = folded
    return folded


def fold(text: str) -> str:
    """``text`` folded character by character; same length, so offsets carry over."""
    return "".join(fold_char(ch) for ch in text)


def _compact_char(folded: str) -> str:
    kept = _compact_cache.get(folded)
    if kept is None:
        if folded in _SENTENCE_ENDS:
            kept = SENTENCE_END
        elif folded in _CLAUSE_BREAKS:
            kept = CLAUSE_BREAK
        elif folded in PARTICLES or folded.isspace():
            kept = ""
        elif unicodedata.category(folded)[0] in "PSCZ":
            kept = ""  # quotes, brackets, dashes, tildes, emoji, control and format characters
        else:
            kept = folded
        _compact_cache[folded] = kept
    return kept


@dataclass(frozen=True)
class CompactText:
    original: str
    folded: str  # same length as original
    compact: str
    positions: tuple[int, ...]  # compact index → index in original

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of compact[start:end] (end exclusive, end > start)."""
        return self.positions[start], self.positions[end - 1] + 1


def compact(text: str) -> CompactText:
    folded = fold(text)
    out: list[str] = []
    positions: list[int] = []
    hidden = _tag_positions(text)
    for i, ch in enumerate(folded):
        if hidden and i in hidden:
            continue
        kept = _compact_char(ch)
        if not kept:
            continue
        if kept in (SENTENCE_END, CLAUSE_BREAK) and out and out[-1] in (SENTENCE_END, CLAUSE_BREAK):
            if kept == SENTENCE_END and out[-1] == CLAUSE_BREAK:
                out[-1] = SENTENCE_END
                positions[-1] = i
            continue
        out.append(kept)
        positions.append(i)
    return CompactText(text, folded, "".join(out), tuple(positions))


def compact_phrase(phrase: str) -> str:
    """A word-list entry in the compact view, without breaks at its ends."""
    return compact(phrase).compact.strip(SENTENCE_END + CLAUSE_BREAK)


def _tag_positions(text: str) -> set[int]:
    if "<" not in text:
        return set()
    hidden: set[int] = set()
    for match in _TAG.finditer(text):
        hidden.update(range(match.start(), match.end()))
    return hidden
