"""The engines the same Ibis expressions run on (docs/decisions/0013-analytics-engines.md).

Each engine builds ``xn_raw_events`` for one workspace in its own SQL (time zone and JSON
functions differ), registers the small per-customer tables, and runs the reports' expressions
compiled by Ibis for its dialect. We compile with ``ibis.to_sql`` and execute with the engine's
own client rather than through Ibis's backends: the expressions are the same, and the process
keeps one way to talk to each engine (DuckDB's Python API, Django's PostgreSQL connection — which
also sees the caller's transaction — and a SparkSession).

- ``duckdb`` (default): in-process; reads the Parquet files listed in the lake manifest and the
  tail handed over as Arrow.
- ``postgres``: the main database; the lake's rows are copied into ``analytics_lakecopyevent``
  (``sync_lake_copy``) and the tail table is read in place.
- ``spark``: PySpark; reads the same Parquet files and the tail as Arrow. Local mode by default;
  a cluster is configured the Spark way (``spark-defaults.conf``), with the lake on storage every
  executor can read.
"""

import atexit
import functools
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction

from xiaonuo.analytics.exceptions import AnalyticsError
from xiaonuo.analytics.models import LakeCopyEvent, LakeCopyFile
from xiaonuo.analytics.sources import Inputs
from xiaonuo.events import lake
from xiaonuo.events.models import LakeFile
from xiaonuo.lib.errors import ServiceError

ENGINES = ("duckdb", "postgres", "spark")
Runner = Callable[..., pa.Table]  # run(expr, as_of_ts=None) -> the result as Arrow
_ADVISORY_NAMESPACE = 0x7861  # "xa": the lake copy's lock, keyed by workspace id


# Reports are rebuilt on every request with "now" as a literal, so a compiled query would never
# be reused. Expressions built with AS_OF_PLACEHOLDER instead compile once per shape (Ibis's
# compiler costs 50–150 ms of Python a query, a tenth of a weekly retention at 10M events) and
# the placeholder is swapped for the moment in the SQL text.
AS_OF_PLACEHOLDER = 7_654_321_098_765


def compile_sql(expr: ibis.Expr, dialect: str) -> str:
    # Keyed by the expression's node: nodes compare structurally (expressions overload ==).
    return _compile(expr.op(), dialect)


@functools.lru_cache(maxsize=256)
def _compile(node: ops.Node, dialect: str) -> str:
    return str(ibis.to_sql(node.to_expr(), dialect=dialect))


def sql_for(expr: ibis.Expr, dialect: str, as_of_ts: int | None = None) -> str:
    """The SQL of ``expr`` for ``dialect``, with AS_OF_PLACEHOLDER replaced by ``as_of_ts``."""
    if as_of_ts is None:
        return compile_sql(expr, dialect)
    literals = list(expr.op().find(ops.Literal))
    if any(isinstance(n.value, str) and str(AS_OF_PLACEHOLDER) in n.value for n in literals):
        # The marker is in text the user typed (an event name): substitute in the expression.
        swap = {n: ops.Literal(as_of_ts, n.dtype) for n in literals if n.value == AS_OF_PLACEHOLDER}
        return str(ibis.to_sql(expr.op().replace(swap).to_expr(), dialect=dialect))
    return _MARKER.sub(str(as_of_ts), compile_sql(expr, dialect))


_MARKER = re.compile(rf"(?<![\w.']){AS_OF_PLACEHOLDER}(?![\w.'])")


def resolve(name: str | None) -> str:
    engine = name or settings.ANALYTICS_ENGINE
    if engine not in ENGINES:
        raise ServiceError(
            AnalyticsError.UNKNOWN_ENGINE,
            f"Unknown analytics engine {engine!r}; use one of {', '.join(ENGINES)}",
            field="engine",
        )
    if engine == "postgres" and connection.vendor != "postgresql":
        raise ServiceError(
            AnalyticsError.ENGINE_UNAVAILABLE,
            "The postgres analytics engine needs DATABASE_URL to point at PostgreSQL",
            field="engine",
        )
    return engine


@contextmanager
def session(engine: str, inputs: Inputs) -> Iterator[Runner]:
    opener = {"duckdb": _duckdb, "postgres": _postgres, "spark": _spark}[engine]
    with opener(inputs) as run:
        yield run


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- DuckDB -----------------------------------------------------------------------------------


