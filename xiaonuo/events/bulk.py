"""Loading event history in bulk: files from another system, and the demo's generated history.

Rows are written through ``events.storage`` (the driver-level writer the API uses too), in one
transaction per chunk of CHUNK_ROWS rather than per API batch of 1,000. Both keep the unique (workspace, message_id) index as the idempotency guard, so loading the same
file twice stores each event once. Customers are resolved per chunk exactly like the API does
(``ensure_customers_for_identities``), so loaded events join the same people.

A file is validated whole before anything is stored (DESIGN.md §6: bad input stores nothing).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Identity, IdentityKind
from xiaonuo.events import services as events_services
from xiaonuo.events import storage as events_storage
from xiaonuo.events.models import EventType

# 20,000 rows keep each SQLite write transaction under about 0.1 s (other writers wait at most
# that long) and the identity lookup's IN list under SQLite's 32,766 variable limit.
CHUNK_ROWS = 20_000
# Files up to this many events are parsed once and kept in memory between the validation pass
# and the load (about 0.5 KB a row); bigger files are parsed a second time instead.
KEEP_PARSED_ROWS = 1_000_000
MAX_ERRORS = 100
# Loads of at least this many rows, and at least a quarter of the rows already stored, go in
# without the timeline index and rebuild it at the end (see _timeline_index_deferred).
REBUILD_MIN_ROWS = 100_000
REBUILD_RATIO = 4
_TIMELINE_INDEX = "event_customer_ts"
MAX_REMEMBERED_CUSTOMERS = 2_000_000  # about 200 MB
MAX_CLOCK_SKEW = events_services.MAX_CLOCK_SKEW  # same rule as the API
CSV_COLUMNS = ("type", "user_id", "anonymous_id", "event", "properties", "timestamp", "message_id")
_MAX_ID = 200  # the column width of user_id, anonymous_id, event and message_id


@dataclass(slots=True)
class EventRow:
    """One event to load. ``timestamp`` must be timezone-aware."""

    type: str
    event: str
    user_id: str
    anonymous_id: str
    properties: dict[str, Any]
    timestamp: datetime
    message_id: str
    traits: dict[str, Any] = field(default_factory=dict)  # identify only


@dataclass
class LoadResult:
    loaded: int = 0  # newly stored
    duplicates: int = 0  # already stored before (or repeated in the input)

    @property
    def total(self) -> int:
        return self.loaded + self.duplicates


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    reason: str


class InvalidEventFile(Exception):
    """The file has bad lines; nothing was stored. ``errors`` holds at most MAX_ERRORS."""

    def __init__(self, path: Path, errors: list[LineError], error_count: int):
        self.path = path
        self.errors = errors
        self.error_count = error_count
        super().__init__(f"{path}: {error_count} bad line(s)")

    def lines(self) -> list[str]:
        return [f"{self.path}:{e.line}: {e.field}: {e.reason}" for e in self.errors]


# --- Loading ----------------------------------------------------------------------------------


def bulk_load_events(*, workspace: Workspace, rows: Iterable[EventRow]) -> LoadResult:
    """Store ``rows`` (already valid) chunk by chunk; idempotent by ``message_id``."""
    result = LoadResult()
    # user id → customer id, remembered across chunks: a history names the same people again and
    # again, and one IN query of 20,000 values costs about 8 µs a row.
    customers: dict[str, int] = {}
    chunk: list[EventRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            _load_chunk(workspace=workspace, rows=chunk, result=result, customers=customers)
            chunk = []
    if chunk:
        _load_chunk(workspace=workspace, rows=chunk, result=result, customers=customers)
    return result


def _load_chunk(
    *, workspace: Workspace, rows: list[EventRow], result: LoadResult, customers: dict[str, int]
) -> None:
    try:
        loaded, duplicates = _write_chunk(workspace=workspace, rows=rows, customers=customers)
    except IntegrityError:
        # A remembered customer was merged or erased since (its foreign key failed at commit):
        # forget them all and resolve this chunk afresh.
        customers.clear()
        loaded, duplicates = _write_chunk(workspace=workspace, rows=rows, customers=customers)
    result.loaded += loaded
    result.duplicates += duplicates


def _write_chunk(
    *, workspace: Workspace, rows: list[EventRow], customers: dict[str, int]
) -> tuple[int, int]:
    loaded = duplicates = 0
    with transaction.atomic():
        identifies = [r for r in rows if r.type == _IDENTIFY]
        if identifies:
            # Rare in history and they change profiles: the API's own path applies their traits
            # (and joins earlier anonymous events), one batch at a time.
            ingested = _ingest_identifies(workspace=workspace, rows=identifies)
            loaded, duplicates = ingested.accepted, ingested.duplicates
            rows = [r for r in rows if r.type != _IDENTIFY]
            customers.clear()  # an identify may have merged two of them
        if not rows:
            return loaded, duplicates
        if len(customers) > MAX_REMEMBERED_CUSTOMERS:
            customers.clear()
        unknown = {r.user_id for r in rows if r.user_id} - customers.keys()
        customers.update(
            customers_services.ensure_customers_for_identities(
                workspace=workspace, kind=IdentityKind.EXTERNAL_ID, values=unknown
            )
        )
        customer_of_user = customers
        anonymous = {r.anonymous_id for r in rows if not r.user_id and r.anonymous_id}
        customer_of_anonymous = (
            dict(
                Identity.objects.filter(
                    workspace=workspace, kind=IdentityKind.ANONYMOUS_ID, value__in=anonymous
                ).values_list("value", "customer_id")
            )
            if anonymous
            else {}
        )
        records = [
            events_storage.EventRecord(
                customer_id=customer_of_user[r.user_id]
                if r.user_id
                else customer_of_anonymous.get(r.anonymous_id),
                type=r.type,
                name=r.event,
                properties=r.properties,
                user_id=r.user_id,
                anonymous_id=r.anonymous_id,
                message_id=r.message_id,
                timestamp=r.timestamp,
            )
            for r in rows
        ]
        # In (customer, time) order the timeline index is written page by page (+10 %).
        records.sort(key=_timeline_order)
        inserted = events_storage.insert_events(
            workspace_id=workspace.pk, records=records, received_at=timezone.now()
        )
    return loaded + inserted, duplicates + len(rows) - inserted


def _timeline_order(record: events_storage.EventRecord) -> tuple[int, datetime]:
    return record.customer_id or 0, record.timestamp


def _ingest_identifies(
    *, workspace: Workspace, rows: list[EventRow]
) -> events_services.IngestResult:
    accepted = duplicates = 0
    for start in range(0, len(rows), events_services.MAX_BATCH):
        batch = [
            events_services.IncomingEvent(
                type=r.type,
                user_id=r.user_id,
                anonymous_id=r.anonymous_id,
                traits=r.traits or r.properties,
                timestamp=r.timestamp,
                message_id=r.message_id,
            )
            for r in rows[start : start + events_services.MAX_BATCH]
        ]
        ingested = events_services.ingest_events(workspace=workspace, items=batch, actor=Actor())
        accepted += ingested.accepted
        duplicates += ingested.duplicates
    return events_services.IngestResult(accepted=accepted, duplicates=duplicates)


# --- Checking one line (identify lines of a file; see lake_import for the rest) -------------


# Plain strings: EventType.values and enum member access cost microseconds a row in this loop.
_TRACK, _IDENTIFY = str(EventType.TRACK.value), str(EventType.IDENTIFY.value)
_TEXT_FIELDS = ("user_id", "anonymous_id", "event", "message_id")


def _row_from_fields(
    data: dict[str, Any], content: bytes, latest: datetime
) -> "EventRow | list[tuple[str, str]]":
    errors: list[tuple[str, str]] = []
    kind = data.get("type") or _TRACK
    if kind != _TRACK and kind != _IDENTIFY:
        errors.append(("type", f"must be track or identify, not {kind!r}"))
    user_id, anonymous_id, event, message_id = (_text(data, name, errors) for name in _TEXT_FIELDS)
    if not user_id and not anonymous_id:
        errors.append(("user_id", "user_id or anonymous_id is required"))
    if kind == _TRACK and not event:
        errors.append(("event", "a track event needs an event name"))
    properties = data.get("properties")
    properties = {} if properties is None else properties
    if type(properties) is not dict:
        errors.append(("properties", "must be a JSON object"))
    traits = data.get("traits") or {}
    if type(traits) is not dict:
        errors.append(("traits", "must be a JSON object"))
    timestamp = _parse_timestamp(data.get("timestamp"), latest, errors)
    if kind == _IDENTIFY and not errors:
        # Identity traits (phone, email …) are checked exactly as the API checks them.
        probe = events_services.IncomingEvent(type=kind, user_id="-", traits=traits)
        errors.extend(
            (e["field"], e["message"])
            for e in events_services.check_events([probe], now=latest - MAX_CLOCK_SKEW)
        )
    if errors or timestamp is None:
        return errors
    return EventRow(
        type=kind,
        event=event,
        user_id=user_id,
        anonymous_id=anonymous_id,
        properties=properties,
        traits=traits,
        timestamp=timestamp,
        # No id given: one derived from the line's content, so importing the file again finds it.
        message_id=message_id or "imp-" + hashlib.blake2b(content, digest_size=16).hexdigest(),
    )


def _text(data: dict[str, Any], name: str, errors: list[tuple[str, str]]) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if type(value) is not str:
        errors.append((name, "must be a string"))
        return ""
    if len(value) > _MAX_ID:
        errors.append((name, f"longer than {_MAX_ID} characters"))
    return value.strip()


def _parse_timestamp(raw: Any, latest: datetime, errors: list[tuple[str, str]]) -> datetime | None:
    if not raw or type(raw) is not str:
        errors.append(("timestamp", "required, ISO 8601 (e.g. 2026-10-01T12:30:00+08:00)"))
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors.append(("timestamp", f"not an ISO 8601 time: {raw!r}"))
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_local_zone())  # the workspace's local time, like the API
    if value > latest:
        errors.append(("timestamp", "in the future"))
        return None
    return value


def _local_zone() -> Any:
    return timezone.get_current_timezone()
