"""``xiaonuo lake compact | verify [--repair] | purge``: the event lake by hand.

The worker runs compaction and the purge on their own (``xiaonuo/schedule.py``); these are for
operators: after a bulk load, before a backup, or when ``verify`` should say the lake is whole.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaonuo.events import compaction, lake_verify


class Command(BaseCommand):
    help = "The event lake: compact the tail into Parquet, verify the files, purge the tail."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        compact = sub.add_parser("compact", help="move accepted events from the tail into the lake")
        compact.add_argument("--batch-rows", type=int, default=compaction.BATCH_ROWS)
        verify = sub.add_parser(
            "verify", help="check the lake's files against the manifest and tail"
        )
        verify.add_argument(
            "--repair",
            action="store_true",
            help="remove orphans; rebuild damaged files from the tail or quarantine them",
        )
        purge = sub.add_parser("purge", help="delete compacted tail rows past the retention")
        purge.add_argument("--keep-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "compact":
            try:
                result = compaction.compact(batch_rows=options["batch_rows"])
            except compaction.CompactionBlocked as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"{result.read} events compacted ({result.written} written, "
                f"{result.duplicates} already in the lake) into {result.files} file(s) "
                f"in {result.seconds:.1f} s ({result.rate:,.0f}/s)"
            )
        elif action == "verify":
            report = lake_verify.verify(repair=options["repair"])
            for problem in report.problems:
                self.stdout.write(f"{problem.kind}: {problem.path}: {problem.detail}")
            for done in report.actions:
                self.stdout.write(f"repair: {done}")
            self.stdout.write(
                f"{report.files} file(s), {report.rows} event(s) listed; "
                f"{len(report.problems)} problem(s)"
            )
            if report.problems and not options["repair"]:
                raise CommandError("the lake has problems; run `xiaonuo lake verify --repair`")
        else:
            deleted = compaction.purge_compacted_tail(keep_days=options["keep_days"])
            self.stdout.write(f"{deleted} compacted event(s) deleted from the tail")
