"""Questions the bot could not answer, grouped every week into suggested new FAQ entries.

Grouping is a leader algorithm over TF-IDF vectors of character n-grams (1–2): Chinese needs
no segmentation for this, and typos or a changed word still share most n-grams. Distinct
questions are taken most frequent first; each joins the most similar group leader when the
cosine similarity reaches ``SIMILARITY``, else leads a new group. Linear in the number of
groups per question, so a busy week of tens of thousands of questions groups in seconds, where
agglomerative clustering would need a quadratic distance matrix.
"""

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply.exceptions import AutoReplyError
from xiaonuo.autoreply.models import (
    QUESTION_MAX_CHARS,
    FaqEntry,
    UnansweredGroup,
    UnansweredQuestion,
    UnansweredStatus,
)
from xiaonuo.autoreply.services.knowledge import Answer, FaqInput, create_entry
from xiaonuo.lib.errors import ServiceError

# Cosine of char 1–2-gram TF-IDF vectors. Measured on a small week: rewordings of one question
# score 0.4–0.7 (能寄香港吗 ~ 可以寄到香港吗 0.47, 退款怎么操作 ~ 怎么退款 0.58), different
# questions below 0.25.
SIMILARITY = 0.35
MIN_GROUP = 2  # a question asked once is not yet a pattern
MAX_EXAMPLES = 10
MAX_DISTINCT = 20_000  # the most frequent distinct questions of a week; the rest are rarer
PERIOD = timedelta(days=7)


def group_unanswered(*, workspace: Workspace, now: datetime | None = None) -> list[UnansweredGroup]:
    """Group the last week's ungrouped unanswered questions; returns the new groups, largest
    first. Idempotent: a question belongs to one group, so a second run finds nothing new."""
    end = now or timezone.now()
    start = end - PERIOD
    questions = list(
        UnansweredQuestion.objects.filter(
            workspace=workspace, group__isnull=True, created_at__gte=start, created_at__lt=end
        ).values_list("pk", "text")
    )
    if not questions:
        return []
    counts = Counter(_key(text) for _, text in questions)
    first_text: dict[str, str] = {}
    for _pk, text in questions:
        first_text.setdefault(_key(text), text)
    distinct = [key for key, _n in counts.most_common(MAX_DISTINCT) if key]
    clusters = cluster_texts(distinct)
    groups: list[UnansweredGroup] = []
    with transaction.atomic():
        for members in clusters:
            total = sum(counts[key] for key in members)
            if total < MIN_GROUP:
                continue
            group = UnansweredGroup.objects.create(
                workspace=workspace,
                period_start=start,
                period_end=end,
                suggested_question=first_text[members[0]][:QUESTION_MAX_CHARS],
                count=total,
                examples=[first_text[key] for key in members[:MAX_EXAMPLES]],
            )
            wanted = set(members)
            UnansweredQuestion.objects.filter(
                pk__in=[pk for pk, text in questions if _key(text) in wanted]
            ).update(group=group)
            groups.append(group)
    return sorted(groups, key=lambda g: -g.count)


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def cluster_texts(texts: list[str]) -> list[list[str]]:
    """``texts`` (most frequent first) in groups of similar ones; each group is in input order,
    so its first text is the most frequent (the suggested question)."""
    if not texts:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform(texts)
    leaders: list[int] = []
    members: list[list[str]] = []
    leader_rows = None
    for i, text in enumerate(texts):
        row = vectors[i]
        if leader_rows is not None:
            similarities = (leader_rows @ row.T).toarray().ravel()
            best = int(np.argmax(similarities))
            if similarities[best] >= SIMILARITY:
                members[best].append(text)
                continue
        leaders.append(i)
        members.append([text])
        leader_rows = vectors[leaders]
    return members


def accept_group(*, workspace: Workspace, group_id: int, actor: Actor) -> FaqEntry:
    """One click: the group becomes a new entry — its most frequent question as the standard
    question, the other examples as phrasings — disabled until someone writes its answer."""
    with transaction.atomic():
        group = autoreply_selectors.get_group(
            workspace=workspace, group_id=group_id, for_update=True
        )
        _refuse_decided(group)
        existing = FaqEntry.objects.filter(
            workspace=workspace, question=" ".join(group.suggested_question.split())
        ).first()
        entry = existing or create_entry(
            workspace=workspace,
            data=FaqInput(
                question=group.suggested_question,
                phrasings=group.examples[1:],
                answer=Answer(),
                enabled=False,
            ),
            actor=actor,
        )
        group.status, group.entry = UnansweredStatus.ACCEPTED, entry
        group.save(update_fields=["status", "entry"])
    return entry


def dismiss_group(*, workspace: Workspace, group_id: int, actor: Actor) -> UnansweredGroup:
    with transaction.atomic():
        group = autoreply_selectors.get_group(
            workspace=workspace, group_id=group_id, for_update=True
        )
        _refuse_decided(group)
        group.status = UnansweredStatus.DISMISSED
        group.save(update_fields=["status"])
    return group


def _refuse_decided(group: UnansweredGroup) -> None:
    if group.status != UnansweredStatus.SUGGESTED:
        raise ServiceError(
            AutoReplyError.GROUP_DECIDED,
            "This group was already turned into an entry or dismissed",
            status=409,
            status_now=group.status,
        )


def erase_customer_questions(*, workspace_id: int, customer_id: int) -> None:
    """A privacy erasure, run before the desk deletes the person's messages (their questions go
    with them): what the weekly groups copied of their words goes too. An example with the same
    wording as one of theirs is removed even if someone else also asked it; a suggested group
    left without examples is deleted, and the count no longer includes their questions."""
    theirs = list(
        UnansweredQuestion.objects.filter(
            workspace_id=workspace_id,
            log__message__conversation__customer_id=customer_id,
            group__isnull=False,
        ).values_list("group_id", "text")
    )
    if not theirs:
        return
    keys: dict[int, set[str]] = {}
    asked: Counter[int] = Counter()
    for group_id, text in theirs:
        keys.setdefault(group_id, set()).add(_key(text))
        asked[group_id] += 1
    with transaction.atomic():
        for group in UnansweredGroup.objects.select_for_update().filter(pk__in=keys):
            examples = [text for text in group.examples if _key(text) not in keys[group.pk]]
            if not examples and group.status == UnansweredStatus.SUGGESTED:
                group.delete()
                continue
            if _key(group.suggested_question) in keys[group.pk]:
                group.suggested_question = examples[0][:QUESTION_MAX_CHARS] if examples else ""
            group.examples = examples
            group.count = max(0, group.count - asked[group.pk])
            group.save(update_fields=["examples", "suggested_question", "count"])
