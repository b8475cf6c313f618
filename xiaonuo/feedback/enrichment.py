"""Enrichment of every inbound text, in background jobs (docs/decisions/0017).

Reviews, customers' messages and survey comments are enriched by ``xiaonuo.nlp.enrich`` in
batches: a review's results go on the review itself; a message's or a survey comment's go in
``Enrichment`` (keyed by source kind and id, so the desk's tables are untouched). Every text's
aspect mentions are also flattened into ``Mention`` rows for the quadrant. Each function takes
ids, skips what is already done and is safe to run twice.

The workspace's automatic-complaint rule is applied here too: a text that matches it opens a
complaint through the desk's complaint service, once per text (``AutoComplaint`` is unique).
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import (
    AuthorKind,
    ComplaintCategory,
    ComplaintSeverity,
    Message,
    MessageKind,
    Ticket,
)
from xiaonuo.desk.surveys.models import Response
from xiaonuo.feedback import corrections
from xiaonuo.feedback.models import (
    AutoComplaint,
    Axis,
    Enrichment,
    FeedbackSettings,
    Mention,
    MentionCount,
    Review,
    SourceKind,
)
from xiaonuo.lib.errors import ServiceError
from xiaonuo.nlp.enrich import Enrichment as Found
from xiaonuo.nlp.enrich import enrich

logger = logging.getLogger(__name__)

BATCH = 500  # texts per enrich() call: one model call, one bulk write
# Which axis of the quadrant each nlp aspect counts on (docs/decisions/0017: price is value for
# money and "other" names nothing, so neither moves an axis).
AXIS_OF_ASPECT = {
    "product": Axis.PRODUCT,
    "service": Axis.SERVICE,
    "logistics": Axis.SERVICE,
    "environment": Axis.SERVICE,
}
COMPLAINT_CATEGORY_OF_ASPECT = {
    "product": ComplaintCategory.PRODUCT_QUALITY,
    "service": ComplaintCategory.SERVICE_ATTITUDE,
    "logistics": ComplaintCategory.LOGISTICS,
    "price": ComplaintCategory.PRICE,
}


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def _aspects(found: Found) -> list[dict[str, str]]:
    # One entry per aspect and polarity: "质量好…质量也好" is one opinion, not two.
    seen: dict[tuple[str, str], None] = {}
    for mention in found.aspects:
        seen.setdefault((mention.aspect, mention.polarity), None)
    return [{"aspect": a, "polarity": p} for a, p in seen]


def _mentions(
    *,
    workspace_id: int,
    kind: str,
    source_id: int,
    moment: datetime,
    found: Found,
    store: str = "",
    product: str = "",
) -> list[Mention]:
    month = month_of(moment)
    return [
        Mention(
            workspace_id=workspace_id,
            source_kind=kind,
            source_id=source_id,
            month=month,
            store=store,
            product=product,
            aspect=entry["aspect"],
            axis=AXIS_OF_ASPECT.get(entry["aspect"], Axis.NONE),
            polarity=entry["polarity"],
            keywords=list(found.keywords[:8]),
        )
        for entry in _aspects(found)
    ]


CountKey = tuple[
    str, date, str, str, str, str
]  # source kind, month, store, product, axis, polarity


def add_counts(*, workspace_id: int, mentions: Iterable[Mention], sign: int = 1) -> None:
    """Add (``sign=1``) or take away (``-1``) these mentions in the quadrant's rollup. The
    workspace's settings row is locked meanwhile, so concurrent jobs add up correctly."""
    deltas: Counter[CountKey] = Counter(
        (m.source_kind, m.month, m.store, m.product, m.axis, m.polarity)
        for m in mentions
        if m.axis in (Axis.PRODUCT, Axis.SERVICE)
    )
    if not deltas:
        return
    with transaction.atomic():
        FeedbackSettings.objects.get_or_create(workspace_id=workspace_id)
        FeedbackSettings.objects.select_for_update().filter(workspace_id=workspace_id).first()
        existing = {
            (c.source_kind, c.month, c.store, c.product, c.axis, c.polarity): c
            for c in MentionCount.objects.filter(
                workspace_id=workspace_id, month__in={key[1] for key in deltas}
            )
        }
        changed, created = [], []
        for key, n in deltas.items():
            if key in existing:
                existing[key].count = max(0, existing[key].count + sign * n)
                changed.append(existing[key])
            elif sign > 0:
                kind, month, store, product, axis, polarity = key
                created.append(
                    MentionCount(
                        workspace_id=workspace_id,
                        source_kind=kind,
                        month=month,
                        store=store,
                        product=product,
                        axis=axis,
                        polarity=polarity,
                        count=n,
                    )
                )
        table = connection.ops.quote_name(MentionCount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {connection.ops.quote_name('count')} = %s WHERE id = %s",  # noqa: S608
                [[c.count, c.pk] for c in changed],
            )
        MentionCount.objects.bulk_create(created, batch_size=BATCH)
        MentionCount.objects.filter(pk__in=[c.pk for c in changed if c.count == 0]).delete()


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


