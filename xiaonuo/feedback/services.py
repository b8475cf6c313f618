"""Writes of the feedback app: reviews in (API batches and export files), saved column mappings,
the reply workflow and the workspace's settings. Enrichment lives in ``enrichment.py`` and the
spike check in ``alerts.py``; each use case is one function, ``workspace`` first.
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import importing as customers_importing
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.customers.models import IdentityKind
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.feedback import enrichment, presets
from xiaonuo.feedback.exceptions import FeedbackError
from xiaonuo.feedback.models import (
    ColumnMapping,
    Enrichment,
    FeedbackSettings,
    Mention,
    Platform,
    ReplyStatus,
    Review,
    SentimentCorrection,
    SourceKind,
)
from xiaonuo.lib.errors import ServiceError

MAX_BATCH = 1000  # reviews per API request
MAX_FILE_ROWS = 50_000  # rows per imported file: one transaction, all or nothing
MAX_TEXT = 5000  # characters of a review
MAX_REPLY = 2000
MAX_ERRORS_REPORTED = 50
_FIELD_MAX = {
    "external_id": 200,
    "store": 100,
    "product": 200,
    "author_name": 100,
    "author_handle": 200,
}
# Chinese exports write the grade in words as often as in stars.
_RATING_WORDS = {
    "好评": 5,
    "中评": 3,
    "差评": 1,
    "五星": 5,
    "四星": 4,
    "三星": 3,
    "二星": 2,
    "一星": 1,
}
_RATING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:星|分)?\s*$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d")


@dataclass(frozen=True)
class ReviewInput:
    """One review as it arrived (API item or file row), values not yet checked."""

    text: Any = ""
    platform: Any = Platform.OTHER
    external_id: Any = ""
    store: Any = ""
    product: Any = ""
    rating: Any = None
    author_name: Any = ""
    author_handle: Any = ""
    reviewed_at: Any = None
    where: str = ""  # "file.csv:12" or "batch[3]", for error messages


@dataclass(frozen=True)
class RowError:
    where: str
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "field": self.field, "reason": self.reason}


@dataclass
class IngestResult:
    created: int = 0
    duplicates: int = 0
    ids: list[int] = field(default_factory=list)  # in input order, existing ids for duplicates


# --- Reviews in ---------------------------------------------------------------------------------


def ingest_reviews(
    *, workspace: Workspace, items: Sequence[ReviewInput], error_code: str = ""
) -> IngestResult:
    """Store new reviews, all or nothing: every item is checked first, and one bad item stores
    none (``review_invalid`` with each item's field and reason). A review already stored (same
    platform and external id, or the same content) is counted as a duplicate, never doubled.
    The new reviews are enriched by a background job enqueued on commit."""
    if not items:
        raise ServiceError(FeedbackError.BATCH_EMPTY, "No reviews given", status=422)
    cleaned: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for index, item in enumerate(items):
        values, item_errors = _clean_review(item, where=item.where or f"batch[{index}]")
        errors.extend(item_errors)
        cleaned.append(values)
    if errors:
        raise _invalid(errors, code=error_code or FeedbackError.REVIEW_INVALID)
    result = IngestResult()
    with transaction.atomic():
        keys = [values["dedup_key"] for values in cleaned]
        existing: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            existing.update(
                Review.objects.filter(workspace=workspace, dedup_key__in=keys[start : start + 500])
                .values_list("dedup_key", "pk")
                .iterator()
            )
        fresh: dict[str, Review] = {}
        customers: dict[str, int | None] = {}
        for values in cleaned:
            key = values["dedup_key"]
            if key in existing or key in fresh:
                continue
            handle = values["author_handle"]
            if handle not in customers:
                customers[handle] = _customer_id(workspace, handle)
            fresh[key] = Review(workspace=workspace, customer_id=customers[handle], **values)
        Review.objects.bulk_create(fresh.values(), batch_size=500)
        if fresh and any(r.pk is None for r in fresh.values()):
            # Back ends that return no ids from bulk_create: read them back by key.
            stored = dict(
                Review.objects.filter(workspace=workspace, dedup_key__in=list(fresh)).values_list(
                    "dedup_key", "pk"
                )
            )
            for key, review in fresh.items():
                review.pk = stored[key]
        new_ids = [review.pk for review in fresh.values()]
        for values in cleaned:
            key = values["dedup_key"]
            result.ids.append(existing[key] if key in existing else fresh[key].pk)
        result.created = len(new_ids)
        result.duplicates = len(cleaned) - len(new_ids)
        if new_ids:
            transaction.on_commit(lambda: _enqueue_enrichment(new_ids))
    return result


def _enqueue_enrichment(review_ids: list[int]) -> None:
    from xiaonuo.feedback import tasks  # the task module imports the services

    for start in range(0, len(review_ids), tasks.ENRICH_BATCH):
        tasks.enrich_reviews(review_ids[start : start + tasks.ENRICH_BATCH])


def _invalid(errors: list[RowError], *, code: str) -> ServiceError:
    first = errors[0]
    return ServiceError(
        code,
        f"{first.where}: {first.field}: {first.reason}"
        + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
        status=422,
        errors=[e.as_dict() for e in errors[:MAX_ERRORS_REPORTED]],
        error_count=len(errors),
    )


def _clean_review(item: ReviewInput, *, where: str) -> tuple[dict[str, Any], list[RowError]]:
    errors: list[RowError] = []

    def bad(name: str, reason: str) -> None:
        errors.append(RowError(where=where, field=name, reason=reason))

    text = _text(item.text)
    if not text:
        bad("text", "required")
    elif len(text) > MAX_TEXT:
        bad("text", f"longer than {MAX_TEXT} characters")
    platform = _text(item.platform) or Platform.OTHER
    if platform not in Platform.values:
        bad("platform", f"unknown platform {platform!r}")
    values: dict[str, Any] = {"text": text, "platform": platform}
    for name, limit in _FIELD_MAX.items():
        value = _text(getattr(item, name))
        if len(value) > limit:
            bad(name, f"longer than {limit} characters")
        values[name] = value[:limit]
    try:
        values["rating"] = parse_rating(item.rating)
    except ValueError as exc:
        bad("rating", str(exc))
    try:
        values["reviewed_at"] = parse_time(item.reviewed_at)
    except ValueError as exc:
        bad("reviewed_at", str(exc))
    if not errors:
        values["dedup_key"] = _dedup_key(values)
    return values, errors


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_rating(value: Any) -> int | None:
    """1–5 from ``5``, ``"4.0"``, ``"5星"``, ``"好评"``; None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        raw = str(value).strip()
        if raw in _RATING_WORDS:
            return _RATING_WORDS[raw]
        match = _RATING_NUMBER.match(raw)
        if match is None:
            raise ValueError(f"not a rating: {raw!r}")
        number = float(match.group(1))
    if not 0 <= number <= 5:
        raise ValueError(f"rating {number:g} is outside 0–5")
    return max(1, round(number)) if number else None


