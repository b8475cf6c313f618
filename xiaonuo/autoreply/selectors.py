"""Reads of auto-reply, always within one workspace. The console and the API share these."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.autoreply.exceptions import AutoReplyError
from xiaonuo.autoreply.matching import DEFAULT_THRESHOLD
from xiaonuo.autoreply.models import (
    AutoReplySettings,
    FaqEntry,
    FaqRevision,
    HandOffReason,
    KeywordRule,
    Outcome,
    ReplyLog,
    SynonymGroup,
    UnansweredGroup,
    UnansweredStatus,
)
from xiaonuo.channels.models import ChannelKind
from xiaonuo.lib.errors import NotFound

# The bot answers on WeChat Official Accounts unless the workspace chooses otherwise.
DEFAULT_CHANNEL_KINDS = [ChannelKind.WECHAT_OA.value]


def get_settings(*, workspace: Workspace, for_update: bool = False) -> AutoReplySettings:
    """The workspace's auto-reply settings, created with the defaults on first use (the row
    carries the knowledge base's revision counter, so it must exist once anything changes)."""
    rows = AutoReplySettings.objects.filter(workspace=workspace)
    if for_update:
        rows = rows.select_for_update()
    found = rows.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            AutoReplySettings.objects.create(
                workspace=workspace, channel_kinds=list(DEFAULT_CHANNEL_KINDS)
            )
    except IntegrityError:
        pass  # another request created it first
    return rows.get()


def threshold_of(settings_row: AutoReplySettings) -> float:
    return settings_row.threshold if settings_row.threshold is not None else DEFAULT_THRESHOLD


def entry_not_found() -> NotFound:
    return NotFound(AutoReplyError.ENTRY_NOT_FOUND, "FAQ entry not found")


def get_entry(*, workspace: Workspace, entry_id: int, for_update: bool = False) -> FaqEntry:
    rows = FaqEntry.objects.filter(workspace=workspace, pk=entry_id)
    if for_update:
        rows = rows.select_for_update()
    entry = rows.first()
    if entry is None:
        raise entry_not_found()
    return entry


def list_entries(
    *,
    workspace: Workspace,
    search: str = "",
    tag: str = "",
    enabled: bool | None = None,
) -> QuerySet[FaqEntry]:
    """Entries newest first, with their phrasings prefetched; ``search`` looks in the question
    and the other phrasings."""
    rows = FaqEntry.objects.filter(workspace=workspace)
    if search.strip():
        term = search.strip()
        rows = rows.filter(Q(question__icontains=term) | Q(phrasings__text__icontains=term))
    if enabled is not None:
        rows = rows.filter(enabled=enabled)
    rows = rows.distinct().order_by("-pk").prefetch_related("phrasings")
    if tag.strip():
        # JSON containment differs between SQLite and PostgreSQL; tags are few, so filter here.
        wanted = tag.strip()
        ids = [pk for pk, tags in rows.values_list("pk", "tags") if wanted in (tags or [])]
        rows = rows.filter(pk__in=ids)
    return rows


def list_entry_history(*, workspace: Workspace, entry_id: int) -> QuerySet[FaqRevision]:
    return (
        FaqRevision.objects.filter(workspace=workspace, entry_id=entry_id)
        .select_related("actor")
        .order_by("-pk")
    )


def list_deleted_entries(*, workspace: Workspace) -> QuerySet[FaqRevision]:
    return FaqRevision.objects.filter(workspace=workspace, action="deleted").order_by("-pk")


def get_synonym_group(*, workspace: Workspace, group_id: int) -> SynonymGroup:
    group = SynonymGroup.objects.filter(workspace=workspace, pk=group_id).first()
    if group is None:
        raise NotFound(AutoReplyError.SYNONYM_GROUP_NOT_FOUND, "Synonym group not found")
    return group


def list_synonym_groups(*, workspace: Workspace) -> QuerySet[SynonymGroup]:
    return SynonymGroup.objects.filter(workspace=workspace).order_by("pk")


def list_dictionary(*, workspace: Workspace) -> list[str]:
    from xiaonuo.autoreply.models import DictionaryWord

    return list(
        DictionaryWord.objects.filter(workspace=workspace)
        .order_by("word")
        .values_list("word", flat=True)
    )


