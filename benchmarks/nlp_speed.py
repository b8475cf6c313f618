"""Speed of the nlp library (issue 5, point 9): enrichment ≥ 2,000 texts/s on one core; a
model retrains on 50,000 texts in under a minute.

    python benchmarks/nlp_speed.py [--texts 20000] [--data DIR] [--no-write]

- Enrichment: ``enrich()`` in batches of 500 over real review texts (the shared sentiment
  data's waimai and online-shopping reviews, or ``$XIAONUO_EVAL_DATA``; only read, to get
  realistic lengths), with the default model, BLAS and everything else held to one thread.
  Warm: jieba, the IDF table and the model are loaded before timing.
- Retraining: ``xiaonuo nlp train sentiment`` on 50,000 labelled reviews, end to end (read the
  CSV, fold and segment, fit on 95% and measure on the 5% held back, save),
  in its own process, timed from outside.
Writes the "NLP speed" section of docs/benchmarks.md.
"""

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, ROOT, write_section  # noqa: E402

BATCH = 500


def main() -> None:
    parser = argparse.ArgumentParser()
    default_data = os.environ.get("XIAONUO_EVAL_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", default=default_data)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--train-texts", type=int, default=50_000)
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from threadpoolctl import threadpool_limits

    from xiaonuo.nlp.enrich import enrich, warm_up

    sentiment_dir = Path(options.data) / "sentiment"
    waimai = _rows(sentiment_dir / "waimai_10k" / "train.csv")
    shopping = _rows(sentiment_dir / "online_shopping_10_cats" / "train.csv")
    texts = [r["text"] for r in (waimai + shopping)][: options.texts]
    mean_length = sum(map(len, texts)) / len(texts)
    warm_up()
    with threadpool_limits(limits=1):
        enrich(texts[:BATCH])
        started, cpu_started = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), BATCH):
            enrich(texts[i : i + BATCH])
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    rate, cpu_rate = len(texts) / elapsed, len(texts) / cpu
    print(f"enrich: {len(texts)} texts in {elapsed:.1f} s = {rate:,.0f}/s ({cpu_rate:,.0f}/CPU-s)")

    labelled = shopping[: options.train_texts]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labelled.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "label"])
            writer.writerows((r["text"], r["label"]) for r in labelled)
        started = time.perf_counter()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(  # noqa: S603 - our own command
            [
                PYTHON,
                "-m",
                "xiaonuo.cli",
                "nlp",
                "train",
                "sentiment",
                "--in",
                str(path),
                "--out",
                str(Path(tmp) / "m.skops"),
            ],
            check=True,
            cwd=ROOT,
            env={**os.environ},
        )
        train_seconds = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        train_cpu = (children.ru_utime - children_before.ru_utime) + (
            children.ru_stime - children_before.ru_stime
        )
        size = (Path(tmp) / "m.skops").stat().st_size
    print(f"train: {len(labelled)} texts in {train_seconds:.1f} s ({train_cpu:.1f} CPU-s)")
    body = f"""
The machine is shared: besides wall-clock time, each figure is also given per second of CPU
time used by our process (what one otherwise idle core would do).

| what | wall clock | per CPU second | target |
|---|---|---|---|
| `enrich()` (sentiment, aspects, complaint, keywords), one thread, batches of {BATCH}, {len(texts):,} reviews of {mean_length:.0f} characters on average | {rate:,.0f} texts/s | **{cpu_rate:,.0f} texts/s** | ≥ 2,000 texts/s |
| `xiaonuo nlp train sentiment` on {len(labelled):,} reviews, end to end (fitted on 95%, measured on the 5% held back) | {train_seconds:.0f} s | **{train_cpu:.0f} CPU-s** | < 60 s |

The trained model file is {size / 1e6:.1f} MB.
"""
    if not options.no_write:
        write_section("NLP speed", body)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


if __name__ == "__main__":
    main()