def parse_time(value: Any) -> datetime:
    """An aware datetime; a time without a zone is read in the server's zone (Asia/Shanghai)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("required")
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        parsed = _parse_time_text(str(value).strip())
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed > timezone.now() + timedelta(days=1):
        raise ValueError("in the future")
    return parsed


def _parse_time_text(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    for pattern in _TIME_FORMATS + _DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern)  # noqa: DTZ007 - made aware by the caller
        except ValueError:
            continue
    raise ValueError(f"not a date and time: {raw!r}")


def _dedup_key(values: dict[str, Any]) -> str:
    if values["external_id"]:
        return f"{values['platform']}:{values['external_id']}"[:250]
    content = "\x1f".join(
        (
            values["platform"],
            values["store"],
            values["product"],
            values["author_name"] or values["author_handle"],
            values["reviewed_at"].isoformat(),
            values["text"],
        )
    )
    return "h:" + hashlib.sha256(content.encode()).hexdigest()


def _customer_id(workspace: Workspace, handle: str) -> int | None:
    """The customer a review's author handle names: a phone number, else the company's own id."""
    if not handle:
        return None
    for kind in (IdentityKind.PHONE, IdentityKind.EXTERNAL_ID):
        customer = customers_selectors.find_customer_by_identity(
            workspace=workspace, kind=kind, value=handle
        )
        if customer is not None:
            return customer.pk
    return None


# --- Export files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFormat:
    name: str
    platform: str
    candidates: presets.Preset  # field → headers to look for


def get_file_format(*, workspace: Workspace, name: str) -> FileFormat:
    """A built-in preset (taobao, jd, meituan, dianping) or the workspace's saved mapping."""
    if name in presets.PRESETS:
        platform, preset = presets.PRESETS[name]
        return FileFormat(name=name, platform=platform, candidates=preset)
    mapping = ColumnMapping.objects.filter(workspace=workspace, name=name).first()
    if mapping is None:
        raise ServiceError(
            FeedbackError.MAPPING_NOT_FOUND,
            f"No preset or saved mapping named {name!r}",
            status=404,
            field="format",
        )
    return FileFormat(
        name=name,
        platform=mapping.platform,
        candidates={f: (header,) for f, header in mapping.columns.items()},
    )