def get_rule(*, workspace: Workspace, rule_id: int, for_update: bool = False) -> KeywordRule:
    rows = KeywordRule.objects.filter(workspace=workspace, pk=rule_id)
    if for_update:
        rows = rows.select_for_update()
    rule = rows.first()
    if rule is None:
        raise NotFound(AutoReplyError.RULE_NOT_FOUND, "Keyword rule not found")
    return rule


def list_rules(*, workspace: Workspace) -> QuerySet[KeywordRule]:
    return KeywordRule.objects.filter(workspace=workspace).order_by("-priority", "pk")


# --- what the bot did ------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    entry_id: int
    question: str
    confidence: float
    why: dict[str, float]


@dataclass(frozen=True)
class HandOff:
    """The bot's latest hand-off of a ticket: why, the customer's question and the entries the
    matcher thought closest (best first) — the agent's suggestion panel."""

    log_id: int
    message_id: int
    query: str
    reason: str
    created_at: datetime
    suggestions: list[Suggestion]


def get_hand_off(*, workspace: Workspace, ticket_id: int) -> HandOff | None:
    log = (
        ReplyLog.objects.filter(workspace=workspace, ticket_id=ticket_id)
        .order_by("-pk")
        .filter(outcome=Outcome.HANDED_OFF)
        .first()
    )
    if log is None:
        return None
    live = set(
        FaqEntry.objects.filter(
            workspace=workspace, pk__in=[int(c["faq_id"]) for c in log.candidates]
        ).values_list("pk", flat=True)
    )
    return HandOff(
        log_id=log.pk,
        message_id=log.message_id,
        query=log.query,
        reason=log.reason,
        created_at=log.created_at,
        suggestions=[
            Suggestion(
                entry_id=int(c["faq_id"]),
                question=c.get("question", ""),
                confidence=float(c["confidence"]),
                why=c.get("why", {}),
            )
            for c in log.candidates
            if int(c["faq_id"]) in live
        ],
    )


def list_ticket_log(*, workspace: Workspace, ticket_id: int) -> QuerySet[ReplyLog]:
    return (
        ReplyLog.objects.filter(workspace=workspace, ticket_id=ticket_id)
        .select_related("entry", "rule")
        .order_by("pk")
    )


def get_group(*, workspace: Workspace, group_id: int, for_update: bool = False) -> UnansweredGroup:
    rows = UnansweredGroup.objects.filter(workspace=workspace, pk=group_id)
    if for_update:
        rows = rows.select_for_update()
    group = rows.first()
    if group is None:
        raise NotFound(AutoReplyError.GROUP_NOT_FOUND, "Unanswered question group not found")
    return group


def list_unanswered_groups(
    *, workspace: Workspace, status: str = UnansweredStatus.SUGGESTED, limit: int = 50
) -> list[UnansweredGroup]:
    return list(
        UnansweredGroup.objects.filter(workspace=workspace, status=status).order_by(
            "-period_end", "-count", "pk"
        )[:limit]
    )


# --- metrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryHelpfulness:
    entry_id: int
    question: str
    answered: int
    not_helpful: int

    @property
    def helpful_share(self) -> float | None:
        return (self.answered - self.not_helpful) / self.answered if self.answered else None


@dataclass(frozen=True)
class Metrics:
    """Auto-reply over ``[start, end)``. ``answered_share`` = answered / (answered + handed
    off); messages arriving while a person already had the ticket are counted apart."""

    start: datetime
    end: datetime
    answered: int
    answered_by_rule: int
    answered_by_faq: int
    handed_off: int
    with_person: int
    hand_offs_by_reason: dict[str, int]
    entries: list[EntryHelpfulness]
    top_unanswered: list[UnansweredGroup]

    @property
    def answered_share(self) -> float | None:
        asked = self.answered + self.handed_off
        return self.answered / asked if asked else None


