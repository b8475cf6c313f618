"""The FAQ matcher: an incoming Chinese question → the knowledge-base entries that answer it.

Pure Python over the knowledge base given to ``Matcher.build`` (no database): the live path
(H3's services), the console's test box and ``xiaonuo autoreply match`` all run this one code.

How a question is matched (docs/decisions/0015-faq-matcher.md says why):

1. Both sides are normalised the same way: traditional → simplified, full-width → half-width,
   case folded, punctuation, emoji and modal particles dropped (``xiaonuo.nlp.normalize``);
   segmented with the workspace's own words kept whole (``xiaonuo.nlp.segment``); every word
   of a synonym group replaced by the group's first word.
2. Retrieval: BM25 (bm25s) over the words and, separately, over character 1–2-grams (which
   survive segmentation differences: 花呗 vs 花 呗, 怎么还 vs 如何还); the two are fused and
   the best phrasings' entries become candidates.
3. Re-ranking: a logistic regression over each candidate's features (both BM25 scores, their
   gaps to the best, IDF-weighted overlaps, longest common substring, question-word agreement,
   a per-knowledge-base classifier when entries have many phrasings…) gives the probability
   that the candidate is the right answer. It is trained at build time by self-supervision on
   the knowledge base itself: each phrasing (or a perturbed copy of it) is asked as a question
   with itself held out, so the model learns what a right and a wrong candidate look like here,
   including the case where the right entry is not in the knowledge base at all. When
   entries have many phrasings (intents rather than FAQs) the per-knowledge-base classifier
   ranks instead: with dozens of examples per entry it beats any nearest-phrasing re-ranker.
4. Agents' confirmations and corrections (``Feedback``) become phrasings of their entry and a
   query seen before is answered with the entry the agent chose.
"""

from __future__ import annotations

import logging
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from xiaonuo.nlp import segment
from xiaonuo.nlp.normalize import PARTICLES, fold_char

# Confidence at or above which an answer goes out at once (a workspace may choose its own).
# Chosen on the first 2,000 LCQMC retrieval queries (the rest were never looked at while
# tuning): the lowest that answers correctly 95% of the time there. See
# docs/decisions/0015-faq-matcher.md.
DEFAULT_THRESHOLD = 0.6

# A question longer than this is read up to here: a FAQ question is a sentence, and a pasted
# document would cost time in proportion to its length for no better match.
MAX_QUERY_CHARS = 200

# Phrasings read from the two BM25 rankings before grouping by entry.
_POOL = 40
# Entries re-ranked per question.
_CANDIDATES = 12

_SEED = 20261122

# bm25s reports every index it builds at DEBUG; a knowledge-base rebuild is not news.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True)
class KbEntry:
    faq_id: str
    phrasings: tuple[str, ...]  # the standard question first, then the other phrasings


@dataclass(frozen=True)
class Feedback:
    """An agent confirmed or corrected: this query should have got this entry."""

    query: str
    faq_id: str


@dataclass(frozen=True)
class Candidate:
    faq_id: str
    confidence: float  # probability that this entry is the right answer, 0–1
    matched: str  # the phrasing that matched best
    why: dict[str, float] = field(default_factory=dict)  # the features behind the confidence


# Question words by the kind of answer they ask for: 怎么退款 and 为什么退款 share every other
# word but want different answers.
_QUESTION_KINDS: dict[str, tuple[str, ...]] = {
    "how": ("怎么", "怎样", "如何", "咋"),
    "why": ("为什么", "为啥", "为何", "怎么会"),
    "what": ("什么", "啥"),
    "where": ("哪里", "哪儿", "在哪", "哪边"),
    "which": ("哪个", "哪家", "哪种", "哪款", "哪些", "哪位", "哪一"),
    "howmuch": ("多少", "几个", "几天", "几号", "多大", "多长", "多高", "多久"),
    "when": ("什么时候", "何时", "几点", "多久", "哪天"),
    "who": ("谁",),
    "yesno": ("吗", "是否", "能不能", "可不可以", "有没有", "是不是", "会不会", "要不要"),
}

