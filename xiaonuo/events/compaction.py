"""Compaction: accepted events move from the tail table into the Parquet lake, exactly once.

DESIGN.md §3. A run reads the tail in id order above the watermark (``LakeState``), in batches:
each batch is read as Arrow through ADBC (about 1.3M rows/s from SQLite; the Django cursor
managed 0.5M), split by workspace and local day in DuckDB, checked against the lake's files of
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
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from xiaonuo.events import lake, storage
from xiaonuo.events.models import Event, LakeSource, LakeState

BATCH_ROWS = 500_000
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
        con.register("batch", rows)
        con.execute(
            """
            CREATE TABLE moved AS
            SELECT workspace_id, customer_id, type, name, properties, user_id, anonymous_id,
                message_id, timestamp, received_at, CAST(timestamp AS DATE) AS day
            FROM batch
            """
        )
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
    the duplicates dropped per day."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE staged AS
        SELECT * EXCLUDE (workspace_id) FROM moved WHERE workspace_id = {int(workspace_id)}
        QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY received_at) = 1
        """  # noqa: S608 - an integer
    )
    days = [d for (d,) in con.execute("SELECT DISTINCT day FROM staged").fetchall()]
    total = _count(con, f"moved WHERE workspace_id = {int(workspace_id)}")
    paths = lake.file_paths(workspace_id=workspace_id, days=days)
    if paths:
        con.execute(
            "DELETE FROM staged WHERE message_id IN (SELECT message_id FROM read_parquet(?))",
            [paths],
        )
    kept = dict(con.execute("SELECT day, count(*) FROM staged GROUP BY day").fetchall())
    every = dict(
        con.execute(
            f"SELECT day, count(*) FROM moved WHERE workspace_id = {int(workspace_id)} GROUP BY day"  # noqa: S608
        ).fetchall()
    )
    dropped = {d: n - kept.get(d, 0) for d, n in every.items() if n - kept.get(d, 0)}
    assert sum(every.values()) == total
    files = lake.write_day_files(con, workspace_id=workspace_id, relation="staged")
    return files, dropped


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()  # noqa: S608
    return int(row[0]) if row else 0


# --- Reading the tail as Arrow ------------------------------------------------------------------


@contextmanager
def _tail_reader() -> Iterator[Callable[[int, int], pa.Table]]:
    """A function (low, high] → Arrow table of tail rows, in the lake's column types.

    PostgreSQL: ADBC (COPY in binary, straight into Arrow). SQLite: the database itself writes
    the batch as JSON lines in one string (``json_object`` is C; fetching 500,000 rows as Python
    tuples and transposing them cost 2.2 s) and DuckDB reads them with a declared schema. (ADBC's
    SQLite driver was tried first: it did not see rows still in the WAL.)
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
            f"FROM {Event._meta.db_table} WHERE id > $1 AND id <= $2 ORDER BY id"
        )

        def read_postgres(low: int, high: int) -> pa.Table:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, (low, high))
                return _normalise(cursor.fetch_arrow_table())
            finally:
                cursor.close()

        try:
            yield read_postgres
        finally:
            conn.close()
        return

    scratch = Path(settings.DATA_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    lines = (
        "SELECT group_concat(json_object('workspace_id', workspace_id, 'customer_id', "  # noqa: S608
        "customer_id, 'type', type, 'name', name, 'properties', properties, 'user_id', user_id, "
        "'anonymous_id', anonymous_id, 'message_id', message_id, 'timestamp', timestamp, "
        "'received_at', received_at), char(10)) "
        f"FROM (SELECT * FROM {Event._meta.db_table} WHERE id > %s AND id <= %s ORDER BY id)"
    )
    schema = (
        "{'workspace_id': 'BIGINT', 'customer_id': 'BIGINT', 'type': 'VARCHAR', "
        "'name': 'VARCHAR', 'properties': 'VARCHAR', 'user_id': 'VARCHAR', "
        "'anonymous_id': 'VARCHAR', 'message_id': 'VARCHAR', 'timestamp': 'VARCHAR', "
        "'received_at': 'VARCHAR'}"
    )

    def read_sqlite(low: int, high: int) -> pa.Table:
        with connection.cursor() as cursor:
            cursor.execute(lines, [low, high])
            row = cursor.fetchone()
        text = row[0] if row and row[0] else ""
        path = scratch / f"tail-{uuid.uuid4().hex}.jsonl"
        try:
            path.write_text(text, encoding="utf-8")
            con = duckdb.connect()
            try:
                # Django keeps SQLite times as naive UTC text.
                table = con.sql(
                    f"SELECT * REPLACE (timestamp || '+00:00' AS timestamp, "  # noqa: S608
                    f"received_at || '+00:00' AS received_at) FROM read_json('{path}', "
                    f"format = 'newline_delimited', columns = {schema})"
                ).to_arrow_table()
            finally:
                con.close()
        finally:
            path.unlink(missing_ok=True)
        return _normalise(table)

    yield read_sqlite


def _normalise(table: pa.Table) -> pa.Table:
    """The lake's column types: SQLite hands text times (naive UTC) and JSON as text; PostgreSQL
    hands timestamptz and jsonb (as text through ADBC)."""
    con = duckdb.connect()
    try:
        con.register("raw", table)
        return con.sql(
            """
            SELECT CAST(workspace_id AS BIGINT) AS workspace_id,
                CAST(customer_id AS BIGINT) AS customer_id, CAST(type AS VARCHAR) AS type,
                CAST(name AS VARCHAR) AS name, CAST(properties AS VARCHAR) AS properties,
                CAST(user_id AS VARCHAR) AS user_id, CAST(anonymous_id AS VARCHAR) AS anonymous_id,
                CAST(message_id AS VARCHAR) AS message_id,
                CAST(timestamp AS TIMESTAMPTZ) AS timestamp,
                CAST(received_at AS TIMESTAMPTZ) AS received_at
            FROM raw
            """
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
