"""Outgoing webhooks: the events a workspace can subscribe to, ``publish`` for every app, and the
use cases behind the console's webhook pages. Decision record: docs/decisions/0009-webhooks.md.

How a delivery travels:

1. ``publish`` (in the caller's transaction) writes one ``WebhookDelivery`` per enabled endpoint
   subscribed to the event, and asks for its first attempt on commit. A rolled-back transaction
   therefore sends nothing, and the caller never waits for a receiver.
2. ``attempt_delivery`` (a Huey task) claims the attempt with a conditional UPDATE, so a task
   delivered twice, the minute sweep and "retry now" never send the same attempt twice; makes
   one signed request (``webhook_sending.post``); records the attempt and the new state.
3. A failure that may pass (network, timeout, 5xx, 429) is tried again after an exponential
   back-off with jitter: ``retry_delay``. ``enqueue_due_deliveries`` (every minute, in
   ``xiaonuo/schedule.py``) picks up the due ones. After ``MAX_ATTEMPTS`` the delivery gives up.
"""

import json
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts import webhook_sending
from xiaonuo.accounts.exceptions import AccountsError
from xiaonuo.accounts.models import (
    AuditAction,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookError,
    Workspace,
)
from xiaonuo.accounts.services import Actor, record_audit
from xiaonuo.lib.errors import NotFound, ServiceError
from xiaonuo.lib.tokens import new_secret


@dataclass(frozen=True)
class WebhookEvent:
    name: str
    label: Promise  # zh-CN msgid, translated in the console


# Every event a workspace may subscribe to. An app that publishes a new event adds it here, with
# its label, and describes its payload in docs/decisions/0009-webhooks.md; publish() refuses
# names missing from this list, so a typo fails in the publisher's tests rather than silently.
EVENTS: tuple[WebhookEvent, ...] = (
    # desk: a message was added to a conversation (from the customer, an agent or auto-reply)
    WebhookEvent("message.created", _("新消息")),
    # desk: a conversation moved between open, pending, solved … (payload has old and new)
    WebhookEvent("conversation.status_changed", _("会话状态变化")),
    # feedback: a spike of negative reviews or complaints for a store or product
    WebhookEvent("feedback.alert", _("评价预警")),
)
EVENT_NAMES = frozenset(event.name for event in EVENTS)
# Sent by the console's "send test event" button only; nobody subscribes to it.
TEST_EVENT = "webhook.test"

MAX_ENDPOINTS = 20  # per workspace; publish() reads them all on every event
MAX_URL_LENGTH = 2000  # WebhookEndpoint.url's column
# A webhook says what happened; receivers fetch bulky details through the API.
MAX_PAYLOAD_BYTES = 256 * 1024
# 1 first attempt + 10 retries. With RETRY_BASE doubling, the retries come about 1.5 min, 3, 6,
# 12, 24, 48 min, 1.6 h, 3.2 h, 6.4 h and 12.8 h after each previous attempt: the last one about
# 25.6 h after the event, so a receiver that is down for a day still gets everything.
MAX_ATTEMPTS = 11
RETRY_BASE = timedelta(seconds=90)
# ±20 %, so deliveries that failed together (a receiver's outage) do not all return together.
RETRY_JITTER = 0.2
# An attempt in flight keeps others off for this long; a worker that died mid-request frees the
# delivery for the sweep after it. Far above the request timeout.
CLAIM_FOR = timedelta(minutes=2)
SWEEP_BATCH = 500  # due deliveries enqueued per sweep; the rest wait a minute
DELIVERIES_KEPT_FOR = timedelta(days=30)
PURGE_BATCH = 5000


def event_choices() -> list[tuple[str, Promise]]:
    return [(event.name, event.label) for event in EVENTS]


def event_labels(names: Iterable[str]) -> list[tuple[str, Promise | str]]:
    """(name, label) of each name; a name dropped from EVENTS since is shown as is."""
    labels: dict[str, Promise | str] = dict(event_choices())
    labels[TEST_EVENT] = _("测试事件")
    return [(name, labels.get(name, name)) for name in names]


# --- Publishing -------------------------------------------------------------------------------