_DROP = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class _Text:
    norm: str  # normalised, synonym-mapped characters
    words: tuple[str, ...]
    chars: tuple[str, ...]  # character 1- and 2-grams
    kinds: frozenset[str]
    # Folded but with punctuation and particles kept, for the entry classifier: in intents,
    # 吗 / 呢 / ？ tell a question from a statement (CIC: +0.4 points top-1 and macro-F1).
    surface: str = ""


def _fold(text: str) -> str:
    return "".join(fold_char(ch) for ch in text[:MAX_QUERY_CHARS])


def _strip(folded: str) -> str:
    kept = _DROP.sub(" ", folded)
    return "".join(ch for ch in kept if ch not in PARTICLES).strip()


def _normalise(text: str) -> str:
    return _strip(_fold(text))


def _char_grams(norm: str) -> tuple[str, ...]:
    compact = norm.replace(" ", "")
    grams = list(compact)
    grams.extend(compact[i : i + 2] for i in range(len(compact) - 1))
    return tuple(grams)


def _question_kinds(norm: str) -> frozenset[str]:
    return frozenset(kind for kind, cues in _QUESTION_KINDS.items() if any(c in norm for c in cues))


# Ways of asking the same thing, the same for every workspace: 怎样开网店 asks what 怎么开网店
# asks. (Measured on the first 2,000 LCQMC queries: +0.4 points top-1.) A workspace's own
# synonym groups come first and win where they overlap.
_QUESTION_SYNONYMS = (
    ("怎么", "怎样", "如何", "咋"),
    ("为什么", "为啥", "为何"),
    ("什么", "啥"),
    ("哪里", "哪儿", "在哪", "在哪里", "何处"),
    ("什么时候", "何时", "几时", "啥时候"),
    ("可以", "能", "能够"),
    ("多少钱", "价格", "价钱"),
)


class _Analyzer:
    """Text → its normalised words and character grams, with a workspace's words and synonyms."""

    def __init__(self, user_words: Iterable[str], synonyms: Iterable[Iterable[str]]):
        self.canonical: dict[str, str] = {}
        words = {_normalise(w).replace(" ", "") for w in user_words}
        for group in [*synonyms, *_QUESTION_SYNONYMS]:
            members = [_normalise(w).replace(" ", "") for w in group]
            members = [m for m in members if m]
            if len(members) < 2:
                continue
            head = self.canonical.get(members[0], members[0])
            for member in members:
                self.canonical.setdefault(member, head)
            words.update(members)
        self.words = frozenset(w for w in words if len(w) > 1)

    def __call__(self, text: str) -> _Text:
        folded = _fold(text if isinstance(text, str) else str(text or ""))
        norm = _strip(folded)
        words: list[str] = []
        for piece in norm.split():
            words.extend(
                self.canonical.get(w, w) for w in segment.cut(piece, words=self.words, hmm=False)
            )
        mapped = "".join(words)
        return _Text(
            norm=mapped,
            words=tuple(words),
            chars=_char_grams(mapped),
            kinds=_question_kinds(norm),
            surface=" ".join(folded.split()),
        )


def _longest_common_substring(a: str, b: str) -> int:
    """Length of the longest run of characters ``a`` and ``b`` share. Grows the run one
    character at a time with set look-ups (C speed) instead of a dynamic programme in Python:
    questions share runs of a few characters, so this stops after a few rounds."""
    if len(a) > len(b):
        a, b = b, a
    best = 0
    for length in range(1, len(a) + 1):
        pieces = {b[i : i + length] for i in range(len(b) - length + 1)}
        if any(a[i : i + length] in pieces for i in range(len(a) - length + 1)):
            best = length
        else:
            break
    return best


FEATURES = (
    "bm25_words",
    "bm25_chars",
    "bm25_words_gap",
    "bm25_chars_gap",
    "fused",
    "fused_gap",
    "rank",
    "word_overlap_query",
    "word_overlap_phrasing",
    "char_overlap_query",
    "char_overlap_phrasing",
    "common_substring",
    "length_ratio",
    "question_agree",
    "question_conflict",
    "phrasings_hit",
    "unknown_chars",
    "classifier",
    "classifier_gap",
    "exact",
)


