"""``xiaonuo autoreply …``: the auto-reply matcher on CSV files.

    xiaonuo autoreply match --kb KB.csv --in QUERIES.csv --out OUT.csv

``match`` answers every question of QUERIES.csv (column ``query``; other columns are carried
through) from the knowledge base KB.csv (``faq_id,question``, optional ``answer``; rows sharing
a faq_id are phrasings of one entry) with the live path's matcher, and adds ``faq_id`` (best
entry), ``score`` (its confidence) and ``answered`` (1 when the score reaches the default
threshold). Nothing is stored.
"""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaonuo.autoreply import evaluation
from xiaonuo.lib.errors import ServiceError
from xiaonuo.nlp.tables import InvalidTable


class Command(BaseCommand):
    help = "Auto-reply: match questions in a CSV file against a knowledge base in a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        match = sub.add_parser("match", help="best knowledge-base entry for each question")
        match.add_argument("--kb", type=Path, required=True, help="faq_id,question[,answer]")
        match.add_argument("--in", dest="input", type=Path, required=True, help="query,…")
        match.add_argument("--out", type=Path, required=True, help="the CSV file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            run = evaluation.match_file(options["kb"], options["input"], out=options["out"])
        except InvalidTable as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(exc.message.splitlines()[0]) from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{options['out']}: {run.queries} questions, {run.answered} answered "
            f"({run.answered / run.queries:.1%}) from {run.entries} entries "
            f"({run.phrasings} phrasings) in {elapsed:.1f} s"
        )
