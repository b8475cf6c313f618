"""Finding word-list entries in a prepared text, fast and only where they are words.

One table maps every entry of every list to what it is; a clause is scanned position by
position with set look-ups (no regular expression per list), so the cost is linear in the text
whatever the lists' sizes. An entry of one character (贵, 慢, 差) counts only where jieba cut it
as a word of its own — never 差 in 出差 or 快 in 快递.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from xiaonuo.nlp.text import Prepared


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str


class WordTable:
    def __init__(self, entries: Iterable[str]):
        self.entries = frozenset(e for e in entries if e)
        self.lengths = sorted({len(e) for e in self.entries}, reverse=True)

    def find(self, prepared: Prepared, start: int, end: int, *, overlap: bool) -> Iterator[Hit]:
        """Entries in ``prepared.folded[start:end]``, longest first at each position.
        ``overlap=False``: a hit consumes its characters (不新鲜 hides 新鲜)."""
        text = prepared.folded
        whole_words = prepared.word_starts
        i = start
        while i < end:
            found = 0
            for length in self.lengths:
                if i + length > end:
                    continue
                piece = text[i : i + length]
                if piece in self.entries and (length > 1 or whole_words.get(i) == i + 1):
                    yield Hit(i, i + length, piece)
                    found = length
                    break
            i += found if found and not overlap else 1
