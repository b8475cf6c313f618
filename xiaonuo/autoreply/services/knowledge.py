"""The knowledge base: FAQ entries with their history, the workspace's dictionary and synonyms,
and the auto-reply settings. Every write that changes what the matcher is built from bumps the
workspace's ``kb_revision`` in the same transaction (``engine.py``)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply.exceptions import AutoReplyError
from xiaonuo.autoreply.models import (
    ANSWER_MAX_CHARS,
    QUESTION_MAX_CHARS,
    TAG_MAX_CHARS,
    WORD_MAX_CHARS,
    AnswerKind,
    AutoReplySettings,
    DictionaryWord,
    FaqEntry,
    FaqPhrasing,
    FaqRevision,
    RevisionAction,
    SynonymGroup,
)
from xiaonuo.channels.models import ChannelKind
from xiaonuo.lib.errors import ServiceError

MAX_PHRASINGS = 100
MAX_TAGS = 20
_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Answer:
    """What the bot sends; which fields matter depends on ``kind`` (models.AnswerKind)."""

    kind: str = AnswerKind.TEXT
    text: str = ""
    url: str = ""
    media_id: str = ""
    title: str = ""
    description: str = ""
    picurl: str = ""

    def as_fields(self) -> dict[str, str]:
        return {
            "answer_kind": self.kind,
            "answer_text": self.text,
            "answer_url": self.url,
            "answer_media_id": self.media_id,
            "answer_title": self.title,
            "answer_description": self.description,
            "answer_picurl": self.picurl,
        }


def answer_of(row: Any) -> Answer:
    """The ``Answer`` stored in a row with ``AnswerFields``."""
    return Answer(
        kind=row.answer_kind,
        text=row.answer_text,
        url=row.answer_url,
        media_id=row.answer_media_id,
        title=row.answer_title,
        description=row.answer_description,
        picurl=row.answer_picurl,
    )


@dataclass(frozen=True)
class FaqInput:
    question: str
    answer: Answer
    phrasings: Sequence[str] = ()
    tags: Sequence[str] = ()
    enabled: bool = True
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class FaqChanges:
    """Fields to change on an entry; ``None`` leaves a field as it is (``phrasings`` and
    ``tags`` replace the whole list). ``clear_validity`` removes both validity bounds."""

    question: str | None = None
    answer: Answer | None = None
    phrasings: Sequence[str] | None = None
    tags: Sequence[str] | None = None
    enabled: bool | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    clear_validity: bool = False
    unset: frozenset[str] = field(default_factory=frozenset)  # "valid_from"/"valid_until" → None


# --- checks ----------------------------------------------------------------------------------


def clean_answer(answer: Answer, *, allow_empty: bool = False) -> Answer:
    if answer.kind not in AnswerKind.values:
        raise _answer_invalid(f"Unknown answer kind {answer.kind!r}", "answer_kind")
    cleaned = Answer(
        kind=answer.kind,
        text=(answer.text or "").strip(),
        url=(answer.url or "").strip(),
        media_id=(answer.media_id or "").strip(),
        title=(answer.title or "").strip(),
        description=(answer.description or "").strip(),
        picurl=(answer.picurl or "").strip(),
    )
    if len(cleaned.text) > ANSWER_MAX_CHARS:
        raise _answer_invalid(f"An answer has at most {ANSWER_MAX_CHARS} characters", "answer")
    limits = {"media_id": 200, "title": 100, "description": 300, "url": 500, "picurl": 500}
    for name, limit in limits.items():
        if len(getattr(cleaned, name)) > limit:
            raise _answer_invalid(f"{name} has at most {limit} characters", f"answer_{name}")
    for name in ("url", "picurl"):
        value = getattr(cleaned, name)
        if value:
            try:
                _url(value)
            except ValidationError:
                raise _answer_invalid(
                    f"{value!r} is not an http(s) URL", f"answer_{name}"
                ) from None
    if allow_empty and cleaned.kind == AnswerKind.TEXT and not cleaned.text:
        return cleaned
    required = {
        AnswerKind.TEXT: ("text",),
        AnswerKind.LINK: ("url",),
        AnswerKind.ARTICLE: ("title", "url"),
        AnswerKind.IMAGE: (),
    }[AnswerKind(cleaned.kind)]
    for name in required:
        if not getattr(cleaned, name):
            raise _answer_invalid(f"A {cleaned.kind} answer needs its {name}", f"answer_{name}")
    if cleaned.kind == AnswerKind.IMAGE and not (cleaned.media_id or cleaned.url):
        raise _answer_invalid("An image answer needs a media_id or a url", "answer_media_id")
    return cleaned


def _answer_invalid(message: str, field_name: str) -> ServiceError:
    return ServiceError(AutoReplyError.ANSWER_INVALID, message, status=422, field=field_name)


def clean_question(text: str, *, field_name: str = "question") -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ServiceError(
            AutoReplyError.QUESTION_INVALID, "The question is empty", status=422, field=field_name
        )
    if len(text) > QUESTION_MAX_CHARS:
        raise ServiceError(
            AutoReplyError.QUESTION_INVALID,
            f"A question has at most {QUESTION_MAX_CHARS} characters",
            status=422,
            field=field_name,
        )
    return text


def _clean_phrasings(texts: Iterable[str], *, question: str) -> list[str]:
    seen = {question}
    out = []
    for raw in texts:
        if not (raw or "").strip():
            continue
        text = clean_question(raw, field_name="phrasings")
        if text not in seen:
            seen.add(text)
            out.append(text)
    if len(out) > MAX_PHRASINGS:
        raise ServiceError(
            AutoReplyError.QUESTION_INVALID,
            f"An entry has at most {MAX_PHRASINGS} other phrasings",
            status=422,
            field="phrasings",
        )
    return out


def _clean_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in tags:
        tag = (raw or "").strip()
        if not tag:
            continue
        if len(tag) > TAG_MAX_CHARS:
            raise ServiceError(
                AutoReplyError.TAG_INVALID,
                f"A tag has at most {TAG_MAX_CHARS} characters",
                status=422,
                field="tags",
            )
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise ServiceError(
            AutoReplyError.TAG_INVALID, f"At most {MAX_TAGS} tags", status=422, field="tags"
        )
    return out


def _check_validity(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise ServiceError(
            AutoReplyError.VALIDITY_INVALID,
            "valid_until must be after valid_from",
            status=422,
            field="valid_until",
        )


def clean_input(data: FaqInput) -> FaqInput:
    question = clean_question(data.question)
    _check_validity(data.valid_from, data.valid_until)
    return FaqInput(
        question=question,
        # A disabled entry may wait for its answer (a group of unanswered questions just
        # turned into an entry); enabling it needs one.
        answer=clean_answer(data.answer, allow_empty=not data.enabled),
        phrasings=_clean_phrasings(data.phrasings, question=question),
        tags=_clean_tags(data.tags),
        enabled=bool(data.enabled),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
    )


# --- entries ---------------------------------------------------------------------------------


def bump_revision(*, workspace: Workspace) -> None:
    """Tell every process that the matcher must be rebuilt (call inside the write's
    transaction)."""
    autoreply_selectors.get_settings(workspace=workspace)  # exists before the update
    AutoReplySettings.objects.filter(workspace=workspace).update(kb_revision=F("kb_revision") + 1)


def create_entry(
    *, workspace: Workspace, data: FaqInput, actor: Actor, action: str = RevisionAction.CREATED
) -> FaqEntry:
    data = clean_input(data)
    with transaction.atomic():
        _refuse_taken_question(workspace=workspace, question=data.question, entry_id=None)
        entry = FaqEntry.objects.create(
            workspace=workspace,
            question=data.question,
            tags=list(data.tags),
            enabled=data.enabled,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            **data.answer.as_fields(),
        )
        _set_phrasings(entry, data.phrasings)
        _revision(entry, action=action, actor=actor, changes=_diff({}, snapshot(entry)))
        bump_revision(workspace=workspace)
    return entry


def update_entry(
    *,
    workspace: Workspace,
    entry_id: int,
    changes: FaqChanges,
    actor: Actor,
    action: str = RevisionAction.UPDATED,
) -> FaqEntry:
    with transaction.atomic():
        entry = autoreply_selectors.get_entry(
            workspace=workspace, entry_id=entry_id, for_update=True
        )
        before = snapshot(entry)
        current = entry_input(entry)
        valid_from = changes.valid_from if changes.valid_from is not None else current.valid_from
        valid_until = (
            changes.valid_until if changes.valid_until is not None else current.valid_until
        )
        if changes.clear_validity:
            valid_from = valid_until = None
        if "valid_from" in changes.unset:
            valid_from = None
        if "valid_until" in changes.unset:
            valid_until = None
        data = clean_input(
            FaqInput(
                question=changes.question if changes.question is not None else current.question,
                answer=changes.answer if changes.answer is not None else current.answer,
                phrasings=changes.phrasings if changes.phrasings is not None else current.phrasings,
                tags=changes.tags if changes.tags is not None else current.tags,
                enabled=changes.enabled if changes.enabled is not None else current.enabled,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
        if data.question != entry.question:
            _refuse_taken_question(workspace=workspace, question=data.question, entry_id=entry.pk)
        entry.question = data.question
        entry.tags = list(data.tags)
        entry.enabled = data.enabled
        entry.valid_from, entry.valid_until = data.valid_from, data.valid_until
        for name, value in data.answer.as_fields().items():
            setattr(entry, name, value)
        entry.save()
        if list(data.phrasings) != current.phrasings:
            _set_phrasings(entry, data.phrasings)
        diff = _diff(before, snapshot(entry))
        if diff:
            if (
                action == RevisionAction.UPDATED
                and diff.keys() == {"enabled"}
                and not entry.enabled
            ):
                action = RevisionAction.DISABLED
            _revision(entry, action=action, actor=actor, changes=diff)
            bump_revision(workspace=workspace)
    return entry


def disable_entry(*, workspace: Workspace, entry_id: int, actor: Actor) -> FaqEntry:
    return update_entry(
        workspace=workspace, entry_id=entry_id, changes=FaqChanges(enabled=False), actor=actor
    )


def delete_entry(*, workspace: Workspace, entry_id: int, actor: Actor) -> None:
    """Deletes the entry; its history stays (with who deleted it and the entry as it was)."""
    with transaction.atomic():
        entry = autoreply_selectors.get_entry(
            workspace=workspace, entry_id=entry_id, for_update=True
        )
        before = snapshot(entry)
        FaqRevision.objects.create(
            workspace=workspace,
            entry=entry,
            entry_question=entry.question,
            action=RevisionAction.DELETED,
            actor=actor.user,
            api_key=actor.api_key,
            changes={},
            snapshot=before,
        )
        entry.delete()
        bump_revision(workspace=workspace)


def entry_input(entry: FaqEntry) -> FaqInput:
    return FaqInput(
        question=entry.question,
        answer=answer_of(entry),
        phrasings=[p.text for p in entry.phrasings.order_by("pk")],
        tags=list(entry.tags),
        enabled=entry.enabled,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
    )


def snapshot(entry: FaqEntry) -> dict[str, Any]:
    data = entry_input(entry)
    return {
        "question": data.question,
        "phrasings": list(data.phrasings),
        **data.answer.as_fields(),
        "tags": list(data.tags),
        "enabled": data.enabled,
        "valid_from": data.valid_from.isoformat() if data.valid_from else None,
        "valid_until": data.valid_until.isoformat() if data.valid_until else None,
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }


def _revision(
    entry: FaqEntry, *, action: str, actor: Actor, changes: dict[str, list[Any]]
) -> FaqRevision:
    return FaqRevision.objects.create(
        workspace_id=entry.workspace_id,
        entry=entry,
        entry_question=entry.question,
        action=action,
        actor=actor.user,
        api_key=actor.api_key,
        changes=changes,
        snapshot=snapshot(entry),
    )


def _set_phrasings(entry: FaqEntry, phrasings: Sequence[str]) -> None:
    FaqPhrasing.objects.filter(entry=entry).delete()
    FaqPhrasing.objects.bulk_create(
        [FaqPhrasing(workspace_id=entry.workspace_id, entry=entry, text=t) for t in phrasings]
    )


def _refuse_taken_question(*, workspace: Workspace, question: str, entry_id: int | None) -> None:
    taken = FaqEntry.objects.filter(workspace=workspace, question=question)
    if entry_id is not None:
        taken = taken.exclude(pk=entry_id)
    if taken.exists():
        raise ServiceError(
            AutoReplyError.QUESTION_TAKEN,
            "Another entry has this standard question",
            status=409,
            field="question",
        )


# --- dictionary and synonyms -----------------------------------------------------------------


def _clean_word(raw: str, *, field_name: str = "word") -> str:
    word = (raw or "").strip()
    if not word or len(word) > WORD_MAX_CHARS or any(ch.isspace() for ch in word):
        raise ServiceError(
            AutoReplyError.WORD_INVALID,
            f"A word is 1 to {WORD_MAX_CHARS} characters without spaces",
            status=422,
            field=field_name,
        )
    return word


def set_dictionary(*, workspace: Workspace, words: Iterable[str]) -> list[str]:
    """Replace the workspace's dictionary (product names, slang kept whole when segmenting)."""
    cleaned = sorted({_clean_word(w) for w in words if (w or "").strip()})
    with transaction.atomic():
        DictionaryWord.objects.filter(workspace=workspace).delete()
        DictionaryWord.objects.bulk_create(
            [DictionaryWord(workspace=workspace, word=w) for w in cleaned]
        )
        bump_revision(workspace=workspace)
    return cleaned


