"""The ``xiaonuo`` command.

``serve`` runs the web server and one background worker together (the embedded setup) and
``worker`` runs a job consumer; everything else is a Django management command that lives in the
app it belongs to (``xiaonuo apikey create`` → ``accounts/management/commands/apikey.py``), so
each app owns its commands and ``xiaonuo help`` lists them all.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

from django.conf import settings

# How long a child may take to finish what it is doing after we ask it to stop.
STOP_GRACE_SECONDS = 30


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
    import django

    django.setup()
    command = argv[0] if argv else "help"
    if command == "serve":
        sys.exit(serve(argv[1:]))
    from django.core.management import execute_from_command_line

    if command == "worker":
        # The periodic jobs must be registered in the consumer before it starts its scheduler.
        import xiaonuo.schedule  # noqa: F401

        argv = ["run_huey", *argv[1:]]  # --workers N, --no-periodic, -k process … as Huey has them
    execute_from_command_line(["xiaonuo", *argv])


def serve(args: list[str]) -> int:
    """Web (gunicorn) plus one Huey worker, supervised together.

    SIGINT (Ctrl-C) or SIGTERM stops both children and returns 0. If either child dies on its
    own, the other is stopped too and the exit code is non-zero: a half-running install (web up,
    jobs silently not running) is worse than a restart by whatever supervises us.
    """
    parser = argparse.ArgumentParser(prog="xiaonuo serve")
    parser.add_argument("--bind", default=os.environ.get("XIAONUO_BIND", "127.0.0.1:8000"))
    parser.add_argument(
        "--workers", type=int, default=settings.WEB_CONCURRENCY, help="web processes"
    )
    parser.add_argument("--no-worker", action="store_true", help="do not start a background worker")
    options = parser.parse_args(args)

    stop_requested = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    python = sys.executable
    children: dict[str, subprocess.Popen[bytes]] = {}
    if not options.no_worker:
        children["worker"] = subprocess.Popen([python, "-m", "xiaonuo.cli", "worker"])  # noqa: S603
    children["web"] = subprocess.Popen(  # noqa: S603
        [
            python,
            "-m",
            "gunicorn",
            "xiaonuo.wsgi:application",
            "--bind",
            options.bind,
            "--workers",
            str(options.workers),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
            # Each web process warms up at start (matchers, dictionaries): see gunicorn_conf.
            "--config",
            "python:xiaonuo.gunicorn_conf",
        ]
    )
    print(
        f"xiaonuo serve: http://{options.bind}/ (web pid {children['web'].pid}"
        + (f", worker pid {children['worker'].pid})" if "worker" in children else ", no worker)"),
        file=sys.stderr,
        flush=True,
    )
    exit_code = 0
    try:
        while not stop_requested:
            died = _first_exited(children)
            if died is not None:
                name, code = died
                print(
                    f"xiaonuo serve: the {name} process exited with code {code}; stopping everything",
                    file=sys.stderr,
                    flush=True,
                )
                exit_code = code or 1
                break
            time.sleep(0.2)
    finally:
        _stop_all(children)
    return exit_code


def _first_exited(children: dict[str, subprocess.Popen[bytes]]) -> tuple[str, int] | None:
    for name, child in children.items():
        code = child.poll()
        if code is not None:
            return name, code
    return None


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    # gunicorn stops gracefully on SIGTERM; Huey's consumer does on SIGINT (SIGTERM would abandon
    # running jobs, which are idempotent but need not be retried for nothing).
    for name, child in children.items():
        if child.poll() is None:
            child.send_signal(signal.SIGINT if name == "worker" else signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    main()
