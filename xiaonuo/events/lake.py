"""The event lake: Parquet files per workspace and local day, listed in a manifest (``LakeFile``).

DESIGN.md §3: accepted events live in the durable tail table first and in the lake after; bulk
history (``xiaonuo events import``) is written straight here, because the tail's random-key
indexes cap a B-tree insert at about 100,000 rows/s on this machine while DuckDB writes Parquet at
millions of rows a second (docs/benchmarks.md).

Layout: ``<lake>/events/workspace=<id>/day=<YYYY-MM-DD>/<uuid>.parquet``; each file's rows are
sorted by (customer_id, timestamp) in row groups of ROW_GROUP_ROWS, so a customer's timeline reads
one small row group per file (Parquet min/max statistics skip the rest).

File format (docs/decisions/0019-event-lake-file-format.md): a message id that is a UUID in its
canonical text (lowercase, hyphenated) is stored as its 16 bytes in ``message_uuid`` and
``message_id`` is null; any other id is kept as text in ``message_id``. A random UUID's text cost
20.5 bytes per event after zstd, its bytes 16. User ids are DELTA_BYTE_ARRAY, times
DELTA_BINARY_PACKED. Every reader goes through ``scan`` (one SQL definition), which gives the
id back as the text the client sent and reads files written before this format (text
``message_id``, no ``message_uuid``) unchanged, so no migration is needed.

Exactly once: a writer renames finished files into place and then records them in ``LakeFile``
in one transaction (with the day counts). Readers only open files the manifest lists, so a
writer killed between the rename and the commit leaves an orphan that nobody reads. Writers of
one workspace take a lock (PostgreSQL advisory lock, or a file lock next to the SQLite database),
so two imports of the same file cannot both miss each other's message ids.

What the lake does not store but readers apply: customer merges (``MergeRecord`` maps a merged
id to its survivor; events keep the id they were written with) and anonymous ids identified
later (``Identity`` of kind anonymous_id). Erasure rewrites the files that hold the person.
"""

import fcntl
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from xiaonuo.events import lake_index, storage
from xiaonuo.events.models import LakeFile, LakeSource

ROW_GROUP_ROWS = 8_192
_ADVISORY_NAMESPACE = 0x786E  # "xn": our advisory locks, keyed by workspace id

# The columns of a file as written (``storage.LAKE_COLUMNS`` with the id split in two).
_FILE_COLUMNS = tuple(
    c for c in storage.LAKE_COLUMNS for c in (("message_uuid", c) if c == "message_id" else (c,))
)
_FILE_SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("type", pa.string()),
        ("name", pa.string()),
        ("properties", pa.string()),
        ("user_id", pa.string()),
        ("anonymous_id", pa.string()),
        ("message_uuid", pa.binary(16)),
        ("message_id", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("received_at", pa.timestamp("us", tz="UTC")),
    ]
)
# Few distinct values: dictionaries. The rest would spend more on the dictionary than it saves.
_DICTIONARY_COLUMNS = ["customer_id", "type", "name", "properties", "anonymous_id", "received_at"]
_ENCODINGS = {
    "user_id": "DELTA_BYTE_ARRAY",  # ids share prefixes ("M00…")
    "timestamp": "DELTA_BINARY_PACKED",  # sorted within a customer: small steps
    "message_uuid": "PLAIN",  # random bytes: nothing to gain
    "message_id": "DELTA_BYTE_ARRAY",
}
# zstd's default level (3) elsewhere; 9 where the pages are small and repetitive (20.76 → 20.64
# bytes per event on benchmarks/compaction.py, no measurable time).
_LEVELS = {"timestamp": 9, "properties": 9, "name": 9}


def scan(paths: str = "?", *, options: str = "") -> str:
    """The lake's rows as ``storage.LAKE_COLUMNS`` (plus what ``options`` add, e.g.
    ``filename = true``): every reader of lake files goes through this, never ``read_parquet``
    directly. ``paths``: SQL for the file list (a parameter by default)."""
    # The empty side gives both id columns a type when every file is of the old format.
    extra = f", {options}" if options else ""
    files = f"read_parquet({paths}, union_by_name = true{extra})"
    return (
        "(SELECT * EXCLUDE (message_uuid) REPLACE (coalesce(message_id, "  # noqa: S608 - fixed text
        "CAST(CAST(message_uuid AS UUID) AS VARCHAR)) AS message_id) FROM ("
        f"SELECT * FROM {files} UNION ALL BY NAME "
        "SELECT NULL::BLOB AS message_uuid, NULL::VARCHAR AS message_id WHERE false))"
    )


