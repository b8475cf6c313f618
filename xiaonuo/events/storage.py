"""Writing rows into the events tail through the database driver.

Both ways in — the identify/track API and bulk history loads — end here. The ORM's bulk_create
cost four times the rest of a 1,000-event batch (model instances, SQL built per 90 rows on
SQLite), so this talks to the driver directly:

- SQLite: one ``executemany`` of ``INSERT OR IGNORE`` per local day in the call;
- PostgreSQL: one ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING`` whose inserted
  rows are counted per day in the same statement.

The unique (workspace, message_id) index is the idempotency guard in both: a message id already
stored, or repeated in the same call, is skipped and not counted. The rows actually inserted are
added to ``EventDayCount`` in the caller's transaction, so the dashboard's counts never drift
from the table.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from xiaonuo.events.models import Event, EventDayCount

_COLUMNS = ("workspace_id", "customer_id", "type", "name", "properties", "user_id", "anonymous_id",
            "message_id", "timestamp", "received_at")


@dataclass(slots=True)
class EventRecord:
    """One row of the tail. ``timestamp`` is timezone-aware."""

    customer_id: int | None
    type: str
    name: str
    properties: dict[str, Any]
    user_id: str
    anonymous_id: str
    message_id: str
    timestamp: datetime


@dataclass(slots=True)
class PreparedEvents:
    """Rows ready for the driver; built by ``prepare_events`` outside the write transaction, so
    that the database's write lock (one writer at a time on SQLite) is held only for the insert."""

    workspace_id: int
    sqlite_rows: dict[date, list[tuple[Any, ...]]] | None = None  # per local day
    postgres_params: dict[str, Any] | None = None


def insert_events(*, workspace_id: int, records: list[EventRecord], received_at: datetime) -> int:
    """Store the records that are new; returns how many were. Call inside a transaction."""
    return insert_prepared(prepare_events(workspace_id=workspace_id, records=records, received_at=received_at))


def prepare_events(*, workspace_id: int, records: list[EventRecord], received_at: datetime) -> PreparedEvents:
    if connection.vendor == "postgresql":
        return PreparedEvents(workspace_id, postgres_params=_postgres_params(workspace_id, records, received_at))
    return PreparedEvents(workspace_id, sqlite_rows=_sqlite_rows(workspace_id, records, received_at))


def insert_prepared(prepared: PreparedEvents) -> int:
    """Store the prepared rows that are new; returns how many were. Call inside a transaction."""
    if prepared.postgres_params is not None:
        return _insert_postgres(prepared.postgres_params) if prepared.postgres_params["message"] else 0
    if prepared.sqlite_rows:
        return _insert_sqlite(prepared.workspace_id, prepared.sqlite_rows)
    return 0


def _sqlite_rows(
    workspace_id: int, records: list[EventRecord], received_at: datetime
) -> dict[date, list[tuple[Any, ...]]]:
    dumps = orjson.dumps
    zone = timezone.get_default_timezone()
    received = _sqlite_time(received_at)
    by_day: defaultdict[date, list[tuple[Any, ...]]] = defaultdict(list)
    for r in records:
        utc = r.timestamp.astimezone(UTC)
        by_day[utc.astimezone(zone).date()].append(
            (workspace_id, r.customer_id, r.type, r.name, dumps(r.properties).decode(), r.user_id,
             r.anonymous_id, r.message_id, utc.replace(tzinfo=None).isoformat(" "), received)
        )
    return by_day


def _insert_sqlite(workspace_id: int, by_day: dict[date, list[tuple[Any, ...]]]) -> int:
    sql = (
        f"INSERT OR IGNORE INTO {Event._meta.db_table} ({', '.join(_COLUMNS)}) "  # noqa: S608 - fixed names
        f"VALUES ({', '.join('?' * len(_COLUMNS))})"
    )
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        counts = []
        for day, values in by_day.items():
            cursor.executemany(sql, values)
            # sqlite3 sums the rows each statement changed; ignored ones count 0.
            if cursor.rowcount:
                counts.append((workspace_id, day.isoformat(), cursor.rowcount))
        cursor.executemany(
            f"INSERT INTO {EventDayCount._meta.db_table} (workspace_id, day, count) VALUES (?, ?, ?) "  # noqa: S608
            "ON CONFLICT (workspace_id, day) DO UPDATE SET count = count + excluded.count",
            counts,
        )
        return sum(n for _, _, n in counts)
    finally:
        cursor.close()


def _sqlite_time(value: datetime) -> str:
    # Django stores datetimes on SQLite as naive UTC text, "YYYY-MM-DD HH:MM:SS.ffffff".
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _postgres_params(workspace_id: int, records: list[EventRecord], received_at: datetime) -> dict[str, Any]:
    dumps = orjson.dumps
    return {
        "workspace": workspace_id,
        "received": received_at,
        "zone": settings.TIME_ZONE,
        "customer": [r.customer_id for r in records],
        "type": [r.type for r in records],
        "name": [r.name for r in records],
        "properties": [dumps(r.properties).decode() for r in records],
        "user": [r.user_id for r in records],
        "anonymous": [r.anonymous_id for r in records],
        "message": [r.message_id for r in records],
        "timestamp": [r.timestamp for r in records],
    }


def _insert_postgres(params: dict[str, Any]) -> int:
    table, days = Event._meta.db_table, EventDayCount._meta.db_table
    # One statement and one round trip: the rows travel as arrays, the inserted ones are
    # counted per local day and added to the day counts by the same statement.
    sql = f"""
        WITH inserted AS (
            INSERT INTO {table} ({", ".join(_COLUMNS)})
            SELECT %(workspace)s, r.customer_id, r.type, r.name, r.properties::jsonb, r.user_id,
                   r.anonymous_id, r.message_id, r.timestamp, %(received)s
            FROM unnest(%(customer)s::bigint[], %(type)s::text[], %(name)s::text[],
                        %(properties)s::text[], %(user)s::text[], %(anonymous)s::text[],
                        %(message)s::text[], %(timestamp)s::timestamptz[])
                 AS r(customer_id, type, name, properties, user_id, anonymous_id, message_id, timestamp)
            ON CONFLICT (workspace_id, message_id) DO NOTHING
            RETURNING timestamp
        ), per_day AS (
            SELECT (timestamp AT TIME ZONE %(zone)s)::date AS day, count(*) AS n FROM inserted GROUP BY 1
        ), counted AS (
            INSERT INTO {days} (workspace_id, day, count)
            SELECT %(workspace)s, day, n FROM per_day
            ON CONFLICT (workspace_id, day) DO UPDATE SET count = {days}.count + EXCLUDED.count
        )
        SELECT coalesce(sum(n), 0) FROM per_day
    """  # noqa: S608 - fixed names
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])
