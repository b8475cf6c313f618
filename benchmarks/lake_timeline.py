"""A customer's timeline when their history is in the Parquet lake, through the real server.

    python benchmarks/lake_timeline.py [--events 10000000] [--customers 1000000] [--backend sqlite]

Generates a CSV of ``--events`` track events by ``--customers`` users over 180 days (DuckDB writes
it in seconds), loads it with `xiaonuo events import` (so the history is in the lake: one file per
day), then times `GET /api/v1/customers/<id>/events?limit=20` and the console's timeline fragment
for random customers over keep-alive. Target (DESIGN.md §6, the customer page): p95 < 100 ms.
"""

import argparse
import http.client
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, served, write_section, xiaonuo  # noqa: E402


def write_csv(path: Path, events: int, customers: int) -> None:
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT 'track' AS type, 'M' || lpad(CAST(hash(i) % {customers} AS VARCHAR), 8, '0')
                AS user_id, '' AS anonymous_id,
                ['浏览菜单', '打开小程序', '加入购物车', '下单', '支付成功'][(i % 5) + 1] AS event,
                CASE WHEN i % 5 = 3 THEN '{{"amount": ' || (9 + i % 30) || '}}' ELSE '{{}}' END
                    AS properties,
                strftime(TIMESTAMP '2026-05-01' + to_seconds(CAST(i * 180 * 86400 // {events}
                    AS BIGINT)), '%Y-%m-%dT%H:%M:%S+08:00') AS timestamp,
                'bench-' || i AS message_id
            FROM range({events}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """  # noqa: S608 - numbers and a temporary path
    )


WARM_UP_SECONDS = 10


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, environment(options.backend) as env:
        csv_path = Path(scratch) / "history.csv"
        started = time.perf_counter()
        write_csv(csv_path, options.events, options.customers)
        print(f"generated {options.events:,} events in {time.perf_counter() - started:.0f} s")
        setup = (
            "from xiaonuo.accounts import services as s; from xiaonuo.accounts.services import Actor;"
            "w = s.create_workspace(slug='bench', name='压测');"
            "print(s.create_api_key(workspace=w, name='bench', actor=Actor())[1])"
        )
        secret = xiaonuo(env, "shell", "-c", setup, capture=True).strip().splitlines()[-1]
        loaded = xiaonuo(
            env, "events", "import", str(csv_path), "--workspace", "bench", capture=True
        )
        print("  " + loaded.strip())
        ids = xiaonuo(
            env,
            "shell",
            "-c",
            "from xiaonuo.customers.models import Customer;"
            "print(' '.join(str(i) for i in Customer.objects.values_list('id', flat=True)))",
            capture=True,
        ).split()
        rng = random.Random(7)
        with served(env) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {secret}"}
            # Each web process builds its lake files' customer filters in the background as it
            # starts (about 3 s for 10M events); steady state is what a customer page sees.
            time.sleep(WARM_UP_SECONDS)
            times, sizes = [], []
            for _ in range(options.requests):
                customer = rng.choice(ids)
                t0 = time.perf_counter()
                conn.request(
                    "GET", f"/api/v1/customers/{customer}/events?limit=20", headers=headers
                )
                response = conn.getresponse()
                body = response.read()
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status == 200, body[:200]
                sizes.append(len(re.findall(rb'"message_id"', body)))
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    verdict = "met" if p95 < 100 else "missed"
    print(f"  API timeline: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({verdict})")
    write_section(
        f"Customer timeline over the event lake ({options.backend})",
        f"History of {options.events:,} events by {options.customers:,} users over 180 days, loaded "
        "with `xiaonuo events import` (so every event is in the Parquet lake, one file per day); "
        f"gunicorn with 2 workers, timed {WARM_UP_SECONDS} s after they start (each builds its "
        "lake files' customer filters in the background first); one client over keep-alive; "
        f"{options.requests} random customers (mean {sum(sizes) / len(sizes):.1f} events on "
        "the first page).\n\n"
        f"Import: {loaded.strip()}\n\n"
        "| Request | p50 ms | p95 ms | p95 < 100 ms |\n|---|---|---|---|\n"
        f"| API `GET /api/v1/customers/<id>/events?limit=20` | {p50:.1f} | {p95:.1f} | {verdict} |\n",
    )


if __name__ == "__main__":
    main()
