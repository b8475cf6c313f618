"""Events/s through the HTTP API: `POST /api/v1/track` with batches of 1,000, real server.

    python benchmarks/track_api.py [--batches 200] [--clients 4] [--workers 2] [--backend sqlite,postgres]

Starts gunicorn (2 sync workers by default) on a fresh database, then posts from a separate process with a few
threads, each batch with new users mixed with returning ones. Target: ≥ 20,000 events/s on SQLite.
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, served, write_section, xiaonuo  # noqa: E402

BATCH = 1000


def make_batches(count: int, users: int, tag: str) -> list[bytes]:
    """Bodies serialised up front, so the client spends its CPU on sending only. Like an SDK's:
    random UUID message ids, timestamps of the last six hours in the client's zone, a few
    properties that vary."""
    rng = random.Random(tag)
    names = ["浏览菜单", "打开小程序", "加入购物车", "下单", "支付成功"]
    products = ["杨枝甘露", "芝士莓莓", "多肉葡萄", "柠檬茶"]
    stores = ["长沙五一广场店", "杭州西湖店", "深圳南山店"]
    now = datetime.now(timezone(timedelta(hours=8)))
    bodies = []
    for _ in range(count):
        batch = [
            {
                "user_id": f"M{rng.randrange(users):07d}",
                "event": rng.choice(names),
                "properties": {
                    "product": rng.choice(products),
                    "amount": rng.randint(9, 40),
                    "store": rng.choice(stores),
                },
                "timestamp": (now - timedelta(seconds=rng.randrange(6 * 3600))).isoformat(
                    timespec="milliseconds"
                ),
                "message_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            }
            for _ in range(BATCH)
        ]
        bodies.append(json.dumps({"batch": batch}, ensure_ascii=False).encode())
    return bodies


def post_all(
    port: int, key: str, bodies: list[bytes], clients: int
) -> tuple[float, list[float], list[str]]:
    queue = list(reversed(bodies))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            started = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/track",
                body,
                {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
            if response.status != 202:
                failures.append(f"HTTP {response.status}: {payload[:200]!r}")
                conn.close()  # a 500 may leave the connection unusable
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, failures


def run(
    backend: str, batches: int, clients: int, workers: int
) -> dict[str, tuple[float, float, int]]:
    with environment(backend) as env:
        key = (
            xiaonuo(
                env,
                "shell",
                "-c",
                (
                    "from xiaonuo.accounts import services as s\n"
                    "ws = s.create_workspace(slug='bench', name='压测')\n"
                    "print(s.create_api_key(workspace=ws, name='bench', actor=s.Actor())[1])"
                ),
                capture=True,
            )
            .strip()
            .splitlines()[-1]
        )
        # Server tracebacks go to a file; failed batches are counted and shown by the client.
        log = Path(env["XIAONUO_DATA_DIR"]) / "server.log"
        with served(env, workers=workers, log=log) as port:
            # The load runs in a separate process from the server (this one), as a client would.
            post_all(port, key, make_batches(4, 1000, "warm"), clients)
            results = {}
            # "new": most users are first seen (a customer is created for each); "returning": the
            # same 50,000 users again, the steady state of a live brand.
            for phase in ("new", "returning"):
                bodies = make_batches(batches, 50_000, phase)
                results[phase] = measure(backend, phase, *post_all(port, key, bodies, clients))
        return results


def measure(
    backend: str, phase: str, elapsed: float, latencies: list[float], failures: list[str]
) -> tuple[float, float, int]:
    # Only accepted batches count; a failed batch is reported, not hidden.
    rate = len(latencies) * BATCH / elapsed
    latencies.sort()
    p95 = latencies[max(int(len(latencies) * 0.95) - 1, 0)] if latencies else float("nan")
    print(
        f"  {backend}, {phase} users: {len(latencies) * BATCH:,} events accepted in {elapsed:.1f} s = {rate:,.0f} events/s, "
        f"p95 batch {p95 * 1000:.0f} ms, {len(failures)} failed batches"
    )
    for failure in sorted(set(f[:120] for f in failures))[:5]:
        print("    ", failure)
    return rate, p95, len(failures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--backend", default="sqlite,postgres")
    options = parser.parse_args()
    rows = []
    for backend in options.backend.split(","):
        for phase, (rate, p95, failed) in run(
            backend, options.batches, options.clients, options.workers
        ).items():
            target = (
                " (target ≥ 20,000: " + ("met)" if rate >= 20_000 else "missed)")
                if backend == "sqlite"
                else ""
            )
            rows.append(
                f"| {backend} | {phase} | {rate:,.0f}{target} | {p95 * 1000:.0f} | {failed} of {options.batches} |"
            )
    write_section(
        "Track API (`POST /api/v1/track`, batches of 1,000)",
        f"gunicorn with {options.workers} sync workers on a fresh database; {options.batches} batches of "
        f"1,000 events from {options.clients} client threads in a separate process (http.client, "
        "keep-alive, bodies serialised before the clock starts), users drawn from 50,000 ids (first "
        "sight creates the customer), random UUID message ids, timestamps spread over the last six "
        "hours, varied properties.\n\n"
        "| Database | Users | Events/s (accepted) | p95 per batch, ms | Failed batches |\n|---|---|---|---|---|\n"
        + "\n".join(rows),
    )


if __name__ == "__main__":
    main()
