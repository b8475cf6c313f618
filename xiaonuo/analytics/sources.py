"""What every report reads, engine-independent: the named tables the Ibis expressions are written
against, and the Python-side inputs (tail, merges, anonymous ids, duplicates) each engine is given.

The reports (``xiaonuo/analytics/reports``) are Ibis expressions over four unbound tables:

- ``xn_raw_events``: the workspace's track events, lake files plus the un-compacted tail, with
  the time columns every report needs computed by the engine (``ts`` epoch seconds; ``day`` and
  ``month`` numbers of the local calendar in ``TIME_ZONE``) and, when a report asks, one
  property as text (``prop``) and the amount in cents (``amount_cents``). Tail rows already in the
  lake (same ``message_id``) are left out, so an event counts once.
- ``xn_merges``: merged customer id → its current survivor (``customers.MergeRecord``).
- ``xn_anonymous``: anonymous id → the customer it was identified as, for lake rows written
  before that (``customers.Identity`` of kind anonymous_id).
- ``xn_dims``: a per-customer label for a breakdown (seed user, complaint outcome, CSAT …).

Each engine (``engines.py``) builds ``xn_raw_events`` in its own SQL — the only engine-specific
part, because time zones and JSON are spelled differently everywhere — and registers the rest.
Every derived number is an integer, so the engines agree exactly (no float sums, no tz drift).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import ibis
import orjson
import pyarrow as pa
from django.conf import settings
from django.db.models import Min

from xiaonuo.accounts.models import Workspace
from xiaonuo.analytics.exceptions import AnalyticsError
from xiaonuo.customers.models import Identity, IdentityKind, MergeRecord
from xiaonuo.events import lake
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events.models import LakeFile
from xiaonuo.lib.errors import ServiceError

RAW = ibis.table(
    {
        "customer_id": "int64",
        "anonymous_id": "string",
        "name": "string",
        "message_id": "string",
        "ts": "int64",
        "day": "int64",
        "month": "int64",
        "prop": "string",
        "amount_cents": "int64",
    },
    name="xn_raw_events",
)
MERGES = ibis.table({"merged_id": "int64", "survivor_id": "int64"}, name="xn_merges")
ANONYMOUS = ibis.table({"anon_id": "string", "known_customer_id": "int64"}, name="xn_anonymous")
DIMS = ibis.table({"dim_customer_id": "int64", "value": "string"}, name="xn_dims")

MERGES_SCHEMA = pa.schema([("merged_id", pa.int64()), ("survivor_id", pa.int64())])
ANONYMOUS_SCHEMA = pa.schema([("anon_id", pa.string()), ("known_customer_id", pa.int64())])
DIMS_SCHEMA = pa.schema([("dim_customer_id", pa.int64()), ("value", pa.string())])
TAIL_SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("type", pa.string()),
        ("anonymous_id", pa.string()),
        ("name", pa.string()),
        ("properties", pa.string()),
        ("message_id", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
    ]
)
# A property key is written into each engine's JSON path, so it is limited to word characters
# (any script: 渠道 is fine) and dashes; nothing that could close a quote.
EPOCH = date(1970, 1, 1)
_KEY = re.compile(r"^[\w\-]{1,64}$")


def check_property_key(key: str) -> str:
    if not _KEY.match(key):
        raise ServiceError(
            AnalyticsError.INVALID_PARAMETER,
            f"Property name {key!r}: letters, digits, _ and - only, at most 64",
            field="property",
        )
    return key


@dataclass(frozen=True)
class Columns:
    """Which optional columns of ``xn_raw_events`` a report needs (JSON is parsed only then)."""

    property_key: str | None = None
    amount_key: str | None = None


@dataclass
class Inputs:
    """Everything an engine needs for one workspace's reports, read from the main database."""

    workspace_id: int
    zone: str
    columns: Columns
    lake_paths: list[str]
    duplicate_ids: list[str]
    merges: pa.Table
    anonymous: pa.Table
    dims: pa.Table | None = None
    # The tail as Arrow, for the engines that do not read the main database (DuckDB, Spark);
    # PostgreSQL reads it in place and leaves this None.
    tail: pa.Table | None = None
    tail_sql: tuple[str, list[object]] | None = field(default=None)
    # The earliest local day with an event (lake manifest and tail), as a day number: lets a
    # report size per-customer bit sets of periods (retention's fast path). None: no events.
    first_day: int | None = None

    @property
    def has_merges(self) -> bool:
        return self.merges.num_rows > 0

    @property
    def has_anonymous(self) -> bool:
        return self.anonymous.num_rows > 0