# --- Reviews ------------------------------------------------------------------------------------


def enrich_reviews(*, review_ids: Sequence[int], force: bool = False) -> int:
    """Enrich these reviews (those not enriched yet, unless ``force``); returns how many."""
    done = 0
    for chunk in _chunks(review_ids):
        qs = Review.objects.filter(pk__in=chunk)
        if not force:
            qs = qs.filter(enriched_at__isnull=True)
        reviews = list(qs.order_by("pk"))
        by_workspace: dict[int, list[Review]] = defaultdict(list)
        for review in reviews:
            by_workspace[review.workspace_id].append(review)
        for workspace_id, group in by_workspace.items():
            done += _enrich_review_group(workspace_id, group)
    return done


def _enrich_review_group(workspace_id: int, reviews: list[Review]) -> int:
    words = {r.store for r in reviews if r.store} | {r.product for r in reviews if r.product}
    results = enrich(
        [r.text for r in reviews],
        workspace_words=words,
        model=corrections.model_for(workspace_id),
    )
    # A staff correction outranks the model, also when a review is enriched again.
    corrected = corrections.corrected_labels(
        source_kind=SourceKind.REVIEW, source_ids=[r.pk for r in reviews]
    )
    now = timezone.now()
    mentions: list[Mention] = []
    for review, found in zip(reviews, results, strict=True):
        review.sentiment = corrected.get(review.pk, found.sentiment)
        review.score = found.score
        review.aspects = _aspects(found)
        review.is_complaint = found.is_complaint
        review.keywords = list(found.keywords)
        review.enriched_at = now
        mentions += _mentions(
            workspace_id=workspace_id,
            kind=SourceKind.REVIEW,
            source_id=review.pk,
            moment=review.reviewed_at,
            found=found,
            store=review.store,
            product=review.product,
        )
    with transaction.atomic():
        _save_review_enrichments(reviews)
        old = Mention.objects.filter(
            source_kind=SourceKind.REVIEW, source_id__in=[r.pk for r in reviews]
        )
        add_counts(workspace_id=workspace_id, mentions=list(old), sign=-1)
        old.delete()
        Mention.objects.bulk_create(mentions, batch_size=BATCH)
        add_counts(workspace_id=workspace_id, mentions=mentions)
    rule = _rule(workspace_id)
    if rule is not None:
        for review, found in zip(reviews, results, strict=True):
            if review.customer_id is not None:
                _apply_rule(
                    rule,
                    kind=SourceKind.REVIEW,
                    source_id=review.pk,
                    customer_id=review.customer_id,
                    found=found,
                    text=review.text,
                    moment=review.reviewed_at,
                )
    return len(reviews)


