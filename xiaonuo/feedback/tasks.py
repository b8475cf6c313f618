"""Background jobs of the feedback app. Each takes ids (or nothing), is idempotent, and is safe
to run twice at once: enrichment skips what is done, alerts are unique per scope and day."""

import logging

from django.db import DatabaseError
from huey.contrib.djhuey import db_task

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk.models import AuthorKind, MessageKind
from xiaonuo.feedback import alerts, corrections, enrichment
from xiaonuo.feedback.models import Review

logger = logging.getLogger(__name__)

ENRICH_BATCH = enrichment.BATCH


@db_task()
def enrich_reviews(review_ids: list[int]) -> int:
    return enrichment.enrich_reviews(review_ids=review_ids)


@db_task()
def enrich_messages(message_ids: list[int]) -> int:
    return enrichment.enrich_messages(message_ids=message_ids)


@db_task()
def enrich_survey_responses(response_ids: list[int]) -> int:
    return enrichment.enrich_survey_responses(response_ids=response_ids)


@db_task()
def catch_up_enrichment() -> int:
    return enrichment.catch_up()


@db_task()
def check_alerts() -> int:
    """Every workspace that has reviews (hourly)."""
    raised = 0
    workspace_ids = Review.objects.values_list("workspace_id", flat=True).distinct()
    for workspace in Workspace.objects.filter(pk__in=workspace_ids).order_by("pk"):
        raised += len(alerts.check_alerts(workspace=workspace))
    return raised


@db_task()
def retrain_sentiment_model(workspace_id: int) -> int:
    """One workspace's model, when its staff ask for it from the settings page."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    corrections.retrain_sentiment_model(workspace=workspace)
    return 1


@db_task()
def retrain_due_sentiment_models() -> int:
    return corrections.retrain_due_models()


# --- Reactions (xiaonuo/listeners.py) -----------------------------------------------------------
# They run on the desk's request path after its commit, so they only enqueue: the model runs in
# the worker. A queue that cannot take the job now is logged; the catch-up job covers it.


def on_message_created(
    *,
    message_id: int,
    kind: str | None = None,
    author_kind: str | None = None,
    **_: object,
) -> None:
    if (kind, author_kind) not in ((None, None), (MessageKind.INBOUND, AuthorKind.CUSTOMER)):
        return  # only customers' messages are enriched: no job for replies and notes
    try:
        enrich_messages([message_id])
    except DatabaseError:
        logger.warning("enrichment of message %s not queued; catch-up will", message_id)


def on_survey_response_created(*, response_id: int, **_: object) -> None:
    try:
        enrich_survey_responses([response_id])
    except DatabaseError:
        logger.warning("enrichment of survey response %s not queued; catch-up will", response_id)
