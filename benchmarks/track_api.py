"""Events/s through the HTTP API: `POST /api/v1/track` with batches of 1,000, real server.

    python benchmarks/track_api.py [--batches 200] [--clients 4] [--backend sqlite,postgres]

Starts gunicorn (2 workers) on a fresh database, then posts from a separate process with a few
threads, each batch with new users mixed with returning ones. Target: ≥ 20,000 events/s on SQLite.
"""

import argparse
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, ROOT, environment, write_section, xiaonuo  # noqa: E402

BATCH = 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_batches(count: int, users: int) -> list[bytes]:
    rng = random.Random(3)
    names = ["浏览菜单", "打开小程序", "加入购物车", "下单", "支付成功"]
    bodies = []
    for b in range(count):
        batch = [{"user_id": f"M{rng.randrange(users):07d}", "event": rng.choice(names),
                  "properties": {"product": "杨枝甘露", "amount": 19, "store": "长沙五一广场店"},
                  "timestamp": "2026-11-01T12:00:00+08:00", "message_id": f"b{b}-{i}"} for i in range(BATCH)]
        bodies.append(json.dumps({"batch": batch}, ensure_ascii=False).encode())
    return bodies


def post_all(port: int, key: str, bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    queue = list(reversed(bodies))
    lock = threading.Lock()
    latencies: list[float] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            started = time.perf_counter()
            conn.request("POST", "/api/v1/track", body,
                         {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            if response.status != 202:
                raise SystemExit(f"HTTP {response.status}: {payload[:300]!r}")
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies


def run(backend: str, batches: int, clients: int) -> tuple[float, float]:
    with environment(backend) as env:
        key = xiaonuo(env, "shell", "-c", (
            "from xiaonuo.accounts import services as s\n"
            "ws = s.create_workspace(slug='bench', name='压测')\n"
            "print(s.create_api_key(workspace=ws, name='bench', actor=s.Actor())[1])"
        ), capture=True).strip().splitlines()[-1]
        port = free_port()
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "xiaonuo.wsgi:application", "-w", "2", "--bind", f"127.0.0.1:{port}",
             "--timeout", "120", "--log-level", "warning"], env=env, cwd=ROOT)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            # The load runs in a separate process from the server (this one), as a client would.
            post_all(port, key, make_batches(4, 50_000), clients)  # warm-up
            bodies = make_batches(batches, 50_000)
            elapsed, latencies = post_all(port, key, bodies, clients)
        finally:
            server.terminate()
            server.wait(30)
        rate = batches * BATCH / elapsed
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        print(f"  {backend}: {batches * BATCH:,} events in {elapsed:.1f} s = {rate:,.0f} events/s, "
              f"p95 batch {p95 * 1000:.0f} ms")
        return rate, p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--backend", default="sqlite,postgres")
    options = parser.parse_args()
    rows = []
    for backend in options.backend.split(","):
        rate, p95 = run(backend, options.batches, options.clients)
        target = " (target ≥ 20,000: " + ("met)" if rate >= 20_000 else "missed)") if backend == "sqlite" else ""
        rows.append(f"| {backend} | {rate:,.0f}{target} | {p95 * 1000:.0f} |")
    write_section(
        "Track API (`POST /api/v1/track`, batches of 1,000)",
        f"gunicorn with 2 workers on a fresh database; {options.batches} batches of 1,000 events from "
        f"{options.clients} client threads in a separate process (http.client, keep-alive), users drawn "
        "from 50,000 ids (first sight creates the customer).\n\n"
        "| Database | Events/s | p95 per batch, ms |\n|---|---|---|\n" + "\n".join(rows),
    )


if __name__ == "__main__":
    main()
