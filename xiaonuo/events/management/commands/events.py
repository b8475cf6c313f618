"""``xiaonuo events import FILE --workspace SLUG [--format csv|jsonl]``: load event history."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaonuo.accounts.models import Workspace
from xiaonuo.events import bulk, lake_import
from xiaonuo.lib.errors import ServiceError


class Command(BaseCommand):
    help = "Event history: `events import FILE --workspace SLUG` loads a CSV or JSON-lines file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="load events from a CSV or JSON-lines file")
        load.add_argument("file", type=Path)
        load.add_argument("--workspace", required=True, help="the workspace's slug")
        load.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file name")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']!r}")
        started = time.perf_counter()
        try:
            result = lake_import.import_event_file(
                workspace=workspace, path=path, format=options["format"]
            )
        except bulk.InvalidEventFile as exc:
            for line in exc.lines():
                self.stderr.write(line)
            shown = f" (first {len(exc.errors)} shown)" if exc.error_count > len(exc.errors) else ""
            raise CommandError(f"{exc.error_count} error(s){shown}; nothing was stored") from None
        except ServiceError as exc:  # e.g. an encoding that is neither UTF-8 nor GB18030
            raise CommandError(f"{exc.message}; nothing was stored") from None
        elapsed = time.perf_counter() - started
        rate = result.total / elapsed if elapsed else 0
        self.stdout.write(
            f"{result.loaded} events stored, {result.duplicates} already there "
            f"({result.total} lines in {elapsed:.1f} s, {rate:,.0f}/s)"
        )