def spark_scan(spark: Any, paths: Sequence[str], schema: str) -> Any:
    """``scan`` for Spark: a DataFrame of ``schema``'s columns (a DDL string naming some of
    ``storage.LAKE_COLUMNS``) over the lake files ``paths``."""
    # Given the schema, Spark does not open every footer to infer it; old files lack the column.
    files = spark.read.schema(f"{schema}, message_uuid BINARY").parquet(*paths)
    text = (
        "lower(regexp_replace(hex(message_uuid), "
        "'^(.{8})(.{4})(.{4})(.{4})(.{12})$', '$1-$2-$3-$4-$5'))"
    )
    return files.selectExpr(
        *(c for c in files.columns if c not in ("message_id", "message_uuid")),
        f"coalesce(message_id, {text}) AS message_id",
    ).select(*(c for c in files.columns if c != "message_uuid"))


def drop_stored(con: duckdb.DuckDBPyConnection, relation: str, paths: Sequence[str]) -> None:
    """Delete from ``relation`` the rows whose message id the lake files ``paths`` hold."""
    if paths:
        con.execute(
            f"DELETE FROM {relation} WHERE message_id IN (SELECT message_id FROM {scan()})",  # noqa: S608
            [list(paths)],
        )


def _file_rows(con: duckdb.DuckDBPyConnection, query: str, params: Sequence[Any] = ()) -> pa.Table:
    """``query``'s rows (``storage.LAKE_COLUMNS``, maybe more) in the file format, in its order."""
    table = con.sql(
        f"SELECT * EXCLUDE (message_id), CASE WHEN CAST(TRY_CAST(message_id AS UUID) AS VARCHAR) "  # noqa: S608
        "= message_id THEN CAST(CAST(message_id AS UUID) AS BLOB) END AS message_uuid, "
        "CASE WHEN message_uuid IS NULL THEN message_id END AS message_id "
        f"FROM ({query})",
        params=list(params) or None,
    ).to_arrow_table()
    return table.select(
        [*_FILE_COLUMNS, *(c for c in table.column_names if c not in _FILE_COLUMNS)]
    )


def _write_file(table: pa.Table, path: Path) -> None:
    """Write one lake file (the columns of ``_FILE_SCHEMA``) and fsync it."""
    pq.write_table(
        table.select(_FILE_SCHEMA.names).cast(_FILE_SCHEMA),
        path,
        row_group_size=ROW_GROUP_ROWS,
        compression="zstd",
        compression_level=_LEVELS,
        use_dictionary=_DICTIONARY_COLUMNS,
        column_encoding=_ENCODINGS,
    )
    _fsync(path)


def lake_root() -> Path:
    return Path(settings.LAKE_DIR)


def new_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one job; local times are read in the server's zone."""
    con = duckdb.connect(config={"threads": max(os.cpu_count() or 1, 1)})
    zone = str(settings.TIME_ZONE)
    if not zone.replace("/", "").replace("_", "").replace("-", "").replace("+", "").isalnum():
        raise ValueError(f"TIME_ZONE {zone!r} is not a zone name")
    con.execute(f"SET TimeZone = '{zone}'")  # a parameter is not accepted here
    return con


_reader: duckdb.DuckDBPyConnection | None = None
_reader_guard = threading.Lock()


def reader() -> duckdb.DuckDBPyConnection:
    """A cursor on this process's reading connection: Parquet footers stay cached between
    requests (a timeline over 180 day files costs about half as much warm)."""
    global _reader
    with _reader_guard:
        if _reader is None:
            _reader = new_connection()
            _reader.execute("SET parquet_metadata_cache = true")
        return _reader.cursor()


# --- Writing ----------------------------------------------------------------------------------


