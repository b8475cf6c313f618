"""Precision and recall of the tone check on the labelled replies in ``tone_cases.tsv``.

    python -m xiaonuo.nlp.evaluation.tone [--errors] [--cases FILE]

A reply counts as flagged for a kind when the check reports at least one finding of that kind;
precision and recall are per reply and per kind ("any" = flagged for anything vs labelled ok).
The replies were written for Xiaonuo (see docs/decisions/0008-tone-check.md); the workspace
lexicon below stands for one company's own lists, as the desk would pass them.
"""

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

CASES = Path(__file__).with_name("tone_cases.tsv")
KINDS = ("rude", "dismissive", "forbidden_promise", "sensitive")


@dataclass(frozen=True)
class Case:
    line: int
    text: str
    labels: frozenset[str]  # empty: ok


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0


def eval_lexicon():  # -> ToneLexicon; imported late so that --help works without Django
    from xiaonuo.nlp.tone import ToneLexicon

    return ToneLexicon(
        forbidden_promises=("免单", "终身保修"),
        sensitive=("内部价", "好评返现", "返现"),
        allowed=("好评返现属于违规",),
    )


def load_cases(path: Path = CASES) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        labels, _, text = line.partition("\t")
        kinds = frozenset(k.strip() for k in labels.split(",")) - {"ok"}
        unknown = kinds - set(KINDS)
        if unknown or not text:
            raise ValueError(f"{path}:{number}: bad labels {sorted(unknown)} or empty text")
        cases.append(Case(number, text, kinds))
    return cases


def evaluate(cases: list[Case]) -> tuple[dict[str, Score], list[tuple[Case, frozenset[str]]]]:
    """Scores per kind (and "any"), and the cases whose predicted kinds differ from the labels."""
    from xiaonuo.nlp.tone import check_tone

    lexicon = eval_lexicon()
    scores = {kind: Score() for kind in (*KINDS, "any")}
    errors = []
    for case in cases:
        predicted = frozenset(f.kind for f in check_tone(case.text, lexicon).findings)
        for kind in KINDS:
            _count(scores[kind], kind in predicted, kind in case.labels)
        _count(scores["any"], bool(predicted), bool(case.labels))
        if predicted != case.labels:
            errors.append((case, predicted))
    return scores, errors


def _count(score: Score, predicted: bool, labelled: bool) -> None:
    if predicted and labelled:
        score.true_positives += 1
    elif predicted:
        score.false_positives += 1
    elif labelled:
        score.false_negatives += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xiaonuo.nlp.evaluation.tone")
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--errors", action="store_true", help="list the replies judged wrongly")
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
    import django

    django.setup()
    cases = load_cases(options.cases)
    scores, errors = evaluate(cases)
    print(f"{len(cases)} replies, {sum(1 for c in cases if not c.labels)} labelled ok")
    print(f"{'kind':<18} {'labelled':>8} {'precision':>9} {'recall':>7}")
    for kind, s in scores.items():
        labelled = s.true_positives + s.false_negatives
        print(f"{kind:<18} {labelled:>8} {s.precision:>9.2f} {s.recall:>7.2f}")
    if options.errors:
        for case, predicted in errors:
            expected = ",".join(sorted(case.labels)) or "ok"
            got = ",".join(sorted(predicted)) or "ok"
            print(f"line {case.line}: expected {expected}, got {got}: {case.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
