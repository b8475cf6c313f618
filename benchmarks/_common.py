"""Shared by the benchmark scripts: a throw-away environment (data dir + database), the machine
description, and writing a section of docs/benchmarks.md."""

import contextlib
import os
import platform
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> str:
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    cpu = "?"
    with contextlib.suppress(OSError):
        match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = match.group(1).strip() if match else "?"
    return (
        f"{os.cpu_count()} CPU ({cpu}), {mem_kb / 1024 / 1024:.0f} GB RAM, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {pg_version() or 'n/a'}; load average before the "
        f"run {os.getloadavg()[0]:.1f} (the machine is shared with other work)"
    )


def pg_version() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:
        return ""


@contextlib.contextmanager
def environment(backend: str, name: str = "xiaonuo_bench") -> Iterator[dict[str, str]]:
    """Environment variables for a fresh, migrated Xiaonuo on ``backend`` (sqlite|postgres)."""
    with tempfile.TemporaryDirectory(prefix="xiaonuo-bench-") as data_dir:
        env = {
            **os.environ,
            "XIAONUO_DATA_DIR": data_dir,
            "DJANGO_SETTINGS_MODULE": "xiaonuo.settings",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        if backend == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {name}")
            env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        else:
            env.pop("DATABASE_URL", None)
        try:
            xiaonuo(env, "migrate", "--verbosity", "0")
            yield env
        finally:
            if backend == "postgres":
                import psycopg

                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def xiaonuo(env: dict[str, str], *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "xiaonuo.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=capture,
        text=True,
    )
    return done.stdout if capture else ""


def django_setup(env: dict[str, str]) -> None:
    """Use Xiaonuo in this process, against ``env``'s database."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def write_section(title: str, body: str) -> None:
    """Replace (or add) the ``## title`` section of docs/benchmarks.md."""
    DOC.parent.mkdir(exist_ok=True)
    text = (
        DOC.read_text()
        if DOC.exists()
        else (
            "# Benchmarks\n\nWritten by the scripts in `benchmarks/`; each section says how to re-run it.\n"
            "Numbers are measured, misses included. Targets are from DESIGN.md §6.\n"
        )
    )
    command = "python " + " ".join(
        shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]]
    )
    section = (
        f"## {title}\n\n"
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n- Machine: {machine()}\n- Command: `{command}`\n\n"
        f"{body.strip()}\n"
    )
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section
    )
    DOC.write_text(text.rstrip() + "\n")
    print(f"wrote the '{title}' section of {DOC.relative_to(ROOT)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(env: dict[str, str], *, workers: int = 2, log: Path | None = None) -> Iterator[int]:
    """The real server (gunicorn, as ``xiaonuo serve`` runs it) on a free port; yields the port."""
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "xiaonuo.wsgi:application",
            "-w",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stderr=log.open("w") if log else None,  # noqa: SIM115 - closed with the process
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(30)
