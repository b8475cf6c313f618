"""Floors on the labelled evaluation sets (docs/decisions/0008-tone-check.md has the figures)."""

import pytest

from xiaonuo.nlp.evaluation.tone import CASES, evaluate, load_cases

HOLDOUT = CASES.with_name("tone_holdout.tsv")


@pytest.fixture(scope="module")
def development():
    return evaluate(load_cases(CASES))[0]


@pytest.fixture(scope="module")
def holdout():
    return evaluate(load_cases(HOLDOUT))[0]


@pytest.mark.parametrize("kind", ["rude", "dismissive", "forbidden_promise", "sensitive", "any"])
def test_development_set_precision_and_recall_stay_above_their_floors(development, kind):
    assert development[kind].precision >= 0.95
    assert development[kind].recall >= 0.90


def test_held_out_replies_are_flagged_with_high_precision(holdout):
    # Unseen phrasing: recall is the rules' known weakness, precision must hold (an agent who
    # is warned about a polite reply stops reading the warnings).
    assert holdout["any"].precision >= 0.95
    assert holdout["any"].recall >= 0.60


def test_every_case_file_line_is_well_formed():
    cases = load_cases(CASES) + load_cases(HOLDOUT)
    assert len(cases) >= 200
    assert all(case.text.strip() for case in cases)