def publish(*, workspace_id: int, event: str, payload: dict[str, Any]) -> None:
    """Record one delivery per active endpoint of the workspace subscribed to ``event``, and
    enqueue their sending on transaction commit. One indexed query when nobody subscribes.

    Call it inside the transaction that makes the change: if that rolls back, nothing is sent.
    ``payload`` must be JSON-serialisable (Django's encoder: datetimes, UUIDs and decimals too).
    """
    publish_all(workspace_id=workspace_id, events=[(event, payload)])


def publish_all(*, workspace_id: int, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """``publish`` for several events of one change (a message that also moved its ticket's
    status), in order, with one look-up of the workspace's endpoints for all of them."""
    for event, _payload in events:
        if event not in EVENT_NAMES:
            raise ValueError(f"Unknown webhook event {event!r}; add it to accounts.webhooks.EVENTS")
    endpoints = list(
        WebhookEndpoint.objects.filter(workspace_id=workspace_id, is_enabled=True).values_list(
            "id", "events"
        )
    )
    if not endpoints:
        return
    for event, payload in events:
        endpoint_ids = [endpoint_id for endpoint_id, names in endpoints if event in names]
        if endpoint_ids:
            _check_payload_size(payload)
            _create_deliveries(
                workspace_id=workspace_id, endpoint_ids=endpoint_ids, event=event, payload=payload
            )


def _check_payload_size(payload: dict[str, Any]) -> None:
    size = len(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(f"Webhook payload of {size} bytes is over {MAX_PAYLOAD_BYTES}")


def _create_deliveries(
    *, workspace_id: int, endpoint_ids: list[int], event: str, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                workspace_id=workspace_id,
                endpoint_id=endpoint_id,
                uuid=uuid.uuid4(),
                event=event,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint_id in endpoint_ids
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _enqueue_attempts((pk, 1) for pk in ids))
    return deliveries


def _enqueue_attempts(attempts: Iterable[tuple[int, int]]) -> None:
    # Imported here: tasks.py imports this module to call it.
    from xiaonuo.accounts import tasks as accounts_tasks

    for delivery_id, attempt in attempts:
        accounts_tasks.send_webhook_delivery(delivery_id, attempt)


# --- Sending ----------------------------------------------------------------------------------


def retry_delay(attempt: int) -> timedelta:
    """How long after failed attempt number ``attempt`` (1-based) the next one is made."""
    return RETRY_BASE * (2 ** (attempt - 1)) * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER)


def attempt_delivery(*, delivery_id: int, attempt: int) -> str:
    """Make attempt number ``attempt`` of a delivery unless it was made already; returns the
    delivery's status afterwards, or ``"skipped"``. Idempotent: safe to run twice."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDeliveryStatus.PENDING, attempts=attempt - 1
        )
        .filter(_unclaimed(now))
        .update(attempts=attempt, claimed_until=now + CLAIM_FOR, last_attempt_at=now)
    )
    if claimed != 1:
        return "skipped"  # made already (a duplicate task), or no longer pending
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if endpoint.is_enabled:
        outcome = webhook_sending.post(
            url=endpoint.url,
            secret=endpoint.secret,
            event=delivery.event,
            delivery_id=str(delivery.uuid),
            body=delivery_body(delivery),
        )
    else:
        outcome = webhook_sending.Outcome(duration_ms=0, error=WebhookError.DISABLED)
    return _record_attempt(delivery=delivery, attempt=attempt, started_at=now, outcome=outcome)


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the same bytes on every attempt of a delivery."""
    envelope = {
        "id": str(delivery.uuid),
        "event": delivery.event,
        "created_at": delivery.created_at,
        "workspace_id": delivery.workspace_id,
        "data": delivery.payload,
    }
    return json.dumps(
        envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def _record_attempt(
    *,
    delivery: WebhookDelivery,
    attempt: int,
    started_at: datetime,
    outcome: webhook_sending.Outcome,
) -> str:
    now = timezone.now()
    changes: dict[str, Any] = {
        "claimed_until": None,
        "last_status_code": outcome.status_code,
        "last_response_excerpt": outcome.excerpt,
        "last_error": outcome.error,
        "last_duration_ms": outcome.duration_ms,
        "next_attempt_at": None,
        "completed_at": now,
    }
    if outcome.succeeded:
        changes["status"] = WebhookDeliveryStatus.SUCCEEDED
    elif not outcome.retryable:
        changes["status"] = WebhookDeliveryStatus.FAILED
    elif attempt >= MAX_ATTEMPTS:
        changes["status"] = WebhookDeliveryStatus.GAVE_UP
    else:
        changes.update(
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at=now + retry_delay(attempt),
            completed_at=None,
        )
    with transaction.atomic():
        current = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery.pk)
            .values_list("attempts", flat=True)
            .first()
        )
        if current is None:
            return "skipped"  # deleted with its endpoint while the request was out
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=attempt,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
            error_detail=outcome.error_detail,
        )
        if current != attempt:
            # Our claim lapsed and a later attempt was claimed: that one owns the state now.
            return "skipped"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)
    return str(changes["status"])