@contextmanager
def write_lock(workspace_id: int) -> Iterator[None]:
    """One lake writer per workspace at a time, across processes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, workspace_id])
            try:
                yield
            finally:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_NAMESPACE, workspace_id]
                )
        return
    # SQLite lives on this machine, so a file lock reaches every process that can write to it.
    locks = lake_root() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with (locks / f"workspace-{workspace_id}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class WrittenFile:
    day: date
    path: str  # relative to lake_root()
    rows: int
    size: int


def write_day_files(
    con: duckdb.DuckDBPyConnection, *, workspace_id: int, relation: str
) -> list[WrittenFile]:
    """Write ``relation`` (``storage.LAKE_COLUMNS`` plus ``day``) as one new file per day, in place but
    not yet listed: call ``record_files`` in a transaction next, or ``discard`` on failure."""
    rows = _file_rows(
        con,
        f"SELECT {', '.join(storage.LAKE_COLUMNS)}, day FROM {relation} "  # noqa: S608 - fixed names
        "ORDER BY day, customer_id, timestamp",
    )
    if not rows.num_rows:
        return []
    # Sorted by day: each day is one slice of the table (no copy).
    per_day = pc.value_counts(rows.column("day")).to_pylist()  # in order of appearance
    counts = [int(d["counts"]) for d in per_day]
    starts = [sum(counts[:i]) for i in range(len(counts))]
    bounds = [(a, a + n) for a, n in zip(starts, counts, strict=True)]
    name = uuid.uuid4().hex
    written = [
        WrittenFile(
            day=d["values"],
            path=f"events/workspace={workspace_id}/day={d['values'].isoformat()}/{name}.parquet",
            rows=int(d["counts"]),
            size=0,
        )
        for d in per_day
    ]

    def write(index: int) -> WrittenFile:
        (a, b), f = bounds[index], written[index]
        target = lake_root() / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_file(rows.slice(a, b - a), target)
        return WrittenFile(day=f.day, path=f.path, rows=f.rows, size=target.stat().st_size)

    # Writing and fsync release the GIL: the days go to disk in parallel.
    try:
        with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
            return list(pool.map(write, range(len(bounds))))
    except BaseException:
        discard(written)
        raise


def record_files(
    *, workspace_id: int, files: Sequence[WrittenFile], source: LakeSource, count: bool = True
) -> None:
    """List written files in the manifest and (unless the rows are counted already: compaction)
    add their rows to the day counts. Call inside the transaction that makes them visible."""
    LakeFile.objects.bulk_create(
        LakeFile(
            workspace_id=workspace_id,
            day=f.day,
            path=f.path,
            rows=f.rows,
            size=f.size,
            source=source,
        )
        for f in files
    )
    if not count:
        return
    per_day: dict[date, int] = {}
    for f in files:
        per_day[f.day] = per_day.get(f.day, 0) + f.rows
    storage.add_day_counts(workspace_id=workspace_id, per_day=per_day)


def discard(files: Sequence[WrittenFile]) -> None:
    for f in files:
        (lake_root() / f.path).unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- Reading ----------------------------------------------------------------------------------


def file_paths(*, workspace_id: int, days: Sequence[date] | None = None) -> list[str]:
    files = LakeFile.objects.filter(workspace_id=workspace_id)
    if days is not None:
        files = files.filter(day__in=days)
    root = lake_root()
    return [str(root / p) for p in files.order_by("day", "id").values_list("path", flat=True)]


def rows_per_day(*, workspace_id: int, days: Sequence[date]) -> dict[date, int]:
    return dict(
        LakeFile.objects.filter(workspace_id=workspace_id, day__in=days)
        .values_list("day")
        .annotate(n=Sum("rows"))
        .order_by()
    )


@dataclass(frozen=True, slots=True)
class LakeEvent:
    """An event read from the lake; the attributes the timeline and the API read of ``Event``."""

    customer_id: int | None
    type: str
    name: str
    properties: dict[str, Any]
    user_id: str
    anonymous_id: str
    message_id: str
    timestamp: datetime
    received_at: datetime


@dataclass(frozen=True)
class Person:
    """Whose events to read or erase: the customer, the ids merged into them, and anonymous ids
    identified as them after their events were written."""

    customer_ids: tuple[int, ...]
    anonymous_ids: tuple[str, ...] = ()

    def predicate(self) -> tuple[str, list[Any]]:
        sql = "list_contains(?, customer_id)"
        params: list[Any] = [list(self.customer_ids)]
        if self.anonymous_ids:
            sql = f"({sql} OR (customer_id IS NULL AND list_contains(?, anonymous_id)))"
            params.append(list(self.anonymous_ids))
        return sql, params


def person_events(
    *,
    workspace_id: int,
    person: Person,
    limit: int,
    offset: int = 0,
    paths: list[str] | None = None,
) -> tuple[list[LakeEvent], int]:
    """The person's lake events, newest first, and how many they have in all (one scan: the
    files are the cost, about 0.3 ms each, not the rows, so only the files whose customer
    filter admits them are read; ``lake_index``). ``paths``: the workspace's files, if the
    caller has read the manifest already."""
    where, params = person.predicate()
    paths = file_paths(workspace_id=workspace_id) if paths is None else paths
    if not person.anonymous_ids:  # events without a customer id are not in the filters
        paths = lake_index.files_for(paths, person.customer_ids)
    return _select(workspace_id, where, params, limit=limit, offset=offset, paths=paths)


def all_events(*, workspace_id: int) -> list[LakeEvent]:
    """Every event of the workspace in the lake, newest first (for checks and small exports)."""
    return _select(workspace_id, "true", [])[0]


def _select(
    workspace_id: int,
    where: str,
    params: list[Any],
    *,
    limit: int | None = None,
    offset: int = 0,
    paths: list[str] | None = None,
) -> tuple[list[LakeEvent], int]:
    paths = file_paths(workspace_id=workspace_id) if paths is None else paths
    if not paths:
        return [], 0
    if limit == 0:  # only the count
        found = (
            reader()
            .execute(f"SELECT count(*) FROM {scan()} WHERE {where}", [paths, *params])  # noqa: S608
            .fetchone()
        )
        return [], int(found[0]) if found else 0
    rows = (
        reader()
        .execute(
            f"SELECT customer_id, type, name, properties, user_id, anonymous_id, message_id, "  # noqa: S608
            f"epoch_us(timestamp), epoch_us(received_at), count(*) OVER () "
            f"FROM {scan()} WHERE {where} "
            f"ORDER BY timestamp DESC, message_id DESC LIMIT ? OFFSET ?",
            [paths, *params, limit, offset],
        )
        .fetchall()
    )
    total = rows[0][9] if rows else 0
    if not rows and offset:  # past the end: the count still matters to a pager
        total = _select(workspace_id, where, params, limit=0, paths=paths)[1]
    events = [
        LakeEvent(
            customer_id=r[0],
            type=r[1],
            name=r[2],
            properties=orjson.loads(r[3]) if r[3] else {},
            user_id=r[4],
            anonymous_id=r[5],
            message_id=r[6],
            timestamp=_from_epoch_us(r[7]),
            received_at=_from_epoch_us(r[8]),
        )
        for r in rows
    ]
    return events, total


def _from_epoch_us(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


# --- Erasure ----------------------------------------------------------------------------------


def erase_person(*, workspace_id: int, person: Person) -> dict[date, int]:
    """Rewrite every file holding the person's events without them; returns rows removed per day.

    Call inside the erasure's transaction: the manifest points at the new files when it commits,
    and the old files are deleted only then (a rollback leaves the new ones as unread orphans).
    """
    paths = file_paths(workspace_id=workspace_id)
    if not paths:
        return {}
    where, params = person.predicate()
    con = new_connection()
    affected = con.execute(
        f"SELECT filename, count(*) FROM {scan(options='filename = true')} WHERE {where} "  # noqa: S608
        "GROUP BY filename",
        [paths, *params],
    ).fetchall()
    root = lake_root()
    removed: dict[date, int] = {}
    # No write_lock: writers only add files, and the row lock below (the transaction itself on
    # SQLite) keeps two rewrites of one file apart.
    for filename, n in affected:
        relative = str(Path(filename).relative_to(root))
        record = LakeFile.objects.select_for_update().get(workspace_id=workspace_id, path=relative)
        old = root / relative
        if record.rows > n:
            new_relative = str(Path(relative).with_name(f"{uuid.uuid4().hex}.parquet"))
            new = root / new_relative
            kept = _file_rows(
                con,
                f"SELECT * FROM {scan()} WHERE NOT ({where}) ORDER BY customer_id, timestamp",  # noqa: S608
                [[str(old)], *params],
            )
            _write_file(kept, new)
            record.path, record.rows = new_relative, record.rows - n
            record.size = new.stat().st_size
            record.save(update_fields=["path", "rows", "size"])
        else:
            record.delete()
        transaction.on_commit(partial(old.unlink, missing_ok=True))
        removed[record.day] = removed.get(record.day, 0) + n
    return removed