def _duckdb_columns(inputs: Inputs) -> str:
    prop = amount = "NULL"
    if inputs.columns.property_key:
        prop = f"json_extract_string(properties, '$.\"{inputs.columns.property_key}\"')"
    if inputs.columns.amount_key:
        raw = f"json_extract_string(properties, '$.\"{inputs.columns.amount_key}\"')"
        amount = f"CAST(round(TRY_CAST({raw} AS DOUBLE) * 100) AS BIGINT)"
    local = "(DATE '1970-01-01' + CAST(day AS INTEGER))"
    return (
        "customer_id, anonymous_id, name, message_id, "
        "CAST(floor(epoch(timestamp)) AS BIGINT) AS ts, day, "
        f"CAST(year({local}) * 12 + month({local}) - 1 AS BIGINT) AS month, "
        f"CAST({prop} AS VARCHAR) AS prop, CAST({amount} AS BIGINT) AS amount_cents"
    )


@contextmanager
def _duckdb(inputs: Inputs) -> Iterator[Runner]:
    con = lake.new_connection()
    try:
        assert inputs.tail is not None
        con.register("xn_tail", inputs.tail)
        con.register("xn_merges", inputs.merges)
        con.register("xn_anonymous", inputs.anonymous)
        if inputs.dims is not None:
            con.register("xn_dims", inputs.dims)
        cols = "customer_id, type, anonymous_id, name, properties, message_id, timestamp"
        # A lake file holds one local day, named in its path (LakeFile.day): reading the day from
        # there spares a time-zone conversion per row (ICU's costs ~0.2 s per million rows).
        tail_day = f"CAST(timezone({_literal(inputs.zone)}, timestamp) AS DATE)"
        source = (
            f"SELECT {cols}, CAST({tail_day} - DATE '1970-01-01' AS BIGINT) AS day "  # noqa: S608
            "FROM xn_tail"
        )
        if inputs.lake_paths:
            paths = "[" + ", ".join(_literal(p) for p in inputs.lake_paths) + "]"
            source = (
                f"SELECT {cols}, CAST(day - DATE '1970-01-01' AS BIGINT) AS day "  # noqa: S608
                "FROM "
                + lake.scan(
                    paths,
                    options="hive_partitioning = true, "
                    "hive_types = {'day': DATE, 'workspace': BIGINT}",
                )
                + f" UNION ALL {source}"
            )
        con.execute(
            f"CREATE VIEW xn_raw_events AS SELECT {_duckdb_columns(inputs)} "  # noqa: S608
            f"FROM ({source}) WHERE type = 'track'"
        )

        def run(expr: ibis.Expr, as_of_ts: int | None = None) -> pa.Table:
            result = con.sql(sql_for(expr, "duckdb", as_of_ts)).to_arrow_table()
            # DuckDB sums BIGINTs as HUGEINT (decimal in Arrow): back to the expression's types.
            return result.cast(expr.as_table().schema().to_pyarrow())

        yield run
    finally:
        con.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgres_columns(inputs: Inputs, props: str) -> str:
    zone = _literal(inputs.zone)
    local = f"(timestamp AT TIME ZONE {zone})"
    prop = amount = "NULL"
    if inputs.columns.property_key:
        prop = f"(({props})::jsonb ->> {_literal(inputs.columns.property_key)})"
    if inputs.columns.amount_key:
        raw = f"(({props})::jsonb ->> {_literal(inputs.columns.amount_key)})"
        # A cast of text that is not a number would fail the query; DuckDB and Spark give NULL.
        amount = (
            f"CASE WHEN {raw} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$' "
            f"THEN round(({raw})::numeric * 100) END"
        )
    return (
        "customer_id, anonymous_id, name, message_id, "
        "floor(extract(epoch FROM timestamp))::bigint AS ts, "
        f"floor(extract(epoch FROM {local}) / 86400)::bigint AS day, "
        f"(extract(year FROM {local}) * 12 + extract(month FROM {local}) - 1)::bigint AS month, "
        f"({prop})::text AS prop, ({amount})::bigint AS amount_cents"
    )