def get_metrics(*, workspace: Workspace, start: datetime, end: datetime, top: int = 10) -> Metrics:
    """Answered share, hand-offs by reason, helpfulness per entry and the top unanswered
    groups. An FAQ answer was *not helpful* when the same conversation was handed off, or the
    same entry answered again, within the workspace's ``helpful_window_minutes`` after it."""
    rows = ReplyLog.objects.filter(workspace=workspace, created_at__gte=start, created_at__lt=end)
    counts = {
        (o, r): n
        for o, r, n in rows.values_list("outcome", "reason")
        .annotate(n=Count("pk"))
        .values_list("outcome", "reason", "n")
    }

    def total(outcome: str) -> int:
        return sum(n for (o, _), n in counts.items() if o == outcome)

    by_reason = {
        reason: counts.get((Outcome.HANDED_OFF, reason), 0)
        for reason in HandOffReason.values
        if reason
    }
    window = timedelta(minutes=get_settings(workspace=workspace).helpful_window_minutes)
    return Metrics(
        start=start,
        end=end,
        answered=total(Outcome.ANSWERED_RULE) + total(Outcome.ANSWERED_FAQ),
        answered_by_rule=total(Outcome.ANSWERED_RULE),
        answered_by_faq=total(Outcome.ANSWERED_FAQ),
        handed_off=total(Outcome.HANDED_OFF),
        with_person=total(Outcome.WITH_PERSON),
        hand_offs_by_reason=by_reason,
        entries=_helpfulness(rows, window=window),
        top_unanswered=list(
            UnansweredGroup.objects.filter(
                workspace=workspace, period_end__gt=start, period_start__lt=end
            )
            .exclude(status=UnansweredStatus.DISMISSED)
            .order_by("-count", "pk")[:top]
        ),
    )


def _helpfulness(rows: QuerySet[ReplyLog], *, window: timedelta) -> list[EntryHelpfulness]:
    # One pass over the range's rows in conversation order: each FAQ answer is judged by what
    # its conversation did next. Rows are small (no text), so a week of a busy account fits.
    answered: dict[int, int] = {}
    unhelpful: dict[int, int] = {}
    questions: dict[int, str] = {}
    previous: tuple[int, int, datetime] | None = None  # conversation, entry, time of an answer
    ordered = rows.order_by("conversation_id", "pk").values_list(
        "conversation_id", "outcome", "entry_id", "created_at", "entry__question"
    )
    for conversation_id, outcome, entry_id, created_at, question in ordered.iterator():
        if previous is not None and previous[0] == conversation_id:
            soon = created_at - previous[2] <= window
            repeated = outcome == Outcome.ANSWERED_FAQ and entry_id == previous[1]
            if soon and (outcome == Outcome.HANDED_OFF or repeated):
                unhelpful[previous[1]] = unhelpful.get(previous[1], 0) + 1
        previous = None
        if outcome == Outcome.ANSWERED_FAQ and entry_id is not None:
            answered[entry_id] = answered.get(entry_id, 0) + 1
            questions[entry_id] = question
            previous = (conversation_id, entry_id, created_at)
    return sorted(
        (
            EntryHelpfulness(
                entry_id=entry_id,
                question=questions[entry_id],
                answered=n,
                not_helpful=unhelpful.get(entry_id, 0),
            )
            for entry_id, n in answered.items()
        ),
        key=lambda e: (-e.answered, e.entry_id),
    )


# --- the console's extra reads (the knowledge-base editor's tag filter, the metrics chart) -----


def list_entry_tags(*, workspace: Workspace) -> list[str]:
    """Every tag used by the workspace's entries, sorted: the editor's tag filter. Tags live in a
    JSON list per entry (few per entry), so they are gathered here rather than in SQL."""
    tags: set[str] = set()
    for entry_tags in FaqEntry.objects.filter(workspace=workspace).values_list("tags", flat=True):
        tags.update(entry_tags or [])
    return sorted(tags)


@dataclass(frozen=True)
class DayOutcomes:
    day: date
    answered: int  # by a keyword rule or an FAQ entry
    handed_off: int


def list_daily_outcomes(
    *, workspace: Workspace, start: datetime, end: datetime
) -> list[DayOutcomes]:
    """Answered and handed-off questions per day of ``[start, end)`` in the current time zone,
    every day present (zero when nothing happened): the metrics page's chart."""
    rows = (
        ReplyLog.objects.filter(
            workspace=workspace,
            created_at__gte=start,
            created_at__lt=end,
            outcome__in=[Outcome.ANSWERED_RULE, Outcome.ANSWERED_FAQ, Outcome.HANDED_OFF],
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "outcome")
        .annotate(n=Count("pk"))
        .values_list("day", "outcome", "n")
    )
    answered: dict[date, int] = {}
    handed_off: dict[date, int] = {}
    for day, outcome, n in rows:
        target = handed_off if outcome == Outcome.HANDED_OFF else answered
        target[day] = target.get(day, 0) + n
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - timedelta(microseconds=1)).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [
        DayOutcomes(day=d, answered=answered.get(d, 0), handed_off=handed_off.get(d, 0))
        for d in days
    ]