def gather(
    *,
    workspace: Workspace,
    columns: Columns,
    dims: pa.Table | None = None,
    tail_as_arrow: bool = True,
) -> Inputs:
    lake_paths = lake.file_paths(workspace_id=workspace.pk)
    # Without lake files there is nothing to deduplicate against, and PostgreSQL reads the tail
    # in place: the tail is fetched here only when it is needed.
    tail_rows = _tail_rows(workspace) if tail_as_arrow or lake_paths else []
    inputs = Inputs(
        workspace_id=workspace.pk,
        zone=str(settings.TIME_ZONE),
        columns=columns,
        lake_paths=lake_paths,
        duplicate_ids=[],
        merges=pa.Table.from_pylist(
            [
                {"merged_id": m, "survivor_id": s}
                for m, s in MergeRecord.objects.filter(workspace=workspace).values_list(
                    "merged_id", "survivor_id"
                )
            ],
            schema=MERGES_SCHEMA,
        ),
        anonymous=pa.Table.from_pylist(
            [
                {"anon_id": v, "known_customer_id": c}
                for v, c in Identity.objects.filter(
                    workspace=workspace, kind=IdentityKind.ANONYMOUS_ID
                ).values_list("value", "customer_id")
            ],
            schema=ANONYMOUS_SCHEMA,
        ),
        dims=dims,
    )
    inputs.duplicate_ids = _duplicates(workspace, tail_rows)
    inputs.first_day = _first_day(workspace)
    if tail_as_arrow:
        inputs.tail = _tail_arrow(tail_rows, set(inputs.duplicate_ids))
    else:
        sql, params = (
            tail_queryset(workspace)
            .values("customer_id", "anonymous_id", "name", "properties", "message_id", "timestamp")
            .query.sql_with_params()
        )
        inputs.tail_sql = (sql, list(params))
    return inputs


def tail_queryset(workspace: Workspace):  # type: ignore[no-untyped-def]
    return events_selectors.uncompacted_events(workspace=workspace).filter(type="track")


def _tail_rows(workspace: Workspace) -> list[tuple[object, ...]]:
    return list(
        tail_queryset(workspace).values_list(
            "customer_id", "anonymous_id", "name", "properties", "message_id", "timestamp"
        )
    )


def _tail_arrow(rows: list[tuple[object, ...]], duplicates: set[str]) -> pa.Table:
    kept = [r for r in rows if r[4] not in duplicates]
    return pa.table(
        {
            "customer_id": [r[0] for r in kept],
            "type": ["track"] * len(kept),
            "anonymous_id": [r[1] for r in kept],
            "name": [r[2] for r in kept],
            "properties": [orjson.dumps(r[3]).decode() for r in kept],
            "message_id": [r[4] for r in kept],
            "timestamp": [r[5] for r in kept],
        },
        schema=TAIL_SCHEMA,
    )


def _first_day(workspace: Workspace) -> int | None:
    days = []
    first_file = LakeFile.objects.filter(workspace=workspace).aggregate(first=Min("day"))["first"]
    if first_file is not None:
        days.append((first_file - EPOCH).days)
    first_event = tail_queryset(workspace).aggregate(first=Min("timestamp"))["first"]
    if first_event is not None:
        days.append((first_event.astimezone(ZoneInfo(str(settings.TIME_ZONE))).date() - EPOCH).days)
    return min(days) if days else None


def _duplicates(workspace: Workspace, rows: list[tuple[object, ...]]) -> list[str]:
    """Tail events whose message id is in the lake already (sent again through the API after
    the history was imported, or not yet dropped by compaction). A duplicate has the same
    timestamp, hence the same local day, so only the lake files of the tail's days are read."""
    if not rows:
        return []
    zone = ZoneInfo(str(settings.TIME_ZONE))
    days: set[date] = set()
    for row in rows:
        stamp = row[5]
        assert isinstance(stamp, datetime)
        days.add(stamp.astimezone(zone).date())
    paths = lake.file_paths(workspace_id=workspace.pk, days=sorted(days))
    if not paths:
        return []
    ids = pa.table({"message_id": [str(r[4]) for r in rows]})
    con = lake.new_connection()
    try:
        con.register("tail_ids", ids)
        found = con.execute(
            f"SELECT DISTINCT message_id FROM {lake.scan()} "  # noqa: S608
            "WHERE message_id IN (SELECT message_id FROM tail_ids)",
            [paths],
        ).fetchall()
    finally:
        con.close()
    return sorted(str(r[0]) for r in found)
