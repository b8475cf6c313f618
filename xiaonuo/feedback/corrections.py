"""Staff corrections of sentiment, and the workspace's own model retrained from them.

A correction is one click in the console (docs/decisions/0017): the text's shown sentiment
changes at once, and the correction is kept. Retraining (nightly when there are new
corrections, or on demand from the feedback settings page and ``xiaonuo feedback retrain``)
trains a model on the default data plus the workspace's corrected texts, each weighing
``nlp.sentiment.CORRECTION_WEIGHT`` default texts, and from then on enrichment of that
workspace's texts uses it.

The model's skops bytes are stored in the database (``SentimentModel``), so every machine of a
scaled-out install reads the same model; a process unpacks each version once into
``DATA_DIR/nlp/`` and ``nlp.modelfile.cached_model`` keeps it in memory.
"""

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.desk.models import Message
from xiaonuo.desk.surveys.models import Response
from xiaonuo.feedback.exceptions import FeedbackError
from xiaonuo.feedback.models import (
    CorrectedLabel,
    Enrichment,
    Review,
    SentimentCorrection,
    SentimentModel,
    SourceKind,
)
from xiaonuo.lib.errors import NotFound, ServiceError
from xiaonuo.nlp.exceptions import NlpError
from xiaonuo.nlp.modelfile import Model, cached_model
from xiaonuo.nlp.sentiment import train_sentiment

logger = logging.getLogger(__name__)


# --- Corrections --------------------------------------------------------------------------------


def correct_sentiment(
    *, workspace: Workspace, source_kind: str, source_id: int, label: str, actor: Actor
) -> SentimentCorrection:
    """Set a text's sentiment to ``label`` (positive or negative) and keep the correction for
    the next retraining. Correcting again replaces the earlier verdict."""
    if label not in CorrectedLabel.values:
        raise ServiceError(
            FeedbackError.CORRECTION_INVALID, "label must be positive or negative", field="label"
        )
    with transaction.atomic():
        shown = _lock_shown_sentiment(workspace, source_kind, source_id)
        existing = SentimentCorrection.objects.filter(
            workspace=workspace, source_kind=source_kind, source_id=source_id
        ).first()
        correction = existing or SentimentCorrection(
            workspace=workspace,
            source_kind=source_kind,
            source_id=source_id,
            model_sentiment=shown,
        )
        correction.label = label
        correction.corrected_by = actor.user
        correction.corrected_at = timezone.now()
        correction.save()
        _set_shown_sentiment(source_kind, source_id, label)
    return correction


def undo_correction(*, workspace: Workspace, source_kind: str, source_id: int) -> None:
    """Take a correction back: the model's own verdict is shown again and it trains nothing."""
    with transaction.atomic():
        _lock_shown_sentiment(workspace, source_kind, source_id)
        correction = (
            SentimentCorrection.objects.select_for_update()
            .filter(workspace=workspace, source_kind=source_kind, source_id=source_id)
            .first()
        )
        if correction is None:
            return
        if correction.model_sentiment:
            _set_shown_sentiment(source_kind, source_id, correction.model_sentiment)
        correction.delete()


def corrected_labels(*, source_kind: str, source_ids: list[int]) -> dict[int, str]:
    """The corrected label of each of these texts that has one (re-enrichment keeps them)."""
    return dict(
        SentimentCorrection.objects.filter(
            source_kind=source_kind, source_id__in=source_ids
        ).values_list("source_id", "label")
    )


def _lock_shown_sentiment(workspace: Workspace, source_kind: str, source_id: int) -> str:
    """The sentiment shown now for a text of this workspace (row locked); 404 otherwise."""
    if source_kind == SourceKind.REVIEW:
        found = (
            Review.objects.select_for_update()
            .filter(workspace=workspace, pk=source_id)
            .values_list("sentiment", flat=True)
            .first()
        )
    elif source_kind in (SourceKind.MESSAGE, SourceKind.SURVEY):
        found = (
            Enrichment.objects.select_for_update()
            .filter(workspace=workspace, source_kind=source_kind, source_id=source_id)
            .values_list("sentiment", flat=True)
            .first()
        )
    else:
        found = None
    if found is None:
        raise NotFound(FeedbackError.TEXT_NOT_FOUND, "No such text in this workspace")
    return found


def _set_shown_sentiment(source_kind: str, source_id: int, sentiment: str) -> None:
    if source_kind == SourceKind.REVIEW:
        Review.objects.filter(pk=source_id).update(sentiment=sentiment)
    else:
        Enrichment.objects.filter(source_kind=source_kind, source_id=source_id).update(
            sentiment=sentiment
        )


# --- The workspace's model ----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelStatus:
    """What the settings page shows about the workspace's own model."""

    corrections: int  # all corrections now
    new_corrections: int  # made since the model was trained (all of them when there is none)
    version: str | None
    trained_at: datetime | None
    trained_on: int  # corrections the current model learnt from
    validation_accuracy: float | None


