import heapq
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice

from django.db.models import QuerySet

from xiaonuo.accounts.models import Workspace
from xiaonuo.customers.models import Identity, IdentityKind, MergeRecord
from xiaonuo.events import lake
from xiaonuo.events.models import Event, EventDayCount, LakeState

StoredEvent = Event | lake.LakeEvent  # the attributes a timeline reads are the same


def person_of(*, workspace: Workspace, customer_id: int) -> lake.Person:
    """Whose events make up this customer's timeline in the lake: the customer, the customers
    merged into them, and their anonymous ids (events written before the id was identified)."""
    merged = MergeRecord.objects.filter(workspace=workspace, survivor_id=customer_id).values_list(
        "merged_id", flat=True
    )
    anonymous = Identity.objects.filter(
        workspace=workspace, customer_id=customer_id, kind=IdentityKind.ANONYMOUS_ID
    ).values_list("value", flat=True)
    return lake.Person(customer_ids=(customer_id, *merged), anonymous_ids=tuple(anonymous))


def list_customer_events(
    *, workspace: Workspace, customer_id: int, offset: int = 0, limit: int = 50
) -> list[StoredEvent]:
    """A customer's timeline, newest first (see ``page_customer_events``)."""
    return page_customer_events(
        workspace=workspace, customer_id=customer_id, offset=offset, limit=limit
    )[0]


def page_customer_events(
    *, workspace: Workspace, customer_id: int, offset: int = 0, limit: int = 50
) -> tuple[list[StoredEvent], int]:
    """A page of the customer's timeline, newest first, and how many events they have: the tail
    (``event_customer_ts`` index) and the lake (one row group per day file) merged. An event in
    both (sent again through the API after its history was imported) is shown once; the total
    counts it twice until the compaction job drops the tail's copy."""
    wanted = offset + limit
    events = uncompacted_events(workspace=workspace).filter(customer_id=customer_id)
    tail: list[StoredEvent] = list(events.order_by("-timestamp", "-id")[:wanted])
    tail_total = len(tail) if len(tail) < wanted else events.count()
    paths = lake.file_paths(workspace_id=workspace.pk)
    if not paths:
        return tail[offset:wanted], tail_total
    from_lake, lake_total = lake.person_events(
        workspace_id=workspace.pk,
        person=person_of(workspace=workspace, customer_id=customer_id),
        limit=wanted,
        paths=paths,
    )
    merged = heapq.merge(tail, from_lake, key=_newest_first_key, reverse=True)
    return list(islice(_first_of_each_message(merged), offset, wanted)), tail_total + lake_total


def _newest_first_key(event: StoredEvent) -> datetime:
    return event.timestamp


def _first_of_each_message(events: Iterable[StoredEvent]) -> Iterator[StoredEvent]:
    seen: set[str] = set()
    for event in events:
        if event.message_id not in seen:
            seen.add(event.message_id)
            yield event


def get_event_counts_by_day(*, workspace: Workspace, days: list[date]) -> dict[date, int]:
    """Events per local day (``TIME_ZONE``), zero for a day without any: one indexed lookup in
    ``EventDayCount`` (tail and lake together), whatever the size of the events table."""
    stored = dict(
        EventDayCount.objects.filter(workspace=workspace, day__in=days).values_list("day", "count")
    )
    return {day: stored.get(day, 0) for day in days}


def uncompacted_events(*, workspace: Workspace) -> "QuerySet[Event]":
    """The tail rows not yet in the lake (above the compaction watermark): what readers add to
    the lake's files. Compacted rows stay in the tail for a while (TAIL_RETENTION_DAYS) but are
    in the lake, so reading both would count them twice."""
    mark = LakeState.objects.filter(pk=1).values_list("compacted_up_to", flat=True).first()
    return Event.objects.filter(workspace=workspace, id__gt=mark or 0)