def import_file(
    *, workspace: Workspace, path: Path, name: str = "", file_format: FileFormat
) -> IngestResult:
    """Import one export file, all or nothing. Errors name the file, the line and the field."""
    name = name or path.name
    table = customers_importing.open_table(path, name=name)
    try:
        columns = presets.resolve(file_format.candidates, table.header)
        missing = [f for f in presets.REQUIRED_FIELDS if f not in columns]
        if missing:
            wanted = " / ".join(
                header for f in missing for header in file_format.candidates.get(f, ())
            )
            raise ServiceError(
                customers_importing.ImportErrorCode.FILE_COLUMNS_MISSING,
                f"{name}:1: no column for {', '.join(missing)} (looked for {wanted or '—'})",
                status=422,
                fields=missing,
            )
        position = {header: i for i, header in enumerate(table.header)}
        items: list[ReviewInput] = []
        for line, cells in table.rows:
            if len(items) >= MAX_FILE_ROWS:
                raise ServiceError(
                    FeedbackError.FILE_TOO_MANY_ROWS,
                    f"{name}: more than {MAX_FILE_ROWS} rows; split the file",
                    status=422,
                )
            values = {
                f: cells[position[header]] if position[header] < len(cells) else ""
                for f, header in columns.items()
            }
            items.append(
                ReviewInput(platform=file_format.platform, where=f"{name}:{line}", **values)
            )
    finally:
        customers_importing.close_table(table)
    return ingest_reviews(
        workspace=workspace, items=items, error_code=FeedbackError.FILE_ROWS_INVALID
    )


def save_mapping(
    *, workspace: Workspace, name: str, platform: str, columns: dict[str, str]
) -> ColumnMapping:
    """Save (or replace) a workspace's own mapping: review field → header in its files."""
    name = (name or "").strip()
    if not name or len(name) > 50 or name in presets.PRESETS:
        raise ServiceError(
            FeedbackError.MAPPING_INVALID,
            "A mapping needs a name of 1–50 characters other than a preset's",
            status=422,
            field="name",
        )
    if platform not in Platform.values:
        raise ServiceError(
            FeedbackError.MAPPING_INVALID, f"Unknown platform {platform!r}", field="platform"
        )
    clean = {f: (h or "").strip() for f, h in columns.items() if (h or "").strip()}
    unknown = sorted(set(clean) - set(presets.FIELDS))
    if unknown:
        raise ServiceError(
            FeedbackError.MAPPING_INVALID, f"Unknown fields: {', '.join(unknown)}", field="columns"
        )
    missing = [f for f in presets.REQUIRED_FIELDS if f not in clean]
    if missing:
        raise ServiceError(
            FeedbackError.MAPPING_INVALID,
            f"A mapping needs a column for {', '.join(missing)}",
            field="columns",
        )
    mapping, _ = ColumnMapping.objects.update_or_create(
        workspace=workspace, name=name, defaults={"platform": platform, "columns": clean}
    )
    return mapping


def delete_mapping(*, workspace: Workspace, mapping_id: int) -> None:
    deleted, _ = ColumnMapping.objects.filter(workspace=workspace, pk=mapping_id).delete()
    if not deleted:
        raise ServiceError(FeedbackError.MAPPING_NOT_FOUND, "No such mapping", status=404)


# --- Reply workflow -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyOutcome:
    review: Review
    findings: list[dict[str, Any]]  # what the tone check found; empty when the reply is fine


def draft_reply(*, workspace: Workspace, review_id: int, text: str, actor: Actor) -> ReplyOutcome:
    """Save a draft reply, tone-checked with the workspace's word lists (nothing is sent)."""
    text = _reply_text(text)
    findings = _tone(workspace, text)
    with transaction.atomic():
        review = _lock_review(workspace=workspace, review_id=review_id)
        review.reply_text = text
        review.reply_tone_findings = findings
        if review.reply_status != ReplyStatus.REPLIED:
            review.reply_status = ReplyStatus.DRAFTED
        review.drafted_by = actor.user
        review.drafted_at = timezone.now()
        review.save()
    return ReplyOutcome(review=review, findings=findings)


def mark_replied(
    *, workspace: Workspace, review_id: int, text: str, actor: Actor, despite_tone: bool = False
) -> ReplyOutcome:
    """Record that the reply was posted on the platform. A reply the tone check warns about is
    refused (``reply_tone``, 409, with the findings) unless the person confirms it."""
    text = _reply_text(text)
    findings = _tone(workspace, text)
    if findings and not despite_tone:
        raise ServiceError(
            FeedbackError.REPLY_TONE,
            "The tone check found wording to soften; confirm to mark it replied anyway",
            status=409,
            findings=findings,
        )
    with transaction.atomic():
        review = _lock_review(workspace=workspace, review_id=review_id)
        now = timezone.now()
        review.reply_text = text
        review.reply_tone_findings = findings
        review.reply_status = ReplyStatus.REPLIED
        review.replied_by = actor.user
        review.replied_at = now
        if review.drafted_at is None:
            review.drafted_by, review.drafted_at = actor.user, now
        review.save()
    return ReplyOutcome(review=review, findings=findings)


