"""Segment counts over 1M customers (issue 6: < 1 s; Mautic users report 40 minutes for 260k).

    python benchmarks/segments.py [--customers 1000000] [--events 10000000] [--runs 20]

On the default SQLite database. Customers are inserted with one SQL statement (a recursive
CTE: cities, lifecycle stages, a seed flag and a numeric custom attribute that vary with the
id) and a tenth of them tagged VIP; the lake is generated with DuckDB straight into Parquet
(one file per local day over 180 days ending today, as in benchmarks/analytics.py) and listed
in ``LakeFile``. Each segment is counted with ``segments.count`` — what the console's live
count, the API's ``/segments/{id}/count`` and ``xiaonuo analytics segment --count`` call —
``--runs`` times after one warm-up; the table gives p50 and p95.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import django_setup, environment, write_section  # noqa: E402

DAYS = 180
SEGMENTS = {
    "attribute only (city = 上海 and level ≥ 5)": {
        "conditions": [
            {"type": "attribute", "field": "city", "op": "eq", "value": "上海"},
            {"type": "attribute", "field": "attributes.level", "op": "gte", "value": 5},
        ]
    },
    "tag (has VIP)": {"conditions": [{"type": "tag", "op": "has", "value": "VIP"}]},
    "events in a window (支付成功 ≥ 3 times in 30 days)": {
        "conditions": [
            {"type": "event", "event": "支付成功", "op": "at_least", "count": 3, "within_days": 30}
        ]
    },
    "did not (no 打开小程序 in 14 days)": {
        "conditions": [{"type": "event", "event": "打开小程序", "op": "none", "within_days": 14}]
    },
    "mixed AND/OR": {
        "match": "all",
        "conditions": [
            {"type": "attribute", "field": "city", "op": "in", "value": ["上海", "北京"]},
            {"type": "event", "event": "浏览菜单", "op": "at_least", "count": 1, "within_days": 30},
            {
                "match": "any",
                "conditions": [
                    {"type": "tag", "op": "has", "value": "VIP"},
                    {"type": "lifecycle_stage", "op": "in", "value": ["loyal", "fan"]},
                    {"type": "event", "event": "下单", "op": "none", "within_days": 14},
                ],
            },
        ],
    },
}


def insert_customers(workspace_id: int, customers: int) -> tuple[int, int]:
    """One INSERT … SELECT over a recursive counter; returns the first and last id."""
    from django.db import connection

    now = "2026-11-01 00:00:00"
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
            "INSERT INTO customers_customer (workspace_id, name, gender, city, lifecycle_stage, "
            "is_seed, attributes, consent, created_at, updated_at) "
            "SELECT %s, '客户' || i, '', "
            "CASE i % 5 WHEN 0 THEN '上海' WHEN 1 THEN '北京' WHEN 2 THEN '杭州' "
            "WHEN 3 THEN '成都' ELSE '广州' END, "
            "CASE i % 7 WHEN 0 THEN 'new' WHEN 1 THEN 'active' WHEN 2 THEN 'loyal' "
            "WHEN 3 THEN 'fan' WHEN 4 THEN 'ambassador' WHEN 5 THEN 'at_risk' ELSE 'churned' END, "
            "i % 50 = 0, json_object('level', i % 10), '{}', %s, %s FROM n",
            [customers, workspace_id, now, now],
        )
        cursor.execute(
            "SELECT min(id), max(id) FROM customers_customer WHERE workspace_id = %s",
            [workspace_id],
        )
        first, last = cursor.fetchone()
        cursor.execute(
            "INSERT INTO customers_tag (workspace_id, name) VALUES (%s, 'VIP')", [workspace_id]
        )
        cursor.execute("SELECT id FROM customers_tag WHERE workspace_id = %s", [workspace_id])
        (tag_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO customers_customer_tags (customer_id, tag_id) "
            "SELECT id, %s FROM customers_customer WHERE workspace_id = %s AND id % 10 = 0",
            [tag_id, workspace_id],
        )
    return first, last


def generate_lake(lake_dir: Path, workspace_id: int, events: int, first: int, customers: int):
    """The lake's day files ending today; returns {day: (relative path, rows, size)}."""
    name = uuid.uuid4().hex
    staging = lake_dir / "staging" / name
    staging.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    start = f"(current_date - INTERVAL {DAYS - 1} DAY)::TIMESTAMPTZ"
    con.execute(
        f"""
        COPY (
            SELECT CAST(hash(i) % {customers} + {first} AS BIGINT) AS customer_id, 'track' AS type,
                ['浏览菜单', '打开小程序', '加入购物车', '下单', '支付成功'][(i % 5) + 1] AS name,
                CASE WHEN i % 5 = 4 THEN '{{"amount": ' || (9 + i % 30) || '}}' ELSE '{{}}' END
                    AS properties,
                '' AS user_id, '' AS anonymous_id, 'b-' || i AS message_id,
                {start} + to_seconds(CAST(i * {DAYS} * 86400 // {events} AS BIGINT)) AS timestamp,
                {start} AS received_at,
                CAST({start} + to_seconds(CAST(i * {DAYS} * 86400 // {events} AS BIGINT)) AS DATE)
                    AS day
            FROM range({events}) t(i)
        ) TO '{staging}' (FORMAT parquet, PARTITION_BY (day), COMPRESSION zstd,
                          ROW_GROUP_SIZE 122880, FILENAME_PATTERN '{name}_{{i}}')
        """  # noqa: S608 - numbers and a temporary path
    )
    files = {}
    for part in sorted(staging.glob("day=*/*.parquet")):
        day = part.parent.name.removeprefix("day=")
        relative = f"events/workspace={workspace_id}/day={day}/{name}.parquet"
        target = lake_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        part.replace(target)
        rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(target)]).fetchone()[0]
        files[day] = (relative, rows, target.stat().st_size)
    con.close()
    return files


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print, leave the doc alone")
    options = parser.parse_args()
    load = os.getloadavg()[0]

    with environment("sqlite") as env:
        django_setup(env)
        from django.conf import settings

        from xiaonuo.accounts import services as accounts_services
        from xiaonuo.analytics import segments

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from analytics import list_files

        ws = accounts_services.create_workspace(slug="bench", name="压测")
        started = time.perf_counter()
        first, last = insert_customers(ws.pk, options.customers)
        print(f"{options.customers:,} customers in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        files = generate_lake(
            Path(settings.LAKE_DIR), ws.pk, options.events, first, last - first + 1
        )
        list_files(ws, files)
        print(f"{options.events:,} events in {time.perf_counter() - started:.0f} s")

        rows = []
        for label, definition in SEGMENTS.items():
            found = segments.count(workspace=ws, definition=definition)  # warm-up
            times, cpu = [], []
            for _ in range(options.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                segments.count(workspace=ws, definition=definition)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            cpu50 = statistics.median(cpu)
            print(
                f"  {label}: {found:,} customers, p50 {p50 * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms, CPU p50 {cpu50 * 1000:.0f} ms"
            )
            rows.append((label, found, p50, p95, cpu50))

    if options.no_write:
        return
    table = (
        "| Segment | Customers found | p50 ms | p95 ms | CPU p50 ms | Target < 1 s (p95) |\n"
        "|---|---|---|---|---|---|\n"
    )
    for label, found, p50, p95, cpu50 in rows:
        table += (
            f"| {label} | {found:,} | {p50 * 1000:.0f} | {p95 * 1000:.0f} | {cpu50 * 1000:.0f} | "
            f"{'met' if p95 < 1 else 'missed'} |\n"
        )
    write_section(
        "Segment counts over 1M customers",
        f"{options.customers:,} customers in SQLite (inserted with one SQL statement; cities, "
        "stages, seed flag and a numeric custom attribute vary with the id; a tenth tagged VIP) "
        f"and {options.events:,} track events in the Parquet lake over {DAYS} days ending "
        "today. Each segment counted with `segments.count` (the console's live count, the "
        f"API's `/segments/{{id}}/count`), {options.runs} runs after a warm-up. Load average "
        f"when the run started: {load:.1f}.\n\n"
        + table
        + "\nCPU is this process's CPU time per count (DuckDB's two threads both count): an "
        "indication of what a quiet machine would take when the wall time is inflated by "
        "other work.\n\nRow conditions (attributes, stage, seed) are SQL on the customer table — a count when "
        "nothing else is asked; a tag is its members from the tag table's index; all event "
        "conditions are one DuckDB pass over the window's day files; the sides meet as sorted "
        "id arrays (numpy). The mixed segment reads the ids of its city condition (400k) with "
        "its nested group's stage flag in one SQLite scan, and one DuckDB pass for both event "
        "conditions. See docs/decisions/0018-segments-and-lifecycle-stage.md.\n",
    )


if __name__ == "__main__":
    os.environ.setdefault("TIME_ZONE", "Asia/Shanghai")
    main()