def get_model_status(*, workspace: Workspace) -> ModelStatus:
    current = (
        SentimentModel.objects.filter(workspace=workspace)
        .only("version", "trained_at", "corrections", "validation_accuracy")
        .first()
    )
    corrections = SentimentCorrection.objects.filter(workspace=workspace)
    newer = corrections.filter(corrected_at__gt=current.trained_at) if current else corrections
    return ModelStatus(
        corrections=corrections.count(),
        new_corrections=newer.count(),
        version=current.version if current else None,
        trained_at=current.trained_at if current else None,
        trained_on=current.corrections if current else 0,
        validation_accuracy=current.validation_accuracy if current else None,
    )


def retrain_sentiment_model(*, workspace: Workspace) -> SentimentModel:
    """Train the workspace's model on the default data plus its corrected texts (about as long
    as the default model's build: under a minute) and make enrichment use it."""
    texts, labels = _corrected_texts(workspace)
    if not texts:
        raise ServiceError(
            FeedbackError.NO_CORRECTIONS,
            "There are no corrections to learn from yet",
            status=409,
        )
    started = timezone.now()
    model = train_sentiment(
        texts,
        labels,
        with_default_data=True,
        data_source=f"workspace {workspace.slug}: {len(texts)} corrections",
    )
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR) as scratch:
        path = Path(scratch) / "model.skops"
        model.save(path)
        content = path.read_bytes()
    row, _ = SentimentModel.objects.update_or_create(
        workspace=workspace,
        defaults={
            "version": model.info.version,
            "content": content,
            "corrections": len(texts),
            "validation_accuracy": model.info.metrics.get("validation_accuracy"),
            # Corrections made while it trained count as new for the next run.
            "trained_at": started,
        },
    )
    return row


def retrain_due_models() -> int:
    """Retrain every workspace with corrections newer than its model (the nightly job)."""
    latest = dict(
        SentimentCorrection.objects.values("workspace_id")
        .annotate(latest=Max("corrected_at"))
        .values_list("workspace_id", "latest")
    )
    trained = dict(
        SentimentModel.objects.filter(workspace_id__in=latest).values_list(
            "workspace_id", "trained_at"
        )
    )
    done = 0
    for workspace in Workspace.objects.filter(pk__in=latest).order_by("pk"):
        if workspace.pk in trained and trained[workspace.pk] >= latest[workspace.pk]:
            continue
        retrain_sentiment_model(workspace=workspace)
        done += 1
    return done


def model_for(workspace_id: int) -> Model | None:
    """The workspace's own model, or None for the default one. One indexed read per call; the
    model's bytes are read only the first time a process meets a version."""
    version = (
        SentimentModel.objects.filter(workspace_id=workspace_id)
        .values_list("version", flat=True)
        .first()
    )
    if version is None:
        return None
    path = Path(settings.DATA_DIR) / "nlp" / f"workspace-{workspace_id}" / f"{version}.skops"
    try:
        if not path.is_file():
            content = (
                SentimentModel.objects.filter(workspace_id=workspace_id, version=version)
                .values_list("content", flat=True)
                .first()
            )
            if content is None:
                return None  # retrained meanwhile: the next batch reads the new version
            _write_atomically(path, bytes(content))
        return cached_model(path)
    except (OSError, NlpError):
        # A model this process cannot read (e.g. from another scikit-learn version) must not
        # stop enrichment: the default model answers, and retraining writes a readable one.
        logger.exception("workspace %s: its sentiment model is unreadable", workspace_id)
        return None


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(content)
    Path(handle.name).replace(path)


def _corrected_texts(workspace: Workspace) -> tuple[list[str], list[str]]:
    """(text, label) of every correction whose text still exists, oldest first."""
    corrections = list(
        SentimentCorrection.objects.filter(workspace=workspace)
        .order_by("corrected_at", "pk")
        .values_list("source_kind", "source_id", "label")
    )
    ids: dict[str, list[int]] = {kind: [] for kind in SourceKind.values}
    for kind, source_id, _ in corrections:
        ids[kind].append(source_id)
    texts: dict[str, dict[int, str]] = {
        SourceKind.REVIEW: dict(
            Review.objects.filter(workspace=workspace, pk__in=ids[SourceKind.REVIEW]).values_list(
                "pk", "text"
            )
        ),
        SourceKind.MESSAGE: dict(
            Message.objects.filter(workspace=workspace, pk__in=ids[SourceKind.MESSAGE]).values_list(
                "pk", "text"
            )
        ),
        SourceKind.SURVEY: dict(
            Response.objects.filter(workspace=workspace, pk__in=ids[SourceKind.SURVEY]).values_list(
                "pk", "comment"
            )
        ),
    }
    pairs = [
        (texts[kind][source_id], label)
        for kind, source_id, label in corrections
        if texts[kind].get(source_id)
    ]
    return [text for text, _ in pairs], [label for _, label in pairs]
