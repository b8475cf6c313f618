"""Every label of the desk and its channels has an English translation."""

import pytest
from django.utils import translation

from xiaonuo.channels.models import ChannelKind
from xiaonuo.desk.models import (
    AssignmentMode,
    CompensationKind,
    CompensationStatus,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintStatus,
    DeliveryStatus,
    HistoryField,
    MessageKind,
    PresenceStatus,
    TicketPriority,
    TicketStatus,
)

CHOICES = [
    ChannelKind,
    TicketStatus,
    TicketPriority,
    MessageKind,
    DeliveryStatus,
    AssignmentMode,
    PresenceStatus,
    HistoryField,
    ComplaintSeverity,
    ComplaintCategory,
    ComplaintStatus,
    CompensationKind,
    CompensationStatus,
]


@pytest.mark.parametrize(
    "label",
    [label for choices in CHOICES for _, label in choices.choices if label not in ("API", "QQ")],
    ids=str,
)
def test_desk_labels_have_english_translations(label):
    with translation.override("en"):
        english = str(label)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english), english


def test_a_solved_ticket_and_a_resolved_complaint_read_differently_in_english():
    with translation.override("en"):
        assert str(TicketStatus.SOLVED.label) == "Solved"
        assert str(ComplaintStatus.RESOLVED.label) == "Resolved"
    with translation.override("zh-hans"):
        assert str(TicketStatus.SOLVED.label) == str(ComplaintStatus.RESOLVED.label) == "已解决"
