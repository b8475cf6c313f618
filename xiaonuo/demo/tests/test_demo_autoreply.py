"""The demo brand's auto-reply: a knowledge base of realistic questions, keyword rules and a
welcome reply, a WeChat Official Account, and followers' questions in the inbox — answered by
the bot, or handed to a person with the bot's suggestions."""

import io

import pytest
from django.core.management import call_command

from xiaonuo.autoreply.models import (
    AutoReplySettings,
    FaqEntry,
    HandOffReason,
    KeywordRule,
    Outcome,
    ReplyLog,
    UnansweredGroup,
)
from xiaonuo.channels.models import Channel, WeChatAccount
from xiaonuo.demo import autoreply_text
from xiaonuo.desk.models import Ticket, TicketStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command(
        "demo",
        *("--customers", "60", "--events", "600"),
        *("--tickets", "20", "--messages", "200", "--agents", "2"),
        stdout=io.StringIO(),
    )


def test_the_knowledge_base_covers_orders_delivery_refunds_stores_and_membership(demo):
    entries = FaqEntry.objects.filter(workspace__slug="chaxiaoman").prefetch_related("phrasings")
    assert entries.count() == len(autoreply_text.FAQS) >= 60
    assert all(2 <= len(e.phrasings.all()) <= 5 for e in entries)
    tags = {tag for e in entries for tag in e.tags}
    assert {"订单", "配送", "退款", "门店", "会员"} <= tags
    assert {e.answer_kind for e in entries} == {"text", "link", "image", "article"}
    assert KeywordRule.objects.count() == len(autoreply_text.KEYWORD_RULES)
    settings = AutoReplySettings.objects.get(workspace__slug="chaxiaoman")
    assert settings.answer_text.startswith("欢迎关注茶小满")
    # The Official Account is a connected WeChat channel.
    channel = Channel.objects.get(workspace__slug="chaxiaoman", kind="wechat_oa")
    assert WeChatAccount.objects.filter(channel=channel).exists()


def test_followers_questions_are_answered_or_handed_off_with_suggestions(demo):
    logs = ReplyLog.objects.filter(workspace__slug="chaxiaoman")
    answered = logs.filter(outcome=Outcome.ANSWERED_FAQ)
    assert answered.count() >= len(autoreply_text.ANSWERED_QUESTIONS) - 2
    reasons = set(logs.filter(outcome=Outcome.HANDED_OFF).values_list("reason", flat=True))
    assert reasons == {
        HandOffReason.LOW_CONFIDENCE,
        HandOffReason.ASKED_FOR_PERSON,
        HandOffReason.REPEAT,
        HandOffReason.FRUSTRATION,
    }
    low = logs.filter(reason=HandOffReason.LOW_CONFIDENCE).first()
    assert low.candidates  # the agent sees the bot's best guesses
    waiting = Ticket.objects.filter(pk__in=logs.filter(outcome=Outcome.HANDED_OFF).values("ticket"))
    assert waiting.exclude(status=TicketStatus.SOLVED).count() == waiting.count()
    # The weekly grouping suggests the questions several followers asked as new entries.
    assert UnansweredGroup.objects.filter(workspace__slug="chaxiaoman", count__gte=2).count() >= 3
