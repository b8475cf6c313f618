"""Chinese word segmentation (jieba) with extra words per call or per workspace.

Everything that segments text goes through here, so the dictionary is loaded once per process
(about a second; ``warm_up()`` lets a server pay it at start instead of on a user's request).

Extra words — a workspace's product names, its tone-check word lists — must never leak into
another workspace's segmentation, and a web process serves many workspaces from several
threads. jieba's own ``add_word`` mutates the one shared dictionary, so instead each distinct
set of extra words gets a small overlay dictionary layered over the shared one (read-only):
no locks on the hot path and no copy of the 350k-entry base.
"""

import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jieba

# jieba logs "Building prefix dict…" at DEBUG to stderr on every load; ours is not news.
jieba.setLogLevel(logging.WARNING)

_base: jieba.Tokenizer | None = None
_base_lock = threading.Lock()

# Distinct word sets kept ready: one per active workspace plus a few per-call sets is typical.
# Each overlay holds only its own words (and their prefixes), a few KB.
_OVERLAY_CACHE_SIZE = 256


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # offsets into the text that was segmented
    end: int


def cut(text: str, *, words: Iterable[str] = (), hmm: bool = True) -> list[str]:
    """The words of ``text`` (jieba's accurate mode with its HMM for unknown words).

    ``words`` are extra dictionary entries for this call only (e.g. a workspace's vocabulary);
    each is kept whole where the text allows it. ``hmm=False`` leaves words the dictionary does
    not know as single characters, about 40% faster (the models, which also read character
    n-grams, use it)."""
    if not text:
        return []
    return list(_tokenizer(_word_key(words)).cut(text, HMM=hmm))


def tokenize(text: str, *, words: Iterable[str] = (), hmm: bool = True) -> list[Token]:
    """Like ``cut`` with each word's offsets in ``text`` (whitespace comes back as tokens too)."""
    if not text:
        return []
    return [Token(w, s, e) for w, s, e in _tokenizer(_word_key(words)).tokenize(text, HMM=hmm)]


def warm_up() -> None:
    """Load the dictionary now (idempotent, thread-safe); later calls only segment."""
    _base_tokenizer()


def _word_key(words: Iterable[str]) -> frozenset[str]:
    if isinstance(words, frozenset):
        return words
    return frozenset(w.strip() for w in words if w and w.strip())


def _base_tokenizer() -> jieba.Tokenizer:
    global _base
    if _base is None:
        with _base_lock:
            if _base is None:
                # Our own instance, not jieba's global one: nothing else in the process can add
                # words to what every workspace sees.
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _base = tokenizer
    return _base


def _tokenizer(words: frozenset[str]) -> jieba.Tokenizer:
    base = _base_tokenizer()
    if not words:
        return base
    return _overlay(words)


@lru_cache(maxsize=_OVERLAY_CACHE_SIZE)
def _overlay(words: frozenset[str]) -> jieba.Tokenizer:
    return _OverlayTokenizer(_base_tokenizer(), words)


class _OverlayFreq(dict[str, int]):
    """Word frequencies: this overlay's own entries first, then the shared base (read-only).
    jieba only uses ``in``, ``[]`` and ``get`` on its frequency table."""

    def __init__(self, base: dict[str, int]):
        super().__init__()
        self.base = base

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self.base

    def __getitem__(self, key: str) -> int:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return self.base[key]

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return self.base.get(key, default)


class _OverlayTokenizer(jieba.Tokenizer):
    def __init__(self, base: jieba.Tokenizer, words: frozenset[str]):
        super().__init__()
        freq = _OverlayFreq(base.FREQ)
        total = base.total
        for word in sorted(words):
            # The frequency jieba's add_word would choose: just enough for the word to win over
            # its own pieces, so it does not swallow neighbouring words elsewhere.
            wanted = _suggested_freq(base, word)
            freq[word] = max(wanted, base.FREQ.get(word) or 0)
            total += freq[word]
            for i in range(1, len(word)):
                prefix = word[:i]
                if prefix not in freq:
                    freq[prefix] = 0
        self.FREQ = freq
        self.total = total
        self.initialized = True


def _suggested_freq(base: jieba.Tokenizer, word: str) -> int:
    # jieba.Tokenizer.suggest_freq(word, tune=False), computed against the base without
    # touching it.
    ftotal = float(base.total)
    freq = 1.0
    for piece in base.cut(word, HMM=False):
        freq *= (base.FREQ.get(piece) or 1) / ftotal
    return max(int(math.ceil(freq * base.total)) + 1, 1)