def _reply_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError(
            FeedbackError.REPLY_EMPTY, "The reply is empty", status=422, field="text"
        )
    if len(text) > MAX_REPLY:
        raise ServiceError(
            FeedbackError.REPLY_TOO_LONG,
            f"A reply has at most {MAX_REPLY} characters",
            status=422,
            field="text",
        )
    return text


def _tone(workspace: Workspace, text: str) -> list[dict[str, Any]]:
    report = desk_selectors.check_reply_tone(workspace=workspace, text=text)
    return [
        {"text": f.text, "kind": f.kind, "explanation": f.explanation, "suggestion": f.suggestion}
        for f in report.findings
    ]


def _lock_review(*, workspace: Workspace, review_id: int) -> Review:
    review = Review.objects.select_for_update().filter(workspace=workspace, pk=review_id).first()
    if review is None:
        raise review_not_found()
    return review


def review_not_found() -> ServiceError:
    return ServiceError(FeedbackError.REVIEW_NOT_FOUND, "No such review", status=404)


# --- Settings -----------------------------------------------------------------------------------


def get_settings(*, workspace: Workspace) -> FeedbackSettings:
    try:
        found, _ = FeedbackSettings.objects.get_or_create(workspace=workspace)
    except IntegrityError:  # created by a concurrent request
        found = FeedbackSettings.objects.get(workspace=workspace)
    return found


def update_settings(
    *,
    workspace: Workspace,
    auto_complaint: bool,
    aspects: list[str],
    repeat_only: bool,
    alert_min_count: int,
    alert_mad_k: float,
) -> FeedbackSettings:
    from xiaonuo.nlp.lexicon import Aspect

    unknown = [a for a in aspects if a not in {str(x) for x in Aspect}]
    if unknown or not 1 <= alert_min_count <= 1000 or not 0.5 <= alert_mad_k <= 20:
        raise ServiceError(
            FeedbackError.SETTINGS_INVALID,
            "Aspects must be nlp aspects, the minimum 1–1000 and k 0.5–20",
            status=422,
        )
    found = get_settings(workspace=workspace)
    found.auto_complaint = auto_complaint
    found.auto_complaint_aspects = sorted(set(aspects))
    found.auto_complaint_repeat_only = repeat_only
    found.alert_min_count = alert_min_count
    found.alert_mad_k = alert_mad_k
    found.save()
    return found


# --- Reactions to customer merges and erasures (xiaonuo/listeners.py) -------------------------


def move_feedback_to_survivor(*, workspace_id: int, survivor_id: int, merged_id: int) -> None:
    """A customer merge (same transaction): the merged person's reviews and enriched texts
    belong to the survivor."""
    Review.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )
    Enrichment.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )


def erase_customer_feedback(*, workspace_id: int, customer_id: int) -> None:
    """A privacy erasure: the person's reviews (their words, linked to them) and what was derived
    from their messages and survey comments (sentiment, keywords, aspect mentions)."""
    with transaction.atomic():
        reviews = list(
            Review.objects.filter(workspace_id=workspace_id, customer_id=customer_id).values_list(
                "pk", flat=True
            )
        )
        texts = list(
            Enrichment.objects.filter(
                workspace_id=workspace_id, customer_id=customer_id
            ).values_list("source_kind", "source_id")
        )
        sources = [(SourceKind.REVIEW, pk) for pk in reviews] + texts
        for kind in (SourceKind.REVIEW, SourceKind.MESSAGE, SourceKind.SURVEY):
            ids = [source_id for k, source_id in sources if k == kind]
            for start in range(0, len(ids), 500):
                SentimentCorrection.objects.filter(
                    workspace_id=workspace_id,
                    source_kind=kind,
                    source_id__in=ids[start : start + 500],
                ).delete()
                mentions = Mention.objects.filter(
                    source_kind=kind, source_id__in=ids[start : start + 500]
                )
                enrichment.add_counts(workspace_id=workspace_id, mentions=list(mentions), sign=-1)
                mentions.delete()
        for start in range(0, len(reviews), 500):
            Review.objects.filter(pk__in=reviews[start : start + 500]).delete()
        Enrichment.objects.filter(workspace_id=workspace_id, customer_id=customer_id).delete()
