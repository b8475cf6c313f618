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
  a phrasing of its intent, faq_id = label), 20% → questions. Top-1 accuracy and macro-F1;
  also on the held-back messages whose label a cross-validated committee confirms (a
  noise-aware view, biased up: see NOTES) and, for scale, a plain classifier on the same split.

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
                confirmed = rows["confirmed"]
                lines.append(
                    _row(
                        f"cic, only labels a committee confirms ({sum(confirmed):,} of "
                        f"{len(confirmed):,}; agreement, biased up, not an accuracy)",
                        _subset(rows, confirmed),
                    )
                )
                verdicts.append(_cic_verdict(rows))
                verdicts.append(_cic_baseline(kb=rows["kb"], held=rows["held"]))
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
  on perturbed copies of the phrasings (self-supervision, no outside data). In CIC each intent
  has ~80 phrasings: the per-knowledge-base classifier (character 1–3-grams, linear SVM) ranks
  and a model trained on its cross-fitted predictions gives the confidence.
- AFQMC and BQ label only the pairs annotators saw; in their narrow domains many standard
  questions are paraphrases of each other (see the data README), so their scores are lower
  bounds for comparison only.
- CIC's train/dev files carry deliberate label noise (DataCLUE); our held-back 20% comes from the
  same noisy files, so its labels are noisy too, and the data README's 81.8% (TF-IDF + LR) was
  measured on the clean holdout, which we do not have. The second CIC row keeps only the
  held-back messages whose given label two different classifiers (character 1–3-gram SVM,
  character 1–2-gram naive Bayes), each cross-validated without the message, both predict: a
  noise-aware view, but the subset is chosen by models akin to the matcher's own classifier, so
  it measures agreement with them and is biased up — it is not the clean accuracy."""


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
        "gold": gold,
        "predicted": predicted,
        "confirmed": _committee_confirms(kb, held),
        "kb": kb,
        "held": held,
    }


def _cic_baseline(*, kb: list[dict[str, str]], held: list[dict[str, str]]) -> str:
    """A plain classifier on the same split, for scale: TF-IDF character 1–3-grams and a
    linear SVM trained directly on the 80% (scikit-learn's default C=1, and C=0.3, the
    matcher's own classifier's setting)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    matrix = vectorizer.fit_transform([r["text"] for r in kb])
    questions = vectorizer.transform([r["text"] for r in held])
    gold = [r["label"] for r in held]
    parts = []
    for c in (1.0, 0.3):
        predicted = LinearSVC(C=c).fit(matrix, [r["label"] for r in kb]).predict(questions)
        right = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
        parts.append(
            f"C={c:g}: top-1 {right:.1%}, macro-F1 {f1_score(gold, predicted, average='macro'):.1%}"
        )
    return (
        "For scale on the same split, TF-IDF character 1–3-grams + a linear SVM trained "
        f"directly on the 80% ({'; '.join(parts)})."
    )


def _committee_confirms(kb: list[dict[str, str]], held: list[dict[str, str]]) -> list[bool]:
    """For each held-back message: do two different classifiers, each trained without it
    (5-fold cross-validation over the whole file), both predict its given label? A label two
    such models confirm is less likely to be one of DataCLUE's planted errors. The subset is
    chosen by models akin to the matcher's own classifier, so scores on it are biased up: a
    noise-aware view next to the plain number, not an estimate of clean accuracy."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import LinearSVC

    rows = kb + held
    texts = [r["text"] for r in rows]
    labels = np.asarray([r["label"] for r in rows])
    agree = np.ones(len(rows), dtype=bool)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SPLIT_SEED)
    for train, test in folds.split(texts, labels):
        for vectorizer, model in (
            (TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC()),
            (CountVectorizer(analyzer="char", ngram_range=(1, 2)), MultinomialNB(alpha=0.1)),
        ):
            matrix = vectorizer.fit_transform([texts[i] for i in train])
            model.fit(matrix, labels[train])
            predicted = model.predict(vectorizer.transform([texts[i] for i in test]))
            agree[test] &= predicted == labels[test]
    return agree[len(kb) :].tolist()


def _subset(rows: dict, keep: list[bool]) -> dict:
    from sklearn.metrics import f1_score

    pick = [i for i, k in enumerate(keep) if k]
    gold = [rows["gold"][i] for i in pick]
    predicted = [rows["predicted"][i] for i in pick]
    return {
        "entries": rows["entries"],
        "right": [rows["right"][i] for i in pick],
        "answered": [rows["answered"][i] for i in pick],
        "seconds": None,
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
