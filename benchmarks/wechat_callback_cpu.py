"""The WeChat callback's cost per message in one process: CPU ms and SQL statements.

    python benchmarks/wechat_callback_cpu.py [--messages 600] [--openids 5000] [--mode safe]
                                             [--postgres] [--profile] [--show-sql 1]

The HTTP benchmark (``wechat_callback.py``) needs a quiet machine; this one does not: it counts
what one message costs — CPU time of this process (``time.process_time``, which other work on
the machine hardly moves), the statements sent to the database, and the write transactions
and the time spent in them (on SQLite, turns of its one write lock) — through Django's WSGI
handler with every middleware, the same wiring as the live server, and no HTTP. Same install,
knowledge base and messages as the HTTP benchmark (its ``prepare`` and ``build_requests``):
copies of earlier messages (WeChat's retries), answered questions and hand-offs are reported
apart. ``--openids`` small makes most senders come back (reopened tickets, repeats, people
already with an agent); large makes most of them new.

Nothing is written to docs/benchmarks.md: the numbers go in the report of whoever runs it.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wechat_callback  # noqa: E402
from _common import environment  # noqa: E402
from wechat_callback import percentile  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE", "WITH", "REPLACE")


def _time_transactions(connection, lock: dict) -> None:  # noqa: ANN001 - Django's wrapper
    """Time every transaction from its BEGIN to its COMMIT or ROLLBACK: on SQLite (IMMEDIATE
    mode) that is how long the database's one write lock is held, so 1000 / these ms bounds the
    messages per second whatever the number of cores."""
    begin, commit, rollback = (
        connection._start_transaction_under_autocommit,
        connection._commit,
        connection._rollback,
    )

    def started() -> None:
        lock["since"] = time.perf_counter()
        begin()

    def ended(end):  # noqa: ANN001, ANN202
        def run():  # noqa: ANN202
            try:
                return end()
            finally:
                if lock["since"]:
                    lock["ms"] += (time.perf_counter() - lock["since"]) * 1000
                    lock["turns"] += 1
                    lock["since"] = 0.0

        return run

    connection._start_transaction_under_autocommit = started
    connection._commit, connection._rollback = ended(commit), ended(rollback)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--openids", type=int, default=5000)
    parser.add_argument("--mode", choices=("plain", "safe"), default="safe")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--profile", action="store_true", help="cProfile, top functions")
    parser.add_argument("--show-sql", type=int, default=0, help="print the statements of N")
    return parser.parse_args()


def main() -> None:
    options = _options()
    backend = "postgres" if options.postgres else "sqlite"
    with environment(backend, name="xiaonuo_wechat_cpu") as env:
        path, _channel_pk = wechat_callback.prepare(env)
        print(run(options, path))


def run(options: argparse.Namespace, path: str) -> str:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    spec = {
        "seed": 4,
        "rate": 200,
        "seconds": options.messages / 200,
        "openids": options.openids,
        "answerable_share": 0.7,
        "retry_share": 0.05,
        "mode": options.mode,
        "path": path,
    }
    warm = {
        **spec,
        "seconds": 0.1,
        "retry_share": 0,
        "msg_base": 6_000_000_000_000_000,
        "openid_prefix": "oWarmUp",
    }
    for request in wechat_callback.build_requests(warm):  # the matcher, the imports
        client.post(request["path"], request["body"], content_type="text/xml")

    statements: list[str] = []
    lock = {"ms": 0.0, "since": 0.0, "turns": 0}

    def count(execute, sql, params, many, context):  # noqa: ANN001, ANN202 - Django's hook
        statements.append(sql)
        if connection.in_atomic_block or sql.lstrip().split(" ", 1)[0].upper() not in WRITES:
            return execute(sql, params, many, context)
        started = time.perf_counter()  # a write in autocommit: a turn of its own
        try:
            return execute(sql, params, many, context)
        finally:
            lock["ms"] += (time.perf_counter() - started) * 1000
            lock["turns"] += 1

    _time_transactions(connection, lock)
    rows: dict[str, list[tuple[float, int, float, int]]] = {}
    profile = cProfile.Profile() if options.profile else None
    shown: list[str] = []
    with connection.execute_wrapper(count):
        for request in wechat_callback.build_requests(spec):
            statements.clear()
            lock.update(ms=0.0, turns=0)
            started = time.process_time()
            if profile is not None:
                profile.enable()
            response = client.post(request["path"], request["body"], content_type="text/xml")
            if profile is not None:
                profile.disable()
            cpu_ms = (time.process_time() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code}: {response.content[:200]!r}")
            kind = (
                "copy (WeChat's retry)"
                if request["retry"]
                else "answered"
                if response.content != b"success"
                else "handed off / silent"
            )
            rows.setdefault(kind, []).append(
                (cpu_ms, len(statements), float(lock["ms"]), int(lock["turns"]))
            )
            if len(shown) < options.show_sql and kind == "answered":
                shown.append("\n".join(f"    {s[:150]}" for s in statements))
    lines = _table(options, connection.vendor, rows)
    everything = [m[0] for measured in rows.values() for m in measured]
    lines.append(f"\nall messages: {sum(everything) / len(everything):.2f} ms CPU on average")
    for i, sql in enumerate(shown, start=1):
        lines.append(f"\nstatements of answered message {i}:\n{sql}")
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(60)
        lines.append(out.getvalue())
    return "\n".join(lines)


def _table(options: argparse.Namespace, vendor: str, rows: dict) -> list[str]:
    lines = [
        f"{options.messages} messages, {options.mode} mode, {vendor}, {options.openids} openids",
        "",
        "| message | n | CPU ms mean | CPU ms p99 | statements mean | max "
        "| write transactions | ms in them |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, measured in sorted(rows.items()):
        cpu = [m[0] for m in measured]
        count_ = [m[1] for m in measured]
        n = len(measured)
        lines.append(
            f"| {kind} | {n} | {sum(cpu) / n:.2f} | {percentile(cpu, 0.99):.2f} | "
            f"{sum(count_) / n:.1f} | {max(count_)} | {sum(m[3] for m in measured) / n:.1f} | "
            f"{sum(m[2] for m in measured) / n:.2f} |"
        )
    return lines


if __name__ == "__main__":
    main()