class Matcher:
    """A knowledge base ready to answer questions. Build once per knowledge-base version."""

    def __init__(
        self,
        *,
        analyzer: _Analyzer,
        entry_ids: list[str],
        phrasings: list[str],
        phrasing_entry: np.ndarray,
        texts: list[_Text],
        word_index: bm25s.BM25 | None,
        char_index: bm25s.BM25 | None,
        word_idf: dict[str, float],
        char_idf: dict[str, float],
        remembered: dict[str, int],
    ):
        self._analyze = analyzer
        self._entry_ids = entry_ids
        self._phrasings = phrasings
        self._phrasing_entry = phrasing_entry
        self._texts = texts
        self._word_index = word_index
        self._char_index = char_index
        self._word_idf = word_idf
        self._char_idf = char_idf
        self._remembered = remembered
        # Each phrasing's IDF mass, summed once here rather than for every question.
        self._word_mass = [sum(word_idf.get(w, 0.0) for w in t.words) or 1.0 for t in texts]
        self._char_mass = [sum(char_idf.get(c, 0.0) for c in t.chars) or 1.0 for t in texts]
        self._reranker: _Reranker | None = None
        self._classifier: _EntryClassifier | None = None

    # --- building -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        entries: Sequence[KbEntry],
        *,
        user_words: Iterable[str] = (),
        synonyms: Iterable[Iterable[str]] = (),
        feedback: Sequence[Feedback] = (),
    ) -> Matcher:
        analyzer = _Analyzer(user_words, [tuple(g) for g in synonyms])
        entry_ids: list[str] = []
        position: dict[str, int] = {}
        phrasings: list[str] = []
        owners: list[int] = []
        seen: set[tuple[int, str]] = set()

        def add(entry: int, phrasing: str) -> None:
            if not isinstance(phrasing, str) or not phrasing.strip():
                return
            key = (entry, phrasing.strip())
            if key in seen:
                return
            seen.add(key)
            phrasings.append(phrasing.strip())
            owners.append(entry)

        for entry in entries:
            if entry.faq_id not in position:
                position[entry.faq_id] = len(entry_ids)
                entry_ids.append(entry.faq_id)
            for phrasing in entry.phrasings:
                add(position[entry.faq_id], phrasing)
        # What agents confirmed is another phrasing of the entry they chose.
        confirmed: list[tuple[int, str]] = []
        for item in feedback:
            if item.faq_id in position:
                add(position[item.faq_id], item.query)
                confirmed.append((position[item.faq_id], item.query))

        texts = [analyzer(p) for p in phrasings]
        keep = [i for i, t in enumerate(texts) if t.chars]
        phrasings = [phrasings[i] for i in keep]
        owners = [owners[i] for i in keep]
        texts = [texts[i] for i in keep]
        remembered = {analyzer(q).norm: e for e, q in confirmed if analyzer(q).norm}

        matcher = cls(
            analyzer=analyzer,
            entry_ids=entry_ids,
            phrasings=phrasings,
            phrasing_entry=np.asarray(owners, dtype=np.int64),
            texts=texts,
            word_index=_bm25([list(t.words) for t in texts]),
            char_index=_bm25([list(t.chars) for t in texts]),
            word_idf=_idf([t.words for t in texts]),
            char_idf=_idf([t.chars for t in texts]),
            remembered=remembered,
        )
        if texts:
            matcher._classifier = _EntryClassifier.fit(texts, owners, len(entry_ids))
            matcher._reranker = _train_reranker(matcher)
        return matcher

    # --- matching -------------------------------------------------------------------------

    @property
    def entries(self) -> int:
        return len(self._entry_ids)

    def words(self, text: str) -> tuple[str, ...]:
        """The words the matcher reads in ``text``: normalised, segmented with the workspace's
        words kept whole, each synonym replaced by its group's first word (for the console's
        "why", and to check a dictionary)."""
        return self._analyze(text).words

    def match(self, query: str, *, k: int = 5) -> list[Candidate]:
        """The best ``k`` entries for ``query``, best first; [] when it has nothing to match
        (empty, only punctuation or emoji) or the knowledge base is empty."""
        text = self._analyze(query)
        if not text.chars or not self._texts:
            return []
        rows = self._features(text, hide_entry=-1, hide_phrasing=-1)
        if not rows:
            return []
        matrix = np.asarray([r[2] for r in rows], dtype=np.float64)
        confidences = self._confidences(matrix)
        remembered = self._remembered.get(text.norm)
        order = sorted(range(len(rows)), key=lambda i: -confidences[i])
        out: list[Candidate] = []
        for i in order[:k]:
            entry, phrasing, values = rows[i]
            why = {name: round(float(v), 4) for name, v in zip(FEATURES, values, strict=True)}
            out.append(
                Candidate(
                    faq_id=self._entry_ids[entry],
                    confidence=float(confidences[i]),
                    matched=self._phrasings[phrasing],
                    why=why,
                )
            )
        if remembered is not None:
            out = _put_first(out, self, remembered, rows, confidences)[:k]
        return out

    def _confidences(self, matrix: np.ndarray) -> np.ndarray:
        if self._reranker is None:
            # Too little to learn from (a knowledge base of one entry): the fused BM25 score.
            raw = matrix[:, FEATURES.index("fused")] / max(len(matrix), 1)
        else:
            raw = self._reranker.confidences(matrix)
        return np.clip(raw, 0.0, 1.0)

    def _features(
        self,
        text: _Text,
        *,
        hide_entry: int,
        hide_phrasing: int,
        classifier: _EntryClassifier | None = None,
    ) -> list[tuple[int, int, list[float]]]:
        found = self._retrieve(text, hide_entry=hide_entry, hide_phrasing=hide_phrasing)
        if found is None:
            return []
        word_scores, char_scores, fused, best = found
        word_top = float(word_scores.max())
        char_top = float(char_scores.max())
        if classifier is None:
            classifier = self._classifier
        margins = classifier.scores(text) if classifier is not None else None
        # Ranking by the classifier (intents), its favourites always stay candidates; as a
        # feature only (a FAQ), the first _CANDIDATES entries of the pool and favourites are.
        ranking = classifier is not None and classifier.ranks
        classifier_best = 0.0
        # Group the pool by entry: an entry's best phrasing represents it; how many of its
        # phrasings made the pool says how broadly it matches.
        chosen: dict[int, int] = {}
        hits: Counter[int] = Counter()
        for p in best:
            if fused[p] <= 0.0:
                break
            entry = int(self._phrasing_entry[p])
            hits[entry] += 1
            if not ranking or entry in chosen or len(chosen) < _CANDIDATES:
                chosen.setdefault(entry, int(p))
        if margins is not None:
            self._add_classifier_favourites(chosen, margins, fused, hide_entry, hide_phrasing)
            classifier_best = float(margins.max())
        fused_top = float(fused[best[0]])
        query_word_mass = sum(self._word_idf.get(w, self._unknown_word_idf) for w in text.words)
        query_char_mass = sum(self._char_idf.get(c, self._unknown_char_idf) for c in text.chars)
        unknown = sum(1 for c in text.chars if c not in self._char_idf) / len(text.chars)
        query_words = set(text.words)
        query_chars = set(text.chars)
        rows: list[tuple[int, int, list[float]]] = []
        for rank, (entry, p) in enumerate(list(chosen.items())[: None if ranking else _CANDIDATES]):
            phrasing = self._texts[p]
            phrasing_words = set(phrasing.words)
            phrasing_chars = set(phrasing.chars)
            shared_words = query_words & phrasing_words
            shared_chars = query_chars & phrasing_chars
            phrasing_word_mass = self._word_mass[p]
            phrasing_char_mass = self._char_mass[p]
            lcs = _longest_common_substring(text.norm, phrasing.norm)
            both = text.kinds and phrasing.kinds
            rows.append(
                (
                    entry,
                    p,
                    [
                        float(word_scores[p]) / (word_top or 1.0),
                        float(char_scores[p]) / char_top,
                        (word_top - float(word_scores[p])) / (word_top or 1.0),
                        (char_top - float(char_scores[p])) / char_top,
                        float(fused[p]) / 2.0,
                        (fused_top - float(fused[p])) / 2.0,
                        math.log1p(rank),
                        sum(self._word_idf.get(w, 0.0) for w in shared_words)
                        / (query_word_mass or 1.0),
                        sum(self._word_idf.get(w, 0.0) for w in shared_words) / phrasing_word_mass,
                        sum(self._char_idf.get(c, 0.0) for c in shared_chars)
                        / (query_char_mass or 1.0),
                        sum(self._char_idf.get(c, 0.0) for c in shared_chars) / phrasing_char_mass,
                        lcs / max(len(text.norm), len(phrasing.norm), 1),
                        min(len(text.norm), len(phrasing.norm))
                        / max(len(text.norm), len(phrasing.norm), 1),
                        1.0 if both and text.kinds & phrasing.kinds else 0.0,
                        1.0 if both and not text.kinds & phrasing.kinds else 0.0,
                        math.log1p(hits[entry]),
                        unknown,
                        float(margins[entry]) if margins is not None else -2.0,
                        float(classifier_best - margins[entry]) if margins is not None else 0.0,
                        1.0 if text.norm == phrasing.norm else 0.0,
                    ],
                )
            )
        return rows

    def _retrieve(
        self, text: _Text, *, hide_entry: int, hide_phrasing: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Both BM25 rankings, their fusion and the best phrasings by it (best first)."""
        n = len(self._texts)
        word_scores = _scores(self._word_index, text.words, n)
        char_scores = _scores(self._char_index, text.chars, n)
        if hide_phrasing >= 0:
            word_scores[hide_phrasing] = 0.0
            char_scores[hide_phrasing] = 0.0
        if hide_entry >= 0:
            hidden = self._phrasing_entry == hide_entry
            word_scores[hidden] = 0.0
            char_scores[hidden] = 0.0
        word_top = float(word_scores.max())
        char_top = float(char_scores.max())
        if char_top <= 0.0:
            return None
        fused = char_scores / char_top
        if word_top > 0.0:
            fused = fused + word_scores / word_top
        pool = min(_POOL, n)
        best = np.argpartition(-fused, pool - 1)[:pool] if pool < n else np.arange(n)
        best = best[np.argsort(-fused[best])]
        return word_scores, char_scores, fused, best

    def _add_classifier_favourites(
        self,
        chosen: dict[int, int],
        margins: np.ndarray,
        fused: np.ndarray,
        hide_entry: int,
        hide_phrasing: int,
    ) -> None:
        """The classifier's favourites are candidates even when no phrasing is lexically close."""
        for favourite in np.argsort(-margins)[:3]:
            entry = int(favourite)
            if entry == hide_entry or entry in chosen:
                continue
            mine = np.flatnonzero(self._phrasing_entry == entry)
            if hide_phrasing >= 0:
                mine = mine[mine != hide_phrasing]
            if len(mine):
                chosen[entry] = int(mine[np.argmax(fused[mine])])

    @property
    def _unknown_word_idf(self) -> float:
        return math.log(1 + len(self._texts))

    @property
    def _unknown_char_idf(self) -> float:
        return math.log(1 + len(self._texts))


def _put_first(
    out: list[Candidate],
    matcher: Matcher,
    entry: int,
    rows: list[tuple[int, int, list[float]]],
    confidences: np.ndarray,
) -> list[Candidate]:
    """An agent already said which entry answers this very question: it goes first."""
    faq_id = matcher._entry_ids[entry]
    rest = [c for c in out if c.faq_id != faq_id]
    mine = next((c for c in out if c.faq_id == faq_id), None)
    top = max((c.confidence for c in out), default=0.0)
    if mine is None:
        phrasing = next((p for e, p, _ in rows if e == entry), None)
        matched = matcher._phrasings[phrasing] if phrasing is not None else ""
        mine = Candidate(faq_id=faq_id, confidence=top, matched=matched, why={})
    why = dict(mine.why)
    why["agent_confirmed"] = 1.0
    confidence = max(top, mine.confidence)
    first = Candidate(faq_id=faq_id, confidence=confidence, matched=mine.matched, why=why)
    # The others give up what the agent's entry took, so the candidates still never claim
    # more than certainty together.
    room = 1.0 - confidence
    others = sum(c.confidence for c in rest)
    if others > room:
        scale = room / others if others else 0.0
        rest = [Candidate(c.faq_id, c.confidence * scale, c.matched, c.why) for c in rest]
    return [first, *rest]


def _bm25(corpus: list[list[str]]) -> bm25s.BM25 | None:
    if not corpus:  # an empty knowledge base: bm25s cannot index nothing
        return None
    index = bm25s.BM25(k1=1.2, b=0.75)
    index.index(corpus, show_progress=False)
    return index


def _scores(index: bm25s.BM25 | None, tokens: Iterable[str], n: int) -> np.ndarray:
    """Every phrasing's BM25 score for ``tokens`` (0 where none occurs).

    Reads bm25s's precomputed per-token score columns and adds them with ``np.bincount``:
    the same sum as ``BM25.get_scores`` (Lucene variant: no score for absent tokens), several
    times faster than its ``np.add.at`` on a 20,000-phrasing index."""
    if index is None:
        return np.zeros(n, dtype=np.float64)
    ids = [index.vocab_dict[t] for t in tokens if t in index.vocab_dict]
    if not ids:
        return np.zeros(n, dtype=np.float64)
    data, indices, indptr = index.scores["data"], index.scores["indices"], index.scores["indptr"]
    spans = [(int(indptr[i]), int(indptr[i + 1])) for i in ids]
    rows = np.concatenate([indices[start:end] for start, end in spans])
    weights = np.concatenate([data[start:end] for start, end in spans])
    return np.bincount(rows, weights=weights, minlength=n)


def _idf(documents: Iterable[Iterable[str]]) -> dict[str, float]:
    counts: Counter[str] = Counter()
    total = 0
    for doc in documents:
        counts.update(set(doc))
        total += 1
    return {t: math.log(1 + (total - c + 0.5) / (c + 0.5)) for t, c in counts.items()}


class _EntryClassifier:
    """When entries have many phrasings (intents with dozens of examples), a linear model over
    character n-grams learns each entry's vocabulary better than nearest-phrasing search."""

    MIN_MEAN_PHRASINGS = 4.0
    # From this many phrasings per entry on average the classifier ranks (intents, CIC's ~80)
    # instead of only adding a feature: a FAQ with a handful of phrasings per entry (the demo's
    # 4.7) keeps the re-ranker, which knows when a question is not in the knowledge base.
    RANKS_FROM_MEAN_PHRASINGS = 8.0
    # One weight per entry and character n-gram, dense: 118 intents over CIC's ~60,000 n-grams
    # are ~60 MB; past this many entries the matcher ranks by retrieval and re-ranker alone.
    MAX_ENTRIES = 500

    def __init__(self, vectorizer: TfidfVectorizer, model: LinearSVC, n: int, ranks: bool):
        self._vectorizer = vectorizer
        self._model = model
        self._n = n
        self.ranks = ranks  # whether it ranks the candidates rather than adding a feature

    @staticmethod
    def _input(text: _Text, ranks: bool) -> str:
        # Ranking intents, punctuation and particles tell a question from a statement; as a
        # FAQ's feature, the normalised text (as the rest of the matcher reads it) did better.
        return text.surface if ranks else text.norm

    @classmethod
    def fit(
        cls, texts: Sequence[_Text], owners: Sequence[int], n_entries: int
    ) -> _EntryClassifier | None:
        counts = Counter(owners)
        if (
            not 2 <= len(counts) <= cls.MAX_ENTRIES
            or len(owners) / len(counts) < cls.MIN_MEAN_PHRASINGS
        ):
            return None
        ranks = len(owners) / len(counts) >= cls.RANKS_FROM_MEAN_PHRASINGS
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        matrix = vectorizer.fit_transform([cls._input(t, ranks) for t in texts])
        # A linear SVM: as accurate as logistic regression here and ten times faster to train
        # (the knowledge base is rebuilt whenever it changes). Its margins are a feature; the
        # re-ranker turns them into a probability.
        model = LinearSVC(C=0.3 if ranks else 0.5)
        model.fit(matrix, list(owners))
        return cls(vectorizer, model, n_entries, ranks)

    def scores(self, text: _Text) -> np.ndarray:
        """Each entry's margin (entries the model never saw get a low one)."""
        out = np.full(self._n, -2.0, dtype=np.float64)
        row = self._vectorizer.transform([self._input(text, self.ranks)])
        margins = self._model.decision_function(row)[0]
        classes = self._model.classes_
        if len(classes) == 2:  # a binary SVM gives one margin, for the second class
            out[classes[1]] = margins
            out[classes[0]] = -margins
        else:
            out[classes] = margins
        return out


# --- self-supervised training of the re-ranker ---------------------------------------------

_FILLERS = ("请问", "我想问下", "一下", "呢", "吗", "的", "了", "这个", "你好", "求")
_TRAINING_QUESTIONS = 800
_MISSING_SHARE = 0.33
# Cross-fitting: each training question is scored by a classifier trained on the other fold.
# Four folds (classifiers on 3/4 of the phrasings) measured no better on CIC and cost twice
# the build time.
_FOLDS = 2
# A small knowledge base is asked each of its phrasings several times (perturbed differently)
# so that the re-ranker still sees enough right and wrong candidates.
_MIN_TRAINING_QUESTIONS = 400


def _perturb(words: tuple[str, ...], rng: random.Random) -> str:
    """A question a customer might write for this phrasing: words dropped, fillers added,
    neighbours swapped — two to four times, so the copy is about as far from the phrasing as
    a real paraphrase (a copy too close teaches the re-ranker to doubt every real one)."""
    out = list(words)
    for _ in range(rng.randint(2, 4)):
        move = rng.random()
        if move < 0.45 and len(out) > 2:
            del out[rng.randrange(len(out))]
        elif move < 0.7:
            out.insert(rng.randrange(len(out) + 1), rng.choice(_FILLERS))
        elif len(out) > 2:
            i = rng.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
    return "".join(out)


@dataclass
class _Reranker:
    """Two questions, two models. ``which``: given that the knowledge base holds the answer,
    is it this candidate? (trained on questions whose entry is present). ``present``: does the
    knowledge base hold the answer at all? (read from the best candidate; trained on questions
    whose entry was present against ones whose entry was held out). A candidate's confidence
    is the product: a clear winner over nothing that fits is not an answer.

    With ``temperature`` (intents: the entry classifier exists) ``which`` is the softmax of the
    classifier's margins instead, and ``present`` — which reads them — is the best candidate's
    confidence outright."""

    which: LogisticRegression
    present: LogisticRegression | None
    temperature: float | None = None

    def confidences(self, matrix: np.ndarray) -> np.ndarray:
        if self.temperature is not None:
            which = _softmax(matrix[:, _CLASSIFIER] / self.temperature)
        else:
            which = _probability(self.which, matrix)
        # Only one entry can be the right one: probabilities that add up to more than 1 are
        # scaled down together (keeps the order, keeps each in [0, 1]).
        total = float(which.sum())
        if total > 1.0:
            which = which / total
        if self.present is None:
            return which
        top = int(np.argmax(which))
        summary = _present_features(matrix[top], which)
        present = float(_probability(self.present, summary[None, :])[0])
        if self.temperature is None:
            return which * present
        # Intents: ``present`` already reads the classifier's probability and lead, so it is
        # the best's confidence; the others share what is left in proportion, below the best.
        rest = (1.0 - present) / max(1.0 - float(which[top]), 1e-9)
        out = np.minimum(which * rest, present * which / max(float(which[top]), 1e-9))
        out[top] = present
        return out


def _probability(model: LogisticRegression, matrix: np.ndarray) -> np.ndarray:
    """``model.predict_proba(matrix)[:, 1]`` without scikit-learn's input checks, which cost
    more than the arithmetic on a dozen rows (this runs for every question)."""
    margin = matrix @ model.coef_[0] + model.intercept_[0]
    return 1.0 / (1.0 + np.exp(-margin))


_CLASSIFIER = FEATURES.index("classifier")


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()


def _fit_temperature(present_rows: list[tuple[np.ndarray, int]]) -> float:
    """The temperature that turns the classifier's margins over a question's candidates into
    the likeliest probabilities of the right one (a one-parameter calibration)."""
    best, best_loss = 1.0, math.inf
    for temperature in (0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0):
        loss = 0.0
        for matrix, right in present_rows:
            loss -= math.log(float(_softmax(matrix[:, _CLASSIFIER] / temperature)[right]) + 1e-12)
        if loss < best_loss:
            best, best_loss = temperature, loss
    return best


def _present_features(row: np.ndarray, which: np.ndarray) -> np.ndarray:
    """The best candidate's features, its ``which`` probability and its lead over the next."""
    ordered = np.sort(which)[::-1]
    second = float(ordered[1]) if len(ordered) > 1 else 0.0
    return np.concatenate([row, [float(ordered[0]), float(ordered[0]) - second]])


def _train_reranker(matcher: Matcher) -> _Reranker | None:
    classifier = matcher._classifier
    intents = classifier is not None and classifier.ranks
    return _fit_reranker(_ask_training_questions(matcher), intents=intents)


# One training question: its candidates' feature rows, which row is right (-1: none) and
# whether its entry was held out.
_Asked = tuple[np.ndarray, int, bool]


def _ask_training_questions(matcher: Matcher) -> list[_Asked]:
    """Questions made from the knowledge base's own phrasings, asked of the knowledge base
    with the phrasing (and sometimes its whole entry) held out."""
    rng = random.Random(_SEED)
    n = len(matcher._texts)
    by_entry: dict[int, list[int]] = defaultdict(list)
    for p, entry in enumerate(matcher._phrasing_entry.tolist()):
        by_entry[entry].append(p)
    order = list(range(n))
    rng.shuffle(order)
    wanted = min(_TRAINING_QUESTIONS, max(_MIN_TRAINING_QUESTIONS, n))
    # The classifier has seen every phrasing; a question made from one must be scored by a
    # classifier that has not, or the re-ranker learns to trust it far too much.
    fold = {p: i % _FOLDS for i, p in enumerate(order)}
    held_out: list[_EntryClassifier | None] = [None] * _FOLDS
    if matcher._classifier is not None:
        for side in range(_FOLDS):
            others = [p for p in range(n) if fold[p] != side]
            held_out[side] = _EntryClassifier.fit(
                [matcher._texts[p] for p in others],
                [int(matcher._phrasing_entry[p]) for p in others],
                len(matcher._entry_ids),
            )
    questions = (order * (wanted // n + 1))[:wanted]
    asked: list[_Asked] = []
    for p in questions:
        entry = int(matcher._phrasing_entry[p])
        source = matcher._texts[p]
        if len(by_entry[entry]) > 1 and rng.random() < 0.7:
            # Another phrasing of the same entry must be found with this one held out.
            question = matcher._analyze(matcher._phrasings[p])
            hide_phrasing = p
        else:
            question = matcher._analyze(_perturb(source.words, rng))
            hide_phrasing = -1
        # Some questions are asked a second time with their entry held out: every candidate
        # is wrong, which is what the ``present`` model must recognise.
        trials = [-1, entry] if rng.random() < _MISSING_SHARE else [-1]
        if not question.chars:
            continue
        for hide_entry in trials:
            rows = matcher._features(
                question,
                hide_entry=hide_entry,
                hide_phrasing=hide_phrasing,
                classifier=held_out[fold[p]],
            )
            if not rows:
                continue
            right = next((i for i, (c, _, _) in enumerate(rows) if c == entry), -1)
            asked.append((np.asarray([r[2] for r in rows]), right, hide_entry >= 0))
    return asked


def _fit_reranker(asked: list[_Asked], *, intents: bool) -> _Reranker | None:
    present_rows = [(m, r) for m, r, hidden in asked if not hidden and r >= 0]
    labels = np.concatenate([np.arange(len(m)) == r for m, r in present_rows]).astype(int)
    if len(set(labels.tolist())) < 2:
        return None
    # Newton-Cholesky: exact on a couple of dozen features and ~20× faster here than lbfgs,
    # which matters for a small knowledge base rebuilt on every edit.
    which = LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=100)
    which.fit(np.concatenate([m for m, _ in present_rows]), labels)
    reranker = _Reranker(which=which, present=None)
    if intents:
        reranker.temperature = _fit_temperature(present_rows)
    summaries: list[np.ndarray] = []
    found: list[int] = []
    for matrix, right, _hidden in asked:
        scores = reranker.confidences(matrix)
        top = int(np.argmax(scores))
        summaries.append(_present_features(matrix[top], scores))
        found.append(1 if top == right else 0)
    if len(set(found)) == 2:
        present = LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=100)
        present.fit(np.asarray(summaries), np.asarray(found))
        reranker.present = present
    return reranker