def enqueue_due_deliveries(*, now: datetime | None = None) -> int:
    """Ask for the next attempt of every pending delivery that is due; returns how many."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(_unclaimed(timezone.now()))
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:SWEEP_BATCH]
    )
    _enqueue_attempts((pk, attempts + 1) for pk, attempts in due)
    return len(due)


def purge_old_deliveries(*, now: datetime | None = None) -> int:
    """Delete finished deliveries (and their attempts) older than a month; returns how many."""
    cutoff = (now or timezone.now()) - DELIVERIES_KEPT_FOR
    old = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(
        status=WebhookDeliveryStatus.PENDING
    )
    deleted = 0
    # In batches: at 100 messages a second a month of deliveries is hundreds of millions of rows.
    while ids := list(old.values_list("pk", flat=True)[:PURGE_BATCH]):
        WebhookAttempt.objects.filter(delivery_id__in=ids).delete()
        deleted += (
            WebhookDelivery.objects.filter(pk__in=ids)
            .delete()[1]
            .get(WebhookDelivery._meta.label, 0)
        )
    return deleted


# --- Endpoints (the console) ------------------------------------------------------------------


def create_endpoint(
    *, workspace: Workspace, url: str, events: list[str], description: str, actor: Actor
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, which the console shows once."""
    url = _clean_url(url)
    events = _clean_events(events)
    secret = new_secret("whsec", 32)
    with transaction.atomic():
        # Locking the workspace row serialises concurrent creations, so the limit holds.
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        if WebhookEndpoint.objects.filter(workspace=workspace).count() >= MAX_ENDPOINTS:
            raise ServiceError(
                AccountsError.WEBHOOK_ENDPOINT_LIMIT,
                f"A workspace has at most {MAX_ENDPOINTS} webhook endpoints",
                limit=MAX_ENDPOINTS,
            )
        endpoint = WebhookEndpoint.objects.create(
            workspace=workspace,
            url=url,
            events=events,
            description=description.strip(),
            secret=secret,
            created_by=actor.user,
        )
        record_audit(
            workspace=workspace,
            actor=actor,
            action=AuditAction.WEBHOOK_CREATE,
            target_type="webhook_endpoint",
            target_id=str(endpoint.pk),
            detail={"url": url, "events": ",".join(events)},
        )
    return endpoint, secret


def update_endpoint(
    *, workspace: Workspace, endpoint_id: int, url: str, events: list[str], description: str
) -> WebhookEndpoint:
    url = _clean_url(url)
    events = _clean_events(events)
    with transaction.atomic():
        endpoint = _locked_endpoint(workspace=workspace, endpoint_id=endpoint_id)
        endpoint.url = url
        endpoint.events = events
        endpoint.description = description.strip()
        endpoint.save(update_fields=["url", "events", "description", "updated_at"])
    return endpoint


def set_endpoint_enabled(
    *, workspace: Workspace, endpoint_id: int, enabled: bool
) -> WebhookEndpoint:
    """Disabling stops new deliveries at once; pending retries fail with "endpoint disabled"."""
    with transaction.atomic():
        endpoint = _locked_endpoint(workspace=workspace, endpoint_id=endpoint_id)
        endpoint.is_enabled = enabled
        endpoint.save(update_fields=["is_enabled", "updated_at"])
    return endpoint


