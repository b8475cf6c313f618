"""Accuracy of the auto-reply matcher (issue 4, point 8), measured through its command.

    python benchmarks/autoreply_accuracy.py [--data DIR] [--sets lcqmc,afqmc,bq_corpus,cic]
                                            [--no-write]

Every number comes from ``xiaonuo autoreply match --kb KB.csv --in QUERIES.csv --out OUT.csv``
(the live path's matcher, run as a separate process) on the data under ``../shared/data`` (or
``$XIAONUO_EVAL_DATA``), read at run time and never copied into the repository:

- ``faq_retrieval/{lcqmc,afqmc,bq_corpus}``: KB = ``faq.csv`` (distractors included), questions
  = ``queries.csv``; right when the best entry is one of ``all_gold_faq_ids``. LCQMC is also
  reported on its two parts: the first 2,000 queries (file order), on which the matcher's
  design and default threshold were chosen, and the other 6,422, never looked at while tuning.
- ``intent/cic/train.csv``: our own seeded split, stratified by intent, 80% → KB (each message
  a phrasing of its intent, faq_id = label), 20% → questions. Top-1 accuracy and macro-F1.

"Answered" = the command's ``answered`` column (score ≥ ``DEFAULT_THRESHOLD``); precision when
answered = share right among those. Writes the "Auto-reply matcher: accuracy" section of
docs/benchmarks.md.
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, ROOT, write_section  # noqa: E402

RETRIEVAL_SETS = ("lcqmc", "afqmc", "bq_corpus")
SETS = (*RETRIEVAL_SETS, "cic")
SPLIT_SEED = 20261122
HELD_BACK = 0.2
LCQMC_DEV = 2000  # the first queries of lcqmc, looked at while tuning


def main() -> None:
    parser = argparse.ArgumentParser()
    default_data = os.environ.get("XIAONUO_EVAL_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", default=default_data, help="the folder holding faq_retrieval/")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()
    data = Path(options.data)
    wanted = [s for s in options.sets.split(",") if s]

    sys.path.insert(0, str(ROOT))
    from xiaonuo.autoreply.matching import DEFAULT_THRESHOLD

    lines = [
        f"Default threshold {DEFAULT_THRESHOLD}. Every number is read from the output of "
        "`xiaonuo autoreply match` (a separate process, the live path's matcher). Top-1 = the "
        "best entry is right; answered = score ≥ the default threshold; precision = right "
        "among the answered.",
        "",
        "| set | KB entries | questions | top-1 | answered | precision when answered "
        "| macro-F1 | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    verdicts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="xiaonuo-autoreply-") as tmp:
        work = Path(tmp)
        for name in wanted:
            if name == "cic":
                rows = _cic(data / "intent" / "cic" / "train.csv", work)
                lines.append(_row("cic (our 80/20 split)", rows))
                verdicts.append(_cic_verdict(rows))
            else:
                rows = _retrieval(data / "faq_retrieval" / name, work)
                lines.append(_row(name, rows))
                if name == "lcqmc":
                    dev = _part(rows, 0, LCQMC_DEV)
                    test = _part(rows, LCQMC_DEV, None)
                    lines.append(_row(f"lcqmc, first {LCQMC_DEV} (tuned on)", dev))
                    lines.append(_row(f"lcqmc, other {len(test['right'])} (unseen)", test))
                    verdicts.append(_lcqmc_verdict(rows, test))
            print(lines[-1], flush=True)
    body = "\n".join(lines) + "\n\n" + "\n".join(f"- {v}" for v in verdicts) + "\n\n" + NOTES
    print(body)
    if not options.no_write:
        write_section("Auto-reply matcher: accuracy", body)


NOTES = """\
Notes:
- The retrieval sets' knowledge bases hold one phrasing per entry, so the re-ranker is trained
  on perturbed copies of the phrasings (self-supervision, no outside data); in CIC each intent
  has ~80 phrasings and a per-knowledge-base classifier joins the features.
- AFQMC and BQ label only the pairs annotators saw; in their narrow domains many standard
  questions are paraphrases of each other (see the data README), so their scores are lower
  bounds for comparison only.
