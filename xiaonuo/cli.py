"""The ``xiaonuo`` command.

``serve`` runs the web server and one background worker together (the embedded setup);
everything else is a Django management command that lives in the app it belongs to
(``xiaonuo apikey create`` → ``accounts/management/commands/apikey.py``), so each app owns its
commands and ``xiaonuo help`` lists them all.
"""

import os
import signal
import subprocess
import sys

from django.conf import settings


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
        argv = ["run_huey", *argv[1:]]
    execute_from_command_line(["xiaonuo", *argv])


def serve(args: list[str]) -> int:
    """Web (gunicorn) plus one Huey worker; Ctrl-C stops both."""
    import argparse

    parser = argparse.ArgumentParser(prog="xiaonuo serve")
    parser.add_argument("--bind", default=os.environ.get("XIAONUO_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=settings.WEB_CONCURRENCY, help="web processes")
    parser.add_argument("--no-worker", action="store_true", help="do not start a background worker")
    options = parser.parse_args(args)
    python = sys.executable
    children = []
    if not options.no_worker:
        children.append(subprocess.Popen([python, "-m", "xiaonuo.cli", "worker"]))  # noqa: S603
    web = subprocess.Popen(  # noqa: S603
        [python, "-m", "gunicorn", "xiaonuo.wsgi:application", "--bind", options.bind,
         "--workers", str(options.workers), "--access-logfile", "-", "--timeout", "120"]
    )
    children.append(web)

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return web.wait()
    finally:
        stop()
        for child in children:
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