def create_synonym_group(*, workspace: Workspace, words: Iterable[str]) -> SynonymGroup:
    cleaned = _clean_synonyms(words)
    with transaction.atomic():
        group = SynonymGroup.objects.create(workspace=workspace, words=cleaned)
        bump_revision(workspace=workspace)
    return group


def update_synonym_group(
    *, workspace: Workspace, group_id: int, words: Iterable[str]
) -> SynonymGroup:
    cleaned = _clean_synonyms(words)
    with transaction.atomic():
        group = autoreply_selectors.get_synonym_group(workspace=workspace, group_id=group_id)
        group.words = cleaned
        group.save(update_fields=["words"])
        bump_revision(workspace=workspace)
    return group


def delete_synonym_group(*, workspace: Workspace, group_id: int) -> None:
    with transaction.atomic():
        autoreply_selectors.get_synonym_group(workspace=workspace, group_id=group_id).delete()
        bump_revision(workspace=workspace)


def _clean_synonyms(words: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in words:
        if not (raw or "").strip():
            continue
        try:
            word = _clean_word(raw, field_name="words")
        except ServiceError as exc:
            raise ServiceError(
                AutoReplyError.SYNONYMS_INVALID, exc.message, status=422, field="words"
            ) from None
        if word not in cleaned:
            cleaned.append(word)
    if len(cleaned) < 2 or len(cleaned) > 50:
        raise ServiceError(
            AutoReplyError.SYNONYMS_INVALID,
            "A synonym group has 2 to 50 different words",
            status=422,
            field="words",
        )
    return cleaned


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsChanges:
    """``None`` leaves a setting as it is; ``reset_threshold`` returns to the matcher's default."""

    enabled: bool | None = None
    threshold: float | None = None
    reset_threshold: bool = False
    channel_kinds: Sequence[str] | None = None
    welcome: Answer | None = None
    repeat_count: int | None = None
    repeat_window_minutes: int | None = None
    helpful_window_minutes: int | None = None


def update_settings(*, workspace: Workspace, changes: SettingsChanges) -> AutoReplySettings:
    with transaction.atomic():
        row = autoreply_selectors.get_settings(workspace=workspace, for_update=True)
        if changes.enabled is not None:
            row.enabled = changes.enabled
        if changes.reset_threshold:
            row.threshold = None
        elif changes.threshold is not None:
            if not 0.0 < changes.threshold <= 1.0:
                raise _settings_invalid("The threshold is between 0 and 1", "threshold")
            row.threshold = changes.threshold
        if changes.channel_kinds is not None:
            unknown = set(changes.channel_kinds) - set(ChannelKind.values)
            if unknown:
                raise _settings_invalid(f"Unknown channel kind {sorted(unknown)[0]!r}", "channels")
            row.channel_kinds = sorted(set(changes.channel_kinds))
        if changes.welcome is not None:
            for name, value in clean_answer(changes.welcome, allow_empty=True).as_fields().items():
                setattr(row, name, value)
        for name, low, high in (
            ("repeat_count", 2, 20),
            ("repeat_window_minutes", 1, 24 * 60),
            ("helpful_window_minutes", 1, 24 * 60),
        ):
            value = getattr(changes, name)
            if value is not None:
                if not low <= value <= high:
                    raise _settings_invalid(f"{name} is between {low} and {high}", name)
                setattr(row, name, value)
        row.save()
    return row


def _settings_invalid(message: str, field_name: str) -> ServiceError:
    return ServiceError(AutoReplyError.SETTINGS_INVALID, message, status=422, field=field_name)