- CIC's train/dev files carry deliberate label noise (DataCLUE); our held-back 20% comes from the
  same noisy files, so its labels are noisy too. For scale on the same split: a TF-IDF
  character 1–3-gram linear SVM trained directly on the 80% scores about 53% accuracy and 41%
  macro-F1 (measured while building this benchmark), far below the 81.8% the data README
  reports on the clean holdout."""


def _run_match(kb: Path, queries: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command
        [PYTHON, "-m", "xiaonuo.cli", "autoreply", "match", "--kb", str(kb), "--in", str(queries)]
        + ["--out", str(out)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "xiaonuo.settings", "LOG_LEVEL": "WARNING"},
    )
    return time.perf_counter() - started


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _retrieval(folder: Path, work: Path) -> dict:
    out = work / f"{folder.name}.out.csv"
    seconds = _run_match(folder / "faq.csv", folder / "queries.csv", out)
    results = _read(out)
    entries = len({r["faq_id"] for r in _read(folder / "faq.csv")})
    right = [r["faq_id"] in r["all_gold_faq_ids"].split("|") for r in results]
    answered = [r["answered"] == "1" for r in results]
    return {"entries": entries, "right": right, "answered": answered, "seconds": seconds}


def _cic(path: Path, work: Path) -> dict:
    by_label: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _read(path):
        by_label[row["label"]].append(row)
    rng = random.Random(SPLIT_SEED)
    kb: list[dict[str, str]] = []
    held: list[dict[str, str]] = []
    for label in sorted(by_label, key=int):
        rows = sorted(by_label[label], key=lambda r: r["id"])
        rng.shuffle(rows)
        cut = max(1, round(len(rows) * HELD_BACK))
        held.extend(rows[:cut])
        kb.extend(rows[cut:])
    kb_path, queries_path, out = work / "cic.kb.csv", work / "cic.q.csv", work / "cic.out.csv"
    with kb_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["faq_id", "question"])
        writer.writerows([r["label"], r["text"]] for r in kb)
    with queries_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["query", "gold"])
        writer.writerows([r["text"], r["label"]] for r in held)
    seconds = _run_match(kb_path, queries_path, out)
    results = _read(out)
    from sklearn.metrics import f1_score

    gold = [r["gold"] for r in results]
    predicted = [r["faq_id"] for r in results]
    return {
        "entries": len(by_label),
        "right": [g == p for g, p in zip(gold, predicted, strict=True)],
        "answered": [r["answered"] == "1" for r in results],
        "seconds": seconds,
        "macro_f1": f1_score(gold, predicted, average="macro"),
    }


def _part(rows: dict, start: int, end: int | None) -> dict:
    right = rows["right"][start:end]
    return {**rows, "right": right, "answered": rows["answered"][start:end], "seconds": None}


def _stats(rows: dict) -> tuple[float, float, float]:
    right, answered = rows["right"], rows["answered"]
    n = len(right)
    hits = sum(1 for r, a in zip(right, answered, strict=True) if a and r)
    n_answered = sum(answered)
    return sum(right) / n, n_answered / n, hits / n_answered if n_answered else 0.0


def _row(label: str, rows: dict) -> str:
    top1, answered, precision = _stats(rows)
    f1 = f"{rows['macro_f1']:.1%}" if "macro_f1" in rows else "—"
    seconds = f"{rows['seconds']:.0f}" if rows.get("seconds") else "—"
    return (
        f"| {label} | {rows['entries']:,} | {len(rows['right']):,} | {top1:.1%} | {answered:.1%} "
        f"| {precision:.1%} | {f1} | {seconds} |"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _lcqmc_verdict(rows: dict, unseen: dict) -> str:
    top1, answered, precision = _stats(rows)
    u_top1, u_answered, u_precision = _stats(unseen)
    return (
        f"LCQMC top-1 {top1:.1%} (unseen part {u_top1:.1%}); target ≥ 93%: "
        f"{_met(top1 >= 0.93)}. Precision when answered {precision:.1%} with {answered:.1%} "
        f"answered (unseen part {u_precision:.1%} with {u_answered:.1%}); target ≥ 95% with "
        f"≥ 70% answered: {_met(precision >= 0.95 and answered >= 0.70)}."
    )


def _cic_verdict(rows: dict) -> str:
    top1, _, _ = _stats(rows)
    return (
        f"CIC macro-F1 {rows['macro_f1']:.1%} (top-1 {top1:.1%}); target ≥ 80%: "
        f"{_met(rows['macro_f1'] >= 0.80)}."
    )


if __name__ == "__main__":
    main()
