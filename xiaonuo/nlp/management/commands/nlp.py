"""``xiaonuo nlp …``: train and apply the text models on CSV files.

    xiaonuo nlp train sentiment --in LABELED.csv --out MODEL [--with-default-data]
    xiaonuo nlp sentiment  [--model MODEL] --in IN.csv --out OUT.csv
    xiaonuo nlp aspects    [--model MODEL] --in IN.csv --out OUT.csv
    xiaonuo nlp complaints [--model MODEL] --in IN.csv --out OUT.csv
    xiaonuo nlp enrich     [--model MODEL] --in IN.csv --out OUT.csv
    xiaonuo nlp build-default          (build the default model now instead of at first use)
    xiaonuo nlp info MODEL             (a model file's metadata record)

The commands run the same code as live enrichment (``xiaonuo.nlp.tables`` → ``enrich``).
"""

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaonuo.lib.errors import ServiceError
from xiaonuo.nlp import corpus, tables
from xiaonuo.nlp.modelfile import load_model


class Command(BaseCommand):
    help = "Chinese text models: train sentiment, annotate CSV files, show a model's record."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train a model from a labelled CSV (text,label)")
        train.add_argument("kind", choices=("sentiment",))
        train.add_argument("--in", dest="input", type=Path, required=True)
        train.add_argument("--out", type=Path, required=True, help="the model file to write")
        train.add_argument(
            "--with-default-data",
            action="store_true",
            help="also train on the default model's data (the file's texts weigh more)",
        )
        for output in tables.Output:
            annotate = sub.add_parser(output.value, help=f"add {output.value} columns to a CSV")
            annotate.add_argument("--in", dest="input", type=Path, required=True)
            annotate.add_argument("--out", type=Path, required=True)
            annotate.add_argument(
                "--model", type=Path, help="a model from `nlp train` (default: the shipped one)"
            )
        sub.add_parser("build-default", help="build the default sentiment model now")
        info = sub.add_parser("info", help="print a model file's metadata")
        info.add_argument("model", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        action = options["action"]
        try:
            if action == "train":
                model = tables.train_from_file(
                    options["input"],
                    out=options["out"],
                    with_default_data=options["with_default_data"],
                )
                self.stdout.write(
                    f"{options['out']}: trained on {model.info.texts} texts "
                    f"({_metrics(model.info.metrics)}) in {time.perf_counter() - started:.1f} s"
                )
            elif action == "build-default":
                model = corpus.build_default_model()
                self.stdout.write(f"{corpus.default_model_path()}: {model.info.data_source}")
            elif action == "info":
                model = load_model(options["model"])
                self.stdout.write(json.dumps(asdict(model.info), ensure_ascii=False, indent=2))
            else:
                rows = tables.annotate_file(
                    tables.Output(action),
                    options["input"],
                    out=options["out"],
                    model_path=options["model"],
                )
                elapsed = time.perf_counter() - started
                self.stdout.write(f"{options['out']}: {rows} rows in {elapsed:.1f} s")
        except tables.InvalidTable as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(exc.message.splitlines()[0]) from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None


def _metrics(metrics: dict[str, float]) -> str:
    accuracy = metrics.get("validation_accuracy")
    if accuracy is None:
        return "too few texts to hold some back for validation"
    return (
        f"validation accuracy {accuracy:.1%} on {int(metrics['validation_texts'])} held-back texts"
    )