def delete_endpoint(*, workspace: Workspace, endpoint_id: int, actor: Actor) -> None:
    """Deletes the endpoint with its delivery log; tasks already queued find nothing to send."""
    with transaction.atomic():
        endpoint = _locked_endpoint(workspace=workspace, endpoint_id=endpoint_id)
        WebhookAttempt.objects.filter(delivery__endpoint=endpoint).delete()
        WebhookDelivery.objects.filter(endpoint=endpoint).delete()
        endpoint.delete()
        record_audit(
            workspace=workspace,
            actor=actor,
            action=AuditAction.WEBHOOK_DELETE,
            target_type="webhook_endpoint",
            target_id=str(endpoint_id),
            detail={"url": endpoint.url},
        )


def reveal_secret(*, workspace: Workspace, endpoint_id: int, actor: Actor) -> str:
    endpoint = _get_endpoint(workspace=workspace, endpoint_id=endpoint_id)
    record_audit(
        workspace=workspace,
        actor=actor,
        action=AuditAction.WEBHOOK_SECRET_REVEAL,
        target_type="webhook_endpoint",
        target_id=str(endpoint.pk),
    )
    return endpoint.secret


def send_test_event(*, workspace: Workspace, endpoint_id: int, actor: Actor) -> WebhookDelivery:
    """A ``webhook.test`` delivery to this endpoint only, whatever it subscribed to."""
    endpoint = _get_endpoint(workspace=workspace, endpoint_id=endpoint_id)
    if not endpoint.is_enabled:
        raise ServiceError(
            AccountsError.WEBHOOK_ENDPOINT_DISABLED, "Enable the endpoint before sending to it"
        )
    payload = {
        "message": "Test event from Xiaonuo",
        "sent_by": actor.user.get_username() if actor.user else None,
    }
    with transaction.atomic():
        (delivery,) = _create_deliveries(
            workspace_id=workspace.pk, endpoint_ids=[endpoint.pk], event=TEST_EVENT, payload=payload
        )
    return delivery


def retry_delivery(*, workspace: Workspace, endpoint_id: int, delivery_id: int) -> None:
    """ "Retry now": one attempt at once, whatever the back-off said. Then the usual rules."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(workspace=workspace, endpoint_id=endpoint_id, pk=delivery_id)
            .first()
        )
        if delivery is None:
            raise NotFound(AccountsError.WEBHOOK_DELIVERY_NOT_FOUND, "Webhook delivery not found")
        if not delivery.endpoint.is_enabled:
            raise ServiceError(
                AccountsError.WEBHOOK_ENDPOINT_DISABLED, "Enable the endpoint before sending to it"
            )
        now = timezone.now()
        in_flight = delivery.claimed_until is not None and delivery.claimed_until >= now
        if delivery.status == WebhookDeliveryStatus.SUCCEEDED or in_flight:
            raise ServiceError(
                AccountsError.WEBHOOK_DELIVERY_NOT_RETRYABLE,
                "This delivery succeeded already or is being sent right now",
            )
        delivery.status = WebhookDeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.completed_at = None
        delivery.save(update_fields=["status", "next_attempt_at", "completed_at"])
        next_attempt = (delivery.pk, delivery.attempts + 1)
        transaction.on_commit(lambda: _enqueue_attempts([next_attempt]))


def _get_endpoint(*, workspace: Workspace, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(workspace=workspace, pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(AccountsError.WEBHOOK_ENDPOINT_NOT_FOUND, "Webhook endpoint not found")
    return endpoint


def _locked_endpoint(*, workspace: Workspace, endpoint_id: int) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update()
        .filter(workspace=workspace, pk=endpoint_id)
        .first()
    )
    if endpoint is None:
        raise NotFound(AccountsError.WEBHOOK_ENDPOINT_NOT_FOUND, "Webhook endpoint not found")
    return endpoint


def _clean_url(url: str) -> str:
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ServiceError(AccountsError.WEBHOOK_URL_INVALID, "The URL is too long", field="url")
    try:
        webhook_sending.check_url(url)
    except webhook_sending.TargetRefused as refused:
        raise ServiceError(refused.code, refused.message, field="url") from None
    return url


def _clean_events(events: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise ServiceError(
            AccountsError.WEBHOOK_EVENTS_INVALID, "Choose at least one event", field="events"
        )
    unknown = [name for name in chosen if name not in EVENT_NAMES]
    if unknown:
        raise ServiceError(
            AccountsError.WEBHOOK_EVENTS_INVALID,
            f"Unknown event {unknown[0]!r}",
            field="events",
        )
    return chosen
