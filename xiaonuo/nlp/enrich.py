"""Enrichment: everything the apps above want to know about a batch of customer texts.

    from xiaonuo.nlp.enrich import enrich
    [e] = enrich(["味道不错，就是送餐太慢了"], workspace_words={"茶语小铺"})
    e.sentiment        → "negative"          (positive / negative / neutral)
    e.score            → 0.31                (P(positive), 0–1)
    e.aspects          → (AspectMention("product", "positive", (0, 4)),
                          AspectMention("logistics", "negative", (5, 12)))
    e.is_complaint     → False
    e.complaint_score  → 0.2
    e.keywords         → ("送餐", "味道")

Batch-friendly: each text is folded and segmented once, and the sentiment model scores the
whole batch in one call, so pass lists (hundreds at a time) rather than one text per call.
Pure functions over a read-only model: safe from any thread. The first call in a process loads
(or, on a new install, builds) the default model; ``warm_up()`` does that ahead of time.

Per-workspace models: pass ``model=load_model(path)`` (or ``cached_model(path)``) for a
workspace that retrained its own (see ``sentiment.train_sentiment``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xiaonuo.nlp import aspects as aspects_module
from xiaonuo.nlp import complaints, corpus, keywords, segment, sentiment
from xiaonuo.nlp.aspects import AspectMention
from xiaonuo.nlp.modelfile import Model
from xiaonuo.nlp.text import Prepared, prepare_all

__all__ = ["AspectMention", "Enrichment", "analyse", "enrich", "warm_up"]


@dataclass(frozen=True)
class Enrichment:
    sentiment: str  # a Polarity value: positive / negative / neutral
    score: float  # P(positive), 0–1
    aspects: tuple[AspectMention, ...]
    is_complaint: bool
    complaint_score: float  # 0–1; is_complaint is complaint_score ≥ complaints.THRESHOLD
    keywords: tuple[str, ...]  # folded (simplified, lower case), best first


def enrich(
    texts: Sequence[str],
    *,
    workspace_words: Iterable[str] | None = None,
    model: Model | None = None,
) -> list[Enrichment]:
    """One Enrichment per text, in order. ``workspace_words``: the workspace's own vocabulary
    (product and shop names), kept whole by segmentation and ranked first as keywords."""
    words = frozenset(w.strip() for w in (workspace_words or ()) if w and w.strip())
    return analyse(prepare_all(texts, words=words), workspace_words=words, model=model)


def analyse(
    prepared: Sequence[Prepared],
    *,
    workspace_words: frozenset[str] = frozenset(),
    model: Model | None = None,
) -> list[Enrichment]:
    """``enrich`` for texts already prepared (the commands prepare once for several outputs)."""
    scores = sentiment.scores(prepared, model=model or corpus.default_model())
    out: list[Enrichment] = []
    for p, raw in zip(prepared, scores, strict=True):
        score = round(float(raw), 4)
        polarity = sentiment.label(score)
        complaint = round(complaints.complaint_score(p, sentiment_score=score), 4)
        out.append(
            Enrichment(
                sentiment=str(polarity),
                score=score,
                aspects=aspects_module.detect_aspects(p, overall=polarity),
                is_complaint=complaint >= complaints.THRESHOLD,
                complaint_score=complaint,
                keywords=keywords.keywords(p, workspace_words=workspace_words),
            )
        )
    return out


def warm_up() -> None:
    """Load jieba, the IDF table and the default model now (building it on a new install)."""
    segment.warm_up()
    keywords.warm_up()
    corpus.default_model()