def _save_review_enrichments(reviews: list[Review]) -> None:
    """One UPDATE per review through ``executemany``: Django's bulk_update builds a CASE per
    column and row, which took seconds for a few thousand reviews."""
    table = connection.ops.quote_name(Review._meta.db_table)
    columns = ("sentiment", "score", "aspects", "is_complaint", "keywords", "enriched_at")
    fields = [cast(Field, Review._meta.get_field(name)) for name in columns]
    assignments = ", ".join(
        f"{connection.ops.quote_name(cast(str, f.column))} = %s" for f in fields
    )
    rows = [
        [f.get_db_prep_save(getattr(review, f.attname), connection) for f in fields] + [review.pk]
        for review in reviews
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608


# --- Messages and survey comments ---------------------------------------------------------------


Row = tuple[int, int, str, datetime, int | None]  # id, workspace id, text, when, customer id


def enrich_messages(*, message_ids: Sequence[int]) -> int:
    """Enrich customers' inbound messages (others are ignored); returns how many were new."""
    return _enrich_new(
        SourceKind.MESSAGE,
        message_ids,
        lambda ids: (
            Message.objects.filter(
                pk__in=ids, kind=MessageKind.INBOUND, author_kind=AuthorKind.CUSTOMER
            )
            .exclude(text="")
            .values_list("pk", "workspace_id", "text", "created_at", "conversation__customer_id")
        ),
    )


def enrich_survey_responses(*, response_ids: Sequence[int]) -> int:
    """Enrich survey comments (responses without one are ignored); returns how many were new."""
    return _enrich_new(
        SourceKind.SURVEY,
        response_ids,
        lambda ids: (
            Response.objects.filter(pk__in=ids)
            .exclude(comment="")
            .values_list("pk", "workspace_id", "comment", "created_at", "invitation__customer_id")
        ),
    )


def _enrich_new(
    kind: str,
    source_ids: Sequence[int],
    read: Callable[[list[int]], Iterable[Row]],
) -> int:
    """Enrich the sources of one kind that have no enrichment yet, a chunk at a time. ``read``
    gives (id, workspace id, text, created at, customer id) of the given ids that qualify."""
    done = 0
    for chunk in _chunks(source_ids):
        already = set(
            Enrichment.objects.filter(source_kind=kind, source_id__in=chunk).values_list(
                "source_id", flat=True
            )
        )
        done += _store_enrichments(kind, list(read([i for i in chunk if i not in already])))
    return done


def _store_enrichments(kind: str, rows: list[Row]) -> int:
    by_workspace: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_workspace[row[1]].append(row)
    done = 0
    for workspace_id, group in by_workspace.items():
        results = enrich(
            [text for _, _, text, _, _ in group], model=corrections.model_for(workspace_id)
        )
        now = timezone.now()
        enrichments, mentions = [], []
        for (source_id, _, _, moment, customer_id), found in zip(group, results, strict=True):
            enrichments.append(
                Enrichment(
                    workspace_id=workspace_id,
                    source_kind=kind,
                    source_id=source_id,
                    customer_id=customer_id,
                    occurred_at=moment,
                    sentiment=found.sentiment,
                    score=found.score,
                    aspects=_aspects(found),
                    is_complaint=found.is_complaint,
                    complaint_score=found.complaint_score,
                    keywords=list(found.keywords),
                    enriched_at=now,
                )
            )
            mentions += _mentions(
                workspace_id=workspace_id,
                kind=kind,
                source_id=source_id,
                moment=moment,
                found=found,
            )
        with transaction.atomic():
            # A concurrent run of the same ids stored them first: theirs stand, ours are dropped.
            created = Enrichment.objects.bulk_create(
                enrichments, batch_size=BATCH, ignore_conflicts=True
            )
            fresh = {
                e.source_id
                for e in Enrichment.objects.filter(
                    source_kind=kind,
                    source_id__in=[e.source_id for e in created],
                    enriched_at=now,
                )
            }
            stored = [m for m in mentions if m.source_id in fresh]
            Mention.objects.bulk_create(stored, batch_size=BATCH)
            add_counts(workspace_id=workspace_id, mentions=stored)
        done += len(fresh)
        rule = _rule(workspace_id)
        if rule is not None:
            for (source_id, _, text, moment, customer_id), found in zip(
                group, results, strict=True
            ):
                if customer_id is not None and source_id in fresh:
                    _apply_rule(
                        rule,
                        kind=kind,
                        source_id=source_id,
                        customer_id=customer_id,
                        found=found,
                        text=text,
                        moment=moment,
                    )
    return done


# --- The automatic complaint --------------------------------------------------------------------


def _rule(workspace_id: int) -> FeedbackSettings | None:
    found = FeedbackSettings.objects.filter(workspace_id=workspace_id, auto_complaint=True).first()
    return found


def rule_matches(rule: FeedbackSettings, found: Found) -> str | None:
    """The aspect that makes the text a complaint under the rule, or None. The rule: a negative
    text with a negative mention of one of the rule's aspects (any aspect when none is set)."""
    if found.sentiment != "negative":
        return None
    wanted = set(rule.auto_complaint_aspects or ())
    for mention in found.aspects:
        if mention.polarity == "negative" and (not wanted or mention.aspect in wanted):
            return mention.aspect
    return None


def is_repeat_customer(
    *, workspace_id: int, customer_id: int, kind: str, source_id: int, moment: datetime
) -> bool:
    """Has this customer contacted the workspace before this text? An earlier ticket (other than
    the message's own) or an earlier review counts."""
    own_ticket = None
    if kind == SourceKind.MESSAGE:
        own_ticket = (
            Message.objects.filter(pk=source_id).values_list("ticket_id", flat=True).first()
        )
    tickets = Ticket.objects.filter(
        workspace_id=workspace_id, customer_id=customer_id, created_at__lt=moment
    )
    if own_ticket is not None:
        tickets = tickets.exclude(pk=own_ticket)
    if tickets.exists():
        return True
    reviews = Review.objects.filter(
        workspace_id=workspace_id, customer_id=customer_id, reviewed_at__lt=moment
    )
    if kind == SourceKind.REVIEW:
        reviews = reviews.exclude(pk=source_id)
    return reviews.exists()


def _apply_rule(
    rule: FeedbackSettings,
    *,
    kind: str,
    source_id: int,
    customer_id: int,
    found: Found,
    text: str,
    moment: datetime,
) -> int | None:
    aspect = rule_matches(rule, found)
    if aspect is None:
        return None
    workspace_id = rule.workspace_id
    if rule.auto_complaint_repeat_only and not is_repeat_customer(
        workspace_id=workspace_id,
        customer_id=customer_id,
        kind=kind,
        source_id=source_id,
        moment=moment,
    ):
        return None
    ticket_id = None
    if kind == SourceKind.MESSAGE:
        ticket_id = Message.objects.filter(pk=source_id).values_list("ticket_id", flat=True).first()
    workspace = Workspace.objects.get(pk=workspace_id)
    label = SourceKind(kind).label
    try:
        with transaction.atomic():
            claim = AutoComplaint.objects.create(
                workspace_id=workspace_id, source_kind=kind, source_id=source_id, complaint_id=0
            )
            complaint = desk_services.open_complaint(
                workspace=workspace,
                customer_id=customer_id,
                severity=ComplaintSeverity.MODERATE
                if found.is_complaint
                else ComplaintSeverity.MINOR,
                category=COMPLAINT_CATEGORY_OF_ASPECT.get(aspect, ComplaintCategory.OTHER),
                description=f"[{label} #{source_id}] {text[:1000]}",
                actor=Actor(),
                ticket_id=ticket_id,
            )
            claim.complaint_id = complaint.pk
            claim.save(update_fields=["complaint_id"])
    except IntegrityError:
        return None  # opened already by an earlier run
    except ServiceError:
        # The customer was erased or merged away since: nothing to open a complaint for.
        logger.info("no automatic complaint for %s %s", kind, source_id, exc_info=True)
        return None
    return complaint.pk


# --- Catch-up -----------------------------------------------------------------------------------


def catch_up(*, since: datetime | None = None, limit: int = 20_000) -> int:
    """Enrich what a lost job left behind: reviews never enriched, and customers' messages and
    survey comments of the last two days without an enrichment."""
    since = since or timezone.now() - timedelta(days=2)
    done = 0
    review_ids = list(
        Review.objects.filter(enriched_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done += enrich_reviews(review_ids=review_ids)
    message_ids = list(
        Message.objects.filter(
            created_at__gte=since, kind=MessageKind.INBOUND, author_kind=AuthorKind.CUSTOMER
        )
        .exclude(text="")
        .exclude(
            pk__in=Enrichment.objects.filter(
                source_kind=SourceKind.MESSAGE, occurred_at__gte=since
            ).values("source_id")
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done += enrich_messages(message_ids=message_ids)
    response_ids = list(
        Response.objects.filter(created_at__gte=since)
        .exclude(comment="")
        .exclude(
            pk__in=Enrichment.objects.filter(
                source_kind=SourceKind.SURVEY, occurred_at__gte=since
            ).values("source_id")
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done += enrich_survey_responses(response_ids=response_ids)
    return done
