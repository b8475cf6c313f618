"""Every label of the surveys has an English translation, and the survey message too."""

import pytest
from django.utils import translation

from xiaonuo.desk.surveys.models import (
    InvitationStatus,
    PraiseSource,
    QuestionKind,
    SkipReason,
    SurveyKind,
)


@pytest.mark.parametrize(
    "label",
    [
        label
        for choices in (SurveyKind, InvitationStatus, SkipReason, QuestionKind, PraiseSource)
        for _, label in choices.choices
    ],
    ids=str,
)
def test_labels_have_english_translations(label):
    with translation.override("en"):
        english = str(label)
    assert english != str(label) or not any("\u4e00" <= ch <= "\u9fff" for ch in english)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english)
