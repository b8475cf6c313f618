"""Compaction: accepted events move from the tail table into the Parquet lake, exactly once.

DESIGN.md §3. A run reads the tail above the watermark (``LakeState``) in id ranges of
BATCH_ROWS: each batch is read as Arrow (``_tail_reader``; docs/decisions/0019), split by
workspace and local day in DuckDB, checked against the lake's files of
the same days (an event sent again through the API after its history was imported is dropped
here and taken off the day counts), written as new day files, and listed in the manifest in the
same transaction that advances the watermark. A run killed anywhere leaves either the whole
batch done or nothing listed (its files are orphans that ``xiaonuo lake verify`` removes); the
next run starts from the watermark again.

Ids only grow: Django creates SQLite's key with AUTOINCREMENT, and PostgreSQL uses a sequence.
On PostgreSQL a transaction may commit after one that drew a larger id, so a batch is read only
once every transaction that began before its upper id was read has ended.

Compacted rows stay in the tail for ``TAIL_RETENTION_DAYS`` (readers skip them: see
``uncompacted_events``), so ``lake verify --repair`` can rebuild a damaged day file from them.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import duckdb
import numpy as np
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from xiaonuo.events import lake, storage
from xiaonuo.events.models import Event, LakeSource, LakeState

BATCH_ROWS = 1_000_000  # a run of 1M API-like events peaked at 730–870 MB RSS (0019)
WAIT_FOR_WRITERS_SECONDS = 60
_GLOBAL_LOCK = 0  # the compaction job's own lock key: "workspace 0"


class CompactionBlocked(Exception):
    """An old transaction is still open; the run stops and the next one tries again."""


@dataclass
class CompactionResult:
    read: int = 0  # tail rows moved past the watermark
    written: int = 0  # of them, stored in the lake
    duplicates: int = 0  # of them, already in the lake (dropped)
    files: int = 0
    seconds: float = 0.0
    workspaces: set[int] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def compact(*, batch_rows: int = BATCH_ROWS, max_batches: int | None = None) -> CompactionResult:
    """Move every committed tail event above the watermark into the lake."""
    started = time.perf_counter()
    result = CompactionResult()
    with lake.write_lock(_GLOBAL_LOCK):
        upper = Event.objects.aggregate(n=Max("id"))["n"] or 0
        _wait_for_older_transactions()
        state, _ = LakeState.objects.get_or_create(pk=1)
        done = 0
        low = state.compacted_up_to
        with _tail_reader() as read_batch:
            while low < upper and (max_batches is None or done < max_batches):
                high = min(low + batch_rows, upper)
                _compact_batch(read_batch(low, high), low=low, high=high, result=result)
                low = high
                done += 1
    result.seconds = time.perf_counter() - started
    return result


def watermark() -> int:
    state = LakeState.objects.filter(pk=1).values_list("compacted_up_to", flat=True).first()
    return int(state or 0)


def _compact_batch(rows: pa.Table, *, low: int, high: int, result: CompactionResult) -> None:
    con = lake.new_connection()
    try:
        con.register("moved", rows)  # the tail reader's columns, ``day`` included
        workspaces = [
            w for (w,) in con.execute("SELECT DISTINCT workspace_id FROM moved").fetchall()
        ]
        written: list[tuple[int, list[lake.WrittenFile]]] = []
        dropped: dict[int, dict[date, int]] = {}
        with ExitStack() as locks:
            for workspace_id in sorted(workspaces):  # in order: no deadlock with imports
                locks.enter_context(lake.write_lock(workspace_id))
            try:
                for workspace_id in sorted(workspaces):
                    files, gone = _write_workspace(con, workspace_id)
                    written.append((workspace_id, files))
                    if gone:
                        dropped[workspace_id] = gone
                with transaction.atomic():
                    for workspace_id, files in written:
                        # Already counted when the tail accepted them; duplicates come off.
                        lake.record_files(
                            workspace_id=workspace_id,
                            files=files,
                            source=LakeSource.COMPACTION,
                            count=False,
                        )
                        storage.add_day_counts(
                            workspace_id=workspace_id,
                            per_day={d: -n for d, n in dropped.get(workspace_id, {}).items()},
                        )
                    moved = LakeState.objects.filter(pk=1, compacted_up_to=low).update(
                        compacted_up_to=high
                    )
                    if moved != 1:  # another run moved the watermark: never write twice
                        raise RuntimeError("the compaction watermark moved under this run")
            except BaseException:
                for _, files in written:
                    lake.discard(files)
                raise
        result.read += rows.num_rows
        result.written += sum(f.rows for _, files in written for f in files)
        result.files += sum(len(files) for _, files in written)
        result.duplicates += sum(n for gone in dropped.values() for n in gone.values())
        result.workspaces.update(workspaces)
    finally:
        con.close()


def _write_workspace(
    con: duckdb.DuckDBPyConnection, workspace_id: int
) -> tuple[list[lake.WrittenFile], dict[date, int]]:
    """Write one workspace's moved rows that the lake does not hold yet; returns the files and
    the duplicates dropped per day.

    A batch never holds a message id twice: the tail's unique (workspace, message_id) index
    covers every row above the watermark (the purge only deletes rows at or below it)."""
    mine = f"SELECT * EXCLUDE (workspace_id) FROM moved WHERE workspace_id = {int(workspace_id)}"  # noqa: S608 - an integer
    every = dict(con.execute(f"SELECT day, count(*) FROM ({mine}) GROUP BY day").fetchall())  # noqa: S608
    paths = lake.file_paths(workspace_id=workspace_id, days=list(every))
    staged = f"staged_{int(workspace_id)}"
    if not paths:  # nothing of these days in the lake: nothing to compare with
        con.execute(f"CREATE VIEW {staged} AS {mine}")
        return lake.write_day_files(con, workspace_id=workspace_id, relation=staged), {}
    con.execute(f"CREATE TABLE {staged} AS {mine}")
    lake.drop_stored(con, staged, paths)
    kept = dict(con.execute(f"SELECT day, count(*) FROM {staged} GROUP BY day").fetchall())  # noqa: S608
    dropped = {d: n - kept.get(d, 0) for d, n in every.items() if n - kept.get(d, 0)}
    files = lake.write_day_files(con, workspace_id=workspace_id, relation=staged)
    return files, dropped


# --- Reading the tail as Arrow ------------------------------------------------------------------


@contextmanager
def _tail_reader() -> Iterator[Callable[[int, int], pa.Table]]:
    """A function (low, high] → Arrow table of tail rows, in the lake's column types.

    PostgreSQL: ADBC (COPY in binary, straight into Arrow). SQLite: one statement returns each
    text column as one string (see ``_sqlite_reader``), which becomes Arrow's data buffer
    (earlier: JSON lines written by ``json_object`` and parsed by DuckDB, which cost more in the
    database and again in the parse; Python tuples, more still). It runs on Django's connection,
    so it sees what that connection sees. (ADBC's SQLite driver was tried first: it did not see
    rows still in the WAL.)
    Every batch comes with its events' local ``day``.
    """
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi as adbc_pg

        db = connection.settings_dict
        auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        uri = f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        conn = adbc_pg.connect(uri)
        sql = (
            "SELECT workspace_id, customer_id, type, name, properties::text AS properties, "  # noqa: S608
            "user_id, anonymous_id, message_id, timestamp, received_at "
            f"FROM {Event._meta.db_table} WHERE id > {{}} AND id <= {{}}"
        )  # no ORDER BY: the lake sorts by day, customer and time anyway, and PostgreSQL's sort
        # of a million wide rows spilled to disk (0.6 s of the server's 1 s)

        def read_postgres(low: int, high: int) -> pa.Table:
            cursor = conn.cursor()
            try:
                # Integers in the text: with bound parameters the driver reads the rows through
                # a prepared statement instead of COPY (about 30 % more CPU).
                cursor.execute(sql.format(int(low), int(high)))
                return _normalise(cursor.fetch_arrow_table())
            finally:
                cursor.close()

        try:
            yield read_postgres
        finally:
            conn.close()
        return

    yield _sqlite_reader()


def _sqlite_reader() -> Callable[[int, int], pa.Table]:
    # Django keeps SQLite times as naive UTC text: they are read as strings too.
    strings: tuple[str, ...] = ("type", "name", "properties", "user_id", "anonymous_id")
    strings += ("message_id", "timestamp", "received_at")
    ids = [f"group_concat(ifnull({c}, -1), ',')" for c in ("workspace_id", "customer_id")]
    # Each text column as one string, its values split by NUL bytes: the database concatenates
    # in C, numpy finds the splits, and Arrow takes the result as data and offsets buffers (no
    # Python object per value). A value holding a NUL itself (SQLite allows it) shows as a wrong
    # count, and the batch is read again with every value's byte length (the lengths double
    # the database's work, so they are the fallback, not the rule).
    split = [f"group_concat({c}, char(0))" for c in strings]
    measured = [
        f"group_concat({c}, ''), group_concat(length(CAST({c} AS BLOB)), ',')" for c in strings
    ]
    where = f"FROM (SELECT * FROM {Event._meta.db_table} WHERE id > ? AND id <= ? ORDER BY id)"  # noqa: S608

    def query(columns: list[str], low: int, high: int) -> tuple[Any, ...]:
        connection.ensure_connection()
        raw = connection.connection
        factory, raw.text_factory = raw.text_factory, bytes
        try:
            cursor = raw.cursor()
            try:
                sql = f"SELECT count(*), {', '.join([*ids, *columns])} {where}"
                return tuple(cursor.execute(sql, [low, high]).fetchone())
            finally:
                cursor.close()
        finally:
            raw.text_factory = factory

    def read_sqlite(low: int, high: int) -> pa.Table:
        row = query(split, low, high)
        n = int(row[0])
        arrays: dict[str, pa.Array] = {}
        for c, text in zip(("workspace_id", "customer_id"), row[1:3], strict=True):
            values = _numbers(text, n)  # -1: NULL (see _normalise)
            arrays[c] = pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(values)])
        for c, text in zip(strings, row[3:], strict=True):
            found = _split(text, n)
            if found is None:
                return _read_measured(arrays, query(measured, low, high))
            arrays[c] = found
        return _normalise(pa.table(arrays), sqlite=True)

    def _read_measured(arrays: dict[str, pa.Array], row: tuple[Any, ...]) -> pa.Table:
        n = int(row[0])
        for i, c in enumerate(strings):
            data, lengths = row[3 + 2 * i], _numbers(row[4 + 2 * i], n)
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            arrays[c] = pa.LargeStringArray.from_buffers(
                n, pa.py_buffer(offsets), pa.py_buffer(data or b"")
            )
        return _normalise(pa.table(arrays), sqlite=True)

    return read_sqlite


def _split(text: bytes | None, n: int) -> pa.Array | None:
    """``n`` strings joined by NUL bytes as an Arrow array; None if the count is not ``n``."""
    raw = np.frombuffer(text or b"", dtype=np.uint8)
    ends = np.flatnonzero(raw == 0)
    if (n == 0 and len(raw)) or (n and len(ends) != n - 1):
        return None
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:n] = ends - np.arange(n - 1)  # each value's end, less the separators before it
    offsets[n] = len(raw) - max(n - 1, 0)
    data = raw[raw != 0] if n > 1 else raw
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _numbers(text: bytes | None, n: int) -> np.ndarray:
    """Comma-separated integers (as ``group_concat`` writes them) as an array."""
    if not n:
        return np.zeros(0, dtype=np.int64)
    values = np.fromstring(text or b"", dtype=np.int64, sep=",")
    if len(values) != n:
        raise RuntimeError(f"read {len(values)} values of {n} rows from the tail")
    return values


def _normalise(table: pa.Table, *, sqlite: bool = False) -> pa.Table:
    """The lake's column types plus the local ``day``: SQLite hands text times (naive UTC), JSON
    as text and a missing customer as -1 (ids are positive); PostgreSQL hands timestamptz and
    jsonb (as text through ADBC)."""
    con = lake.new_connection()
    suffix = " || '+00:00'" if sqlite else ""
    customer = "nullif(customer_id, -1)" if sqlite else "customer_id"
    try:
        con.register("raw", table)
        return con.sql(
            f"""
            SELECT CAST(workspace_id AS BIGINT) AS workspace_id,
                CAST({customer} AS BIGINT) AS customer_id, CAST(type AS VARCHAR) AS type,
                CAST(name AS VARCHAR) AS name, CAST(properties AS VARCHAR) AS properties,
                CAST(user_id AS VARCHAR) AS user_id, CAST(anonymous_id AS VARCHAR) AS anonymous_id,
                CAST(message_id AS VARCHAR) AS message_id,
                CAST(timestamp{suffix} AS TIMESTAMPTZ) AS timestamp,
                CAST(received_at{suffix} AS TIMESTAMPTZ) AS received_at,
                CAST(CAST(timestamp{suffix} AS TIMESTAMPTZ) AS DATE) AS day
            FROM raw
            """  # noqa: S608 - fixed text
        ).to_arrow_table()
    finally:
        con.close()


# --- PostgreSQL: wait for transactions older than the batch ---------------------------------------


def _wait_for_older_transactions() -> None:
    """Every transaction that drew a tail id up to the max just read began before now; wait until
    they have all ended (committed or rolled back), so no id at or below it can still appear."""
    if connection.vendor != "postgresql":
        return  # SQLite has one writer at a time: what is visible is committed, in id order
    deadline = time.monotonic() + WAIT_FOR_WRITERS_SECONDS
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        (now,) = cursor.fetchone()
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start < %s",
                [now],
            )
            (older,) = cursor.fetchone()
            if not older:
                return
            if time.monotonic() > deadline:
                raise CompactionBlocked(
                    f"{older} transaction(s) open since before {now:%H:%M:%S} UTC; "
                    "compaction will try again on its next run"
                )
            time.sleep(0.05)


# --- Retention ---------------------------------------------------------------------------------


def purge_compacted_tail(*, keep_days: int | None = None, batch: int = 50_000) -> int:
    """Delete compacted tail rows received more than ``keep_days`` ago (the lake holds them);
    returns how many. In id ranges, oldest first, a transaction each."""
    keep = keep_days if keep_days is not None else settings.TAIL_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=keep)
    up_to = watermark()
    deleted = 0
    while True:
        ids = list(
            Event.objects.filter(id__lte=up_to, received_at__lt=cutoff)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            # The rows of this id range that are old enough: one DELETE, no ORM collection
            # (nothing references an event).
            deleted += Event.objects.filter(
                id__gte=ids[0], id__lte=ids[-1], received_at__lt=cutoff
            ).delete()[0]