@contextmanager
def _postgres(inputs: Inputs) -> Iterator[Runner]:
    sync_lake_copy(workspace_id=inputs.workspace_id)
    assert inputs.tail_sql is not None
    tail_sql, tail_params = inputs.tail_sql
    lake_sql = (
        f"SELECT {_postgres_columns(inputs, 'properties')} FROM analytics_lakecopyevent "  # noqa: S608
        "WHERE workspace_id = %s"
    )
    tail_select = (
        f"SELECT {_postgres_columns(inputs, 'properties')} FROM ({tail_sql}) tail "  # noqa: S608
        "WHERE NOT (message_id = ANY(%s))"
    )
    params: list[Any] = [inputs.workspace_id, *tail_params, list(inputs.duplicate_ids)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP VIEW xn_raw_events AS {lake_sql} UNION ALL {tail_select}", params
        )
        _pg_table(cursor, "xn_merges", "merged_id bigint, survivor_id bigint", inputs.merges)
        _pg_table(
            cursor, "xn_anonymous", "anon_id text, known_customer_id bigint", inputs.anonymous
        )
        if inputs.dims is not None:
            _pg_table(cursor, "xn_dims", "dim_customer_id bigint, value text", inputs.dims)
        try:

            def run(expr: ibis.Expr, as_of_ts: int | None = None) -> pa.Table:
                cursor.execute(sql_for(expr, "postgres", as_of_ts))
                names = [c.name for c in cursor.description]
                rows = cursor.fetchall()
                schema = expr.as_table().schema().to_pyarrow()
                # PostgreSQL sums integers as numeric: psycopg gives Decimals, Arrow wants ints.
                return pa.Table.from_pylist(
                    [{n: _plain(v) for n, v in zip(names, r, strict=True)} for r in rows], schema
                )

            yield run
        finally:
            cursor.execute("DROP VIEW IF EXISTS xn_raw_events")
            cursor.execute("DROP TABLE IF EXISTS xn_merges, xn_anonymous, xn_dims")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _pg_table(cursor: Any, name: str, columns: str, table: pa.Table) -> None:
    cursor.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")
    if table.num_rows:
        with cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
                copy.write_row(row)
    cursor.execute(f"ANALYZE {name}")


