"""Precision and recall of the praise detector on the labelled messages in ``praise_cases.tsv``
(development: the rules were tuned on it) and ``praise_holdout.tsv`` (not tuned on).

    python -m xiaonuo.nlp.evaluation.praise [--errors] [--cases FILE]

The messages were written for Xiaonuo (see docs/decisions/0012-surveys.md); none comes from a
corpus or from shared data.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

CASES = Path(__file__).with_name("praise_cases.tsv")
HOLDOUT = Path(__file__).with_name("praise_holdout.tsv")
LABELS = ("praise", "none")


@dataclass(frozen=True)
class Case:
    line: int
    text: str
    praise: bool


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0


def load_cases(path: Path = CASES) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        if label not in LABELS or not text.strip():
            raise ValueError(f"{path}:{number}: bad label {label!r} or empty text")
        cases.append(Case(number, text, label == "praise"))
    return cases


def evaluate(cases: list[Case]) -> tuple[Score, list[Case]]:
    """The score, and the cases judged wrongly."""
    from xiaonuo.nlp.praise import detect_praise

    tp = fp = fn = tn = 0
    errors = []
    for case in cases:
        predicted = detect_praise(case.text).is_praise
        tp += predicted and case.praise
        fp += predicted and not case.praise
        fn += case.praise and not predicted
        tn += not predicted and not case.praise
        if predicted != case.praise:
            errors.append(case)
    return Score(tp, fp, fn, tn), errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xiaonuo.nlp.evaluation.praise")
    parser.add_argument("--cases", type=Path, action="append")
    parser.add_argument("--errors", action="store_true", help="list the messages judged wrongly")
    options = parser.parse_args(argv)
    for path in options.cases or [CASES, HOLDOUT]:
        cases = load_cases(path)
        score, errors = evaluate(cases)
        print(
            f"{path.name}: {len(cases)} messages, {sum(c.praise for c in cases)} praise; "
            f"precision {score.precision:.2f}, recall {score.recall:.2f}"
        )
        if options.errors:
            for case in errors:
                expected = "praise" if case.praise else "none"
                print(f"  line {case.line}: expected {expected}: {case.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
