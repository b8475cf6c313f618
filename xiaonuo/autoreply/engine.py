"""The per-workspace matcher and keyword rules, built once and kept in each web process.

Building a matcher costs seconds at 10,000 entries (BM25 indexes, the entry classifier and the
re-ranker); matching costs about a millisecond. So each process keeps one ``Brain`` per
workspace and rebuilds it only when the workspace's ``kb_revision`` changed — every write to
what the matcher is built from bumps it in the same transaction — or when an entry's validity
period starts or ends (``valid_after``). The revision arrives with the settings row that
``respond`` reads anyway, so noticing another process's change costs no extra query.

Only a process's very first request for a workspace builds while it waits (the other
requests of that workspace wait on its lock rather than building twice); ``warm`` lets a
start-up or a job pay that instead. Later rebuilds run in a background thread while the
requests go on with the previous brain — about 15 s at 10,000 entries on the 2-core machine,
far beyond WeChat's 5-second reply deadline — so answers follow a change within seconds
rather than at once. Tests rebuild in the request (``AUTOREPLY_REBUILD_IN_BACKGROUND``).
"""

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from xiaonuo.autoreply.matching import Feedback, KbEntry, Matcher
from xiaonuo.autoreply.models import (
    AutoReplySettings,
    DictionaryWord,
    FaqEntry,
    FaqPhrasing,
    KeywordRule,
    MatchFeedback,
    MatchType,
    SynonymGroup,
)
from xiaonuo.channels.models import Channel

# Keyword rules see at most this much of a message: with the pattern checks at save time
# (``rules.check_pattern``) this bounds a regular expression's work.
RULE_TEXT_MAX_CHARS = 300


@dataclass(frozen=True)
class CompiledRule:
    rule_id: int
    match_type: str
    pattern: str  # folded (lower case) for exact and contains
    regex: re.Pattern[str] | None

    def matches(self, text: str) -> bool:
        if self.match_type == MatchType.EXACT:
            return text.strip().lower() == self.pattern
        if self.match_type == MatchType.CONTAINS:
            return self.pattern in text.lower()
        return self.regex is not None and self.regex.search(text[:RULE_TEXT_MAX_CHARS]) is not None


@dataclass
class Brain:
    revision: int
    matcher: Matcher
    rules: tuple[CompiledRule, ...]  # enabled rules, highest priority first
    # The next moment an entry's validity starts or ends: the brain is stale from then on.
    valid_until: datetime | None
    built_in_seconds: float
    entry_count: int
    questions: dict[str, str] = field(default_factory=dict)  # faq_id → standard question

    def stale(self, *, revision: int, now: datetime) -> bool:
        return revision != self.revision or (
            self.valid_until is not None and now >= self.valid_until
        )


logger = logging.getLogger(__name__)

_brains: dict[int, Brain] = {}
_rebuilding: set[int] = set()  # workspaces whose background rebuild is under way
_channel_kinds: dict[int, str] = {}  # a channel's kind never changes: one look-up per process
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def brain_for(settings_row: AutoReplySettings) -> Brain:
    """The workspace's current brain, rebuilt first if its revision moved on."""
    workspace_id = settings_row.workspace_id
    now = timezone.now()
    brain = _brains.get(workspace_id)
    if brain is not None and not brain.stale(revision=settings_row.kb_revision, now=now):
        return brain
    if brain is not None and getattr(settings, "AUTOREPLY_REBUILD_IN_BACKGROUND", True):
        _rebuild_in_background(workspace_id)
        return brain
    with _lock(workspace_id):
        brain = _brains.get(workspace_id)
        if brain is None or brain.stale(revision=settings_row.kb_revision, now=now):
            brain = build(workspace_id=workspace_id, revision=settings_row.kb_revision, now=now)
            _brains[workspace_id] = brain
    return brain


def warm(settings_row: AutoReplySettings) -> Brain:
    """Build the workspace's brain now if this process has none, and load the segmenter's
    dictionary with the hand-off word lists (about a second), so that a server's start-up
    pays for them rather than its first customer."""
    from xiaonuo.autoreply import grinding

    grinding.asks_for_person("预热")
    brain = brain_for(settings_row)
    brain.matcher.match("预热一下")  # the matcher's own first-call loading
    return brain