def sync_lake_copy(*, workspace_id: int) -> None:
    """Make ``analytics_lakecopyevent`` hold exactly the workspace's listed lake files: load the
    new ones, drop the rows of files that were removed or rewritten (erasure gives a rewritten
    file a new path). One transaction under a per-workspace lock, so a report never sees half a
    file and two reports do not load one file twice."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_NAMESPACE, workspace_id])
        listed = dict(LakeFile.objects.filter(workspace_id=workspace_id).values_list("id", "path"))
        copied = dict(
            LakeCopyFile.objects.filter(workspace_id=workspace_id).values_list(
                "lake_file_id", "path"
            )
        )
        stale = [file_id for file_id, path in copied.items() if listed.get(file_id) != path]
        if stale:
            LakeCopyEvent.objects.filter(
                workspace_id=workspace_id, lake_file_id__in=stale
            )._raw_delete(using="default")
            LakeCopyFile.objects.filter(lake_file_id__in=stale).delete()
        missing = [(i, p) for i, p in listed.items() if i not in copied or i in stale]
        if missing:
            counts = _copy_files(cursor, workspace_id, missing)
            LakeCopyFile.objects.bulk_create(
                LakeCopyFile(
                    workspace_id=workspace_id, lake_file_id=i, path=p, rows=counts.get(i, 0)
                )
                for i, p in missing
            )
            cursor.execute("ANALYZE analytics_lakecopyevent")


def _copy_files(cursor: Any, workspace_id: int, files: list[tuple[int, str]]) -> dict[int, int]:
    """Load the files' track events in one COPY (DuckDB reads them all at once and writes CSV,
    which PostgreSQL parses fastest); returns the rows loaded per file."""
    columns = "customer_id, anonymous_id, name, properties, message_id, timestamp"
    root = lake.lake_root()
    con = lake.new_connection()
    con.execute("SET TimeZone = 'UTC'")
    ids = pa.table(
        {"file_id": [i for i, _ in files], "filename": [str(root / p) for _, p in files]}
    )
    con.register("xn_files", ids)
    with tempfile.TemporaryDirectory() as scratch:
        csv = Path(scratch) / "rows.csv"
        con.execute(
            f"COPY (SELECT {workspace_id} AS workspace_id, f.file_id, {columns} "  # noqa: S608
            f"FROM {lake.scan(options='filename = true')} r JOIN xn_files f USING (filename) "
            f"WHERE type = 'track') TO '{csv}' "
            "(FORMAT csv, HEADER false, FORCE_QUOTE (anonymous_id, name, properties, message_id))",
            [ids["filename"].to_pylist()],
        )
        counts = dict(
            con.execute(
                "SELECT f.file_id, count(*) FROM "  # noqa: S608
                f"{lake.scan(options='filename = true')} r "
                "JOIN xn_files f USING (filename) WHERE type = 'track' GROUP BY 1",
                [ids["filename"].to_pylist()],
            ).fetchall()
        )
        con.close()
        with (
            cursor.cursor.copy(
                f"COPY analytics_lakecopyevent (workspace_id, lake_file_id, {columns}) "
                "FROM STDIN (FORMAT csv)"
            ) as copy,
            csv.open("rb") as source,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
    return counts


# --- Spark ------------------------------------------------------------------------------------

_SPARK_SCHEMA = (
    "customer_id BIGINT, type STRING, anonymous_id STRING, name STRING, properties STRING, "
    "message_id STRING, timestamp TIMESTAMP"
)
_spark_lock = threading.Lock()  # temp views are per session: one workspace's reports at a time
_spark_session: Any = None


def spark_session() -> Any:
    """This process's SparkSession. Time zone UTC, so epoch arithmetic on wall-clock times means
    what it means in DuckDB and PostgreSQL."""
    global _spark_session
    if _spark_session is None:
        from pyspark.sql import SparkSession

        cores = os.cpu_count() or 1
        _spark_session = (
            SparkSession.builder.appName("xiaonuo-analytics")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            # Reports shuffle small aggregates; Spark's default of 200 partitions is for clusters.
            .config("spark.sql.shuffle.partitions", str(max(cores * 2, 2)))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            # A workspace has a file per day: list hundreds of paths on the driver instead of
            # starting a listing job for every query (the default does so above 32 paths).
            .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
            .getOrCreate()
        )
        # Stopped before the interpreter tears down logging, which py4j still writes to; its
        # "closing down" chatter from finalisers at exit is not worth a line either.
        atexit.register(_spark_session.stop)
        logging.getLogger("py4j").setLevel(logging.WARNING)
    return _spark_session


def _spark_columns(inputs: Inputs) -> str:
    zone = _literal(inputs.zone)
    local = f"from_utc_timestamp(timestamp, {zone})"
    prop = amount = "NULL"
    if inputs.columns.property_key:
        prop = f"get_json_object(properties, '$.{inputs.columns.property_key}')"
    if inputs.columns.amount_key:
        raw = f"get_json_object(properties, '$.{inputs.columns.amount_key}')"
        amount = f"CAST(round(try_cast({raw} AS DOUBLE) * 100) AS BIGINT)"
    return (
        "customer_id, anonymous_id, name, message_id, "
        "CAST(unix_timestamp(timestamp) AS BIGINT) AS ts, "
        f"CAST(floor(unix_timestamp({local}) / 86400) AS BIGINT) AS day, "
        f"CAST(year({local}) * 12 + month({local}) - 1 AS BIGINT) AS month, "
        f"CAST({prop} AS STRING) AS prop, CAST({amount} AS BIGINT) AS amount_cents"
    )


@contextmanager
def _spark(inputs: Inputs) -> Iterator[Runner]:
    spark = spark_session()
    with _spark_lock:
        assert inputs.tail is not None
        tail = spark.createDataFrame(inputs.tail)
        if inputs.lake_paths:
            files = lake.spark_scan(spark, inputs.lake_paths, _SPARK_SCHEMA)
            tail = files.unionByName(tail)
        tail.createOrReplaceTempView("xn_source")
        spark.sql(
            f"SELECT {_spark_columns(inputs)} FROM xn_source WHERE type = 'track'"  # noqa: S608
        ).createOrReplaceTempView("xn_raw_events")
        small: dict[str, pa.Table | None] = {
            "xn_merges": inputs.merges,
            "xn_anonymous": inputs.anonymous,
            "xn_dims": inputs.dims,
        }
        for name, table in small.items():
            if table is not None:
                spark.createDataFrame(table).createOrReplaceTempView(name)

        def run(expr: ibis.Expr, as_of_ts: int | None = None) -> pa.Table:
            result = spark.sql(sql_for(expr, "pyspark", as_of_ts)).toArrow()
            return result.cast(expr.as_table().schema().to_pyarrow())

        try:
            yield run
        finally:
            for name in ("xn_source", "xn_raw_events", *small):
                spark.catalog.dropTempView(name)


def run_all(
    engine: str, inputs: Inputs, exprs: Sequence[ibis.Expr], *, as_of_ts: int | None = None
) -> list[pa.Table]:
    """Run ``exprs``; built with AS_OF_PLACEHOLDER, pass the real moment as ``as_of_ts``."""
    with session(engine, inputs) as run:
        return [run(e, as_of_ts) for e in exprs]
