"""Accepting events: the identify/track API and the reactions that keep events with their person."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.identities import normalise
from xiaonuo.customers.models import Identity, IdentityKind
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.events import lake, storage
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events.exceptions import EventsError
from xiaonuo.events.models import Event, EventType
from xiaonuo.events.storage import EventRecord
from xiaonuo.lib.errors import ServiceError

MAX_BATCH = 1000
# Clocks drift; a timestamp this far ahead of the server is a client bug, not an event.
MAX_CLOCK_SKEW = timedelta(days=1)

# Identify traits that map onto the profile; other traits stay on the identify event itself
# and become attributes only if the workspace declared them.
_EVENT_TYPES = frozenset(EventType.values)
_PROFILE_TRAITS = ("name", "gender", "city")  # fields of CustomerChanges
_IDENTITY_TRAITS = {
    "phone": IdentityKind.PHONE,
    "email": IdentityKind.EMAIL,
    "openid": IdentityKind.OPENID,
    "unionid": IdentityKind.UNIONID,
    "qq": IdentityKind.QQ,
}


@dataclass
class IncomingEvent:
    type: str
    event: str = ""
    user_id: str = ""
    anonymous_id: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    timestamp: datetime | None = None
    message_id: str = ""


@dataclass
class IngestResult:
    accepted: int
    duplicates: int


def check_events(items: list[IncomingEvent], *, now: datetime) -> list[dict[str, Any]]:
    """Per-item problems, as ``{"index", "field", "message"}``; empty when the batch is good."""
    errors: list[dict[str, Any]] = []
    latest = now + MAX_CLOCK_SKEW
    for index, item in enumerate(items):
        if item.type not in _EVENT_TYPES:
            errors.append(
                {"index": index, "field": "type", "message": "type must be track or identify"}
            )
        if not item.user_id and not item.anonymous_id:
            errors.append(
                {
                    "index": index,
                    "field": "user_id",
                    "message": "user_id or anonymous_id is required",
                }
            )
        if item.type == EventType.TRACK and not item.event:
            errors.append(
                {"index": index, "field": "event", "message": "track needs an event name"}
            )
        if item.timestamp is not None and item.timestamp > latest:
            errors.append(
                {"index": index, "field": "timestamp", "message": "timestamp is in the future"}
            )
        if item.type == EventType.IDENTIFY:
            for key, kind in _IDENTITY_TRAITS.items():
                if item.traits.get(key):
                    try:
                        normalise(kind, str(item.traits[key]))
                    except ServiceError as exc:
                        errors.append(
                            {"index": index, "field": f"traits.{key}", "message": exc.message}
                        )
    return errors


def ingest_events(
    *, workspace: Workspace, items: list[IncomingEvent], actor: Actor
) -> IngestResult:
    """Validate and commit a batch; returns only after the commit.

    All or nothing: a batch with a bad item is rejected whole (``invalid_events`` with every
    item's problem), so nothing is half-written. Idempotent by ``message_id``: an id already
    stored, or repeated in the batch, is counted as a duplicate and not stored again.
    """
    if not items:
        raise ServiceError(EventsError.EMPTY_BATCH, "The batch is empty")
    if len(items) > MAX_BATCH:
        raise ServiceError(
            EventsError.BATCH_TOO_LARGE, f"At most {MAX_BATCH} events per batch", status=413
        )
    now = timezone.now()
    errors = check_events(items, now=now)
    if errors:
        raise ServiceError(
            EventsError.INVALID_EVENTS,
            "Some events did not validate; nothing was stored",
            status=422,
            errors=errors,
        )
    for item in items:
        item.message_id = item.message_id or str(uuid.uuid4())
    # An identify changes a profile, so a repeated one is recognised before it is applied (and
    # its customers are resolved inside the transaction); plain track events are deduplicated by
    # the insert itself, and their known customers are looked up before the transaction, so that
    # the write lock (one writer at a time on SQLite) is held only for the writes.
    has_identify = any(item.type == EventType.IDENTIFY for item in items)
    known = None if has_identify else _look_up_customers(workspace=workspace, items=items)
    try:
        accepted = _store(workspace=workspace, items=items, actor=actor, now=now, known=known)
    except IntegrityError:
        if known is None:
            raise
        # A customer looked up was merged or erased before our commit: resolve again, inside.
        accepted = _store(workspace=workspace, items=items, actor=actor, now=now, known=None)
    return IngestResult(accepted=accepted, duplicates=len(items) - accepted)


@dataclass
class _KnownCustomers:
    by_user: dict[str, int]
    by_anonymous: dict[str, int]
    complete: bool  # every user id of the batch has a customer already


def _look_up_customers(*, workspace: Workspace, items: list[IncomingEvent]) -> _KnownCustomers:
    users = {i.user_id for i in items if i.user_id}
    anonymous = {i.anonymous_id for i in items if not i.user_id and i.anonymous_id}
    by_user = _identity_owners(workspace=workspace, kind=IdentityKind.EXTERNAL_ID, values=users)
    by_anonymous = _identity_owners(
        workspace=workspace, kind=IdentityKind.ANONYMOUS_ID, values=anonymous
    )
    return _KnownCustomers(
        by_user=by_user, by_anonymous=by_anonymous, complete=len(by_user) == len(users)
    )


def _identity_owners(
    *, workspace: Workspace, kind: IdentityKind, values: set[str]
) -> dict[str, int]:
    if not values:
        return {}
    return dict(
        Identity.objects.filter(workspace=workspace, kind=kind, value__in=values).values_list(
            "value", "customer_id"
        )
    )


def _store(
    *,
    workspace: Workspace,
    items: list[IncomingEvent],
    actor: Actor,
    now: datetime,
    known: _KnownCustomers | None,
) -> int:
    if known is not None and known.complete:
        # Returning users only (the steady state): rows are built before the write transaction.
        customer_of = {
            i.message_id: known.by_user[i.user_id]
            if i.user_id
            else known.by_anonymous.get(i.anonymous_id)
            for i in items
        }
        prepared = storage.prepare_events(
            workspace_id=workspace.pk, records=_records(items, customer_of, now), received_at=now
        )
        with transaction.atomic():
            return storage.insert_prepared(prepared)
    with transaction.atomic():
        fresh = items if known is not None else _drop_duplicates(workspace=workspace, items=items)
        # Identifies first, each resolved just before it is applied: one may merge a record that
        # another item of the batch names, and identities move with a merge, so everything
        # resolved afterwards lands on the survivor.
        for item in fresh:
            if item.type == EventType.IDENTIFY:
                customer_id = _resolve_customers(workspace=workspace, items=[item])[item.message_id]
                if customer_id is not None:  # an identify always creates its customer
                    _apply_identify(
                        workspace=workspace, item=item, customer_id=customer_id, actor=actor
                    )
        customer_of = _resolve_customers(workspace=workspace, items=fresh, known=known)
        return storage.insert_events(
            workspace_id=workspace.pk, records=_records(fresh, customer_of, now), received_at=now
        )


def _records(
    items: list[IncomingEvent], customer_of: dict[str, int | None], now: datetime
) -> list[EventRecord]:
    return [
        EventRecord(
            customer_id=customer_of.get(item.message_id),
            type=item.type,
            name=item.event if item.type == EventType.TRACK else "",
            properties=item.properties if item.type == EventType.TRACK else item.traits,
            user_id=item.user_id,
            anonymous_id=item.anonymous_id,
            message_id=item.message_id,
            timestamp=item.timestamp or now,
        )
        for item in items
    ]


def _drop_duplicates(*, workspace: Workspace, items: list[IncomingEvent]) -> list[IncomingEvent]:
    ids = {item.message_id for item in items}
    stored = set(
        Event.objects.filter(workspace=workspace, message_id__in=ids).values_list(
            "message_id", flat=True
        )
    )
    fresh: list[IncomingEvent] = []
    seen: set[str] = set()
    for item in items:
        if item.message_id in stored or item.message_id in seen:
            continue
        seen.add(item.message_id)
        fresh.append(item)
    return fresh


def _resolve_customers(
    *, workspace: Workspace, items: list[IncomingEvent], known: _KnownCustomers | None = None
) -> dict[str, int | None]:
    """message_id → customer id. Known users are looked up in one query per batch (or were, in
    ``known``); unknown user ids get a new customer; anonymous-only events attach if the
    anonymous id is known."""
    users = {i.user_id for i in items if i.user_id}
    by_user = dict(known.by_user) if known is not None else {}
    by_user.update(
        customers_services.ensure_customers_for_identities(
            workspace=workspace, kind=IdentityKind.EXTERNAL_ID, values=users - by_user.keys()
        )
    )
    anonymous_only = {i.anonymous_id for i in items if not i.user_id and i.anonymous_id}
    # An identify with only an anonymous id creates a customer for that device.
    anonymous_identified = {
        i.anonymous_id
        for i in items
        if not i.user_id and i.anonymous_id and i.type == EventType.IDENTIFY
    }
    by_anonymous = customers_services.ensure_customers_for_identities(
        workspace=workspace, kind=IdentityKind.ANONYMOUS_ID, values=anonymous_identified
    )
    rest = anonymous_only - anonymous_identified
    if known is not None:
        by_anonymous.update(known.by_anonymous)
    elif rest:
        by_anonymous.update(
            Identity.objects.filter(
                workspace=workspace, kind=IdentityKind.ANONYMOUS_ID, value__in=rest
            ).values_list("value", "customer_id")
        )
    return {
        i.message_id: by_user[i.user_id] if i.user_id else by_anonymous.get(i.anonymous_id)
        for i in items
    }


def _apply_identify(
    *, workspace: Workspace, item: IncomingEvent, customer_id: int, actor: Actor
) -> None:
    """Profile traits update the customer; identity traits link to it. An identity that already
    belongs to someone else means both records are this person: the other is merged into this
    one (audited)."""
    traits = item.traits
    profile = {
        name: str(traits[name]) for name in _PROFILE_TRAITS if traits.get(name) not in (None, "")
    }
    changes = CustomerChanges(
        name=profile.get("name"), gender=profile.get("gender"), city=profile.get("city")
    )
    customers_services.update_customer(
        workspace=workspace, customer_id=customer_id, changes=changes
    )
    links = [(kind, str(traits[key])) for key, kind in _IDENTITY_TRAITS.items() if traits.get(key)]
    if item.user_id and item.anonymous_id:
        links.append((IdentityKind.ANONYMOUS_ID, item.anonymous_id))
    for kind, value in links:
        customers_services.link_identity(
            workspace=workspace, customer_id=customer_id, kind=kind, value=value, actor=actor
        )
    if item.user_id and item.anonymous_id:
        join_anonymous_events(
            workspace_id=workspace.pk, anonymous_id=item.anonymous_id, customer_id=customer_id
        )


def join_anonymous_events(*, workspace_id: int, anonymous_id: str, customer_id: int) -> int:
    return Event.objects.filter(
        workspace_id=workspace_id, anonymous_id=anonymous_id, customer__isnull=True
    ).update(customer_id=customer_id)


# --- Reactions (wired in xiaonuo/listeners.py) ------------------------------------------------


def move_events_to_survivor(*, workspace_id: int, survivor_id: int, merged_id: int) -> None:
    Event.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )


def erase_customer_events(*, workspace_id: int, customer_id: int) -> None:
    """Delete the customer's events, in the tail and in the lake, and take them off the
    dashboard's day counts. Runs before the customer's merge records are removed, so events
    written under the ids merged into them go too."""
    events = Event.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
    with transaction.atomic():
        per_day = (
            events.annotate(day=TruncDate("timestamp", tzinfo=timezone.get_default_timezone()))
            .values_list("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        removed = {day: -n for day, n in per_day}
        workspace = Workspace.objects.get(pk=workspace_id)
        person = events_selectors.person_of(workspace=workspace, customer_id=customer_id)
        for day, n in lake.erase_person(workspace_id=workspace_id, person=person).items():
            removed[day] = removed.get(day, 0) - n
        storage.add_day_counts(workspace_id=workspace_id, per_day=removed)
        events.delete()