def _rebuild_in_background(workspace_id: int) -> None:
    with _locks_guard:
        if workspace_id in _rebuilding:
            return
        _rebuilding.add(workspace_id)
    threading.Thread(
        target=_rebuild, args=(workspace_id,), name=f"autoreply-rebuild-{workspace_id}", daemon=True
    ).start()


def _rebuild(workspace_id: int) -> None:
    try:
        # The revision is read before the rows: a change in between labels the new brain with
        # an older revision, so it is simply rebuilt once more — never the reverse.
        revision = (
            AutoReplySettings.objects.filter(workspace_id=workspace_id)
            .values_list("kb_revision", flat=True)
            .first()
        )
        _brains[workspace_id] = build(
            workspace_id=workspace_id, revision=revision or 0, now=timezone.now()
        )
    except Exception:
        logger.exception("auto-reply could not rebuild the matcher of workspace %s", workspace_id)
    finally:
        connection.close()  # this thread's own connection
        with _locks_guard:
            _rebuilding.discard(workspace_id)


def forget(workspace_id: int | None = None) -> None:
    """Drop a process's brain (a deleted workspace), or all of them (tests: a rolled-back
    database reuses workspace ids and revisions)."""
    if workspace_id is None:
        _brains.clear()
        _channel_kinds.clear()
    else:
        _brains.pop(workspace_id, None)


def channel_kind(channel_id: int) -> str:
    kind = _channel_kinds.get(channel_id)
    if kind is None:
        kind = Channel.objects.filter(pk=channel_id).values_list("kind", flat=True).get()
        _channel_kinds[channel_id] = kind
    return kind


def _lock(workspace_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(workspace_id, threading.Lock())


def build(*, workspace_id: int, revision: int, now: datetime) -> Brain:
    started = time.perf_counter()
    live = Q(valid_from__isnull=True) | Q(valid_from__lte=now)
    live &= Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    entries = list(
        FaqEntry.objects.filter(live, workspace_id=workspace_id, enabled=True)
        .order_by("pk")
        .values_list("pk", "question")
    )
    phrasings: dict[int, list[str]] = {}
    for entry_id, text in FaqPhrasing.objects.filter(
        workspace_id=workspace_id, entry__in=[pk for pk, _ in entries]
    ).values_list("entry_id", "text"):
        phrasings.setdefault(entry_id, []).append(text)
    matcher = Matcher.build(
        [KbEntry(str(pk), (question, *phrasings.get(pk, ()))) for pk, question in entries],
        user_words=DictionaryWord.objects.filter(workspace_id=workspace_id).values_list(
            "word", flat=True
        ),
        synonyms=[
            tuple(words)
            for words in SynonymGroup.objects.filter(workspace_id=workspace_id).values_list(
                "words", flat=True
            )
        ],
        feedback=[
            Feedback(query=query, faq_id=str(entry_id))
            for query, entry_id in MatchFeedback.objects.filter(
                workspace_id=workspace_id
            ).values_list("query", "entry_id")
        ],
    )
    return Brain(
        revision=revision,
        matcher=matcher,
        rules=_compiled_rules(workspace_id),
        valid_until=_next_validity_change(workspace_id=workspace_id, now=now),
        built_in_seconds=time.perf_counter() - started,
        entry_count=len(entries),
        questions={str(pk): question for pk, question in entries},
    )


def _compiled_rules(workspace_id: int) -> tuple[CompiledRule, ...]:
    rules = KeywordRule.objects.filter(workspace_id=workspace_id, enabled=True).order_by(
        "-priority", "pk"
    )
    compiled = []
    for rule in rules:
        regex = None
        if rule.match_type == MatchType.REGEX:
            try:
                regex = re.compile(rule.pattern, re.IGNORECASE)
            except re.error:
                continue  # checked when saved; a rule that no longer compiles is skipped
        compiled.append(
            CompiledRule(
                rule_id=rule.pk,
                match_type=rule.match_type,
                pattern=rule.pattern.strip().lower(),
                regex=regex,
            )
        )
    return tuple(compiled)


def _next_validity_change(*, workspace_id: int, now: datetime) -> datetime | None:
    enabled = FaqEntry.objects.filter(workspace_id=workspace_id, enabled=True)
    starts = (
        enabled.filter(valid_from__gt=now)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
    ).first()
    ends = (
        enabled.filter(valid_until__gt=now)
        .order_by("valid_until")
        .values_list("valid_until", flat=True)
    ).first()
    moments = [moment for moment in (starts, ends) if moment is not None]
    return min(moments) if moments else None
