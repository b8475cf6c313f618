"""Grinding users go to a person at once: asking for one, being fed up with the bot, or asking
the same thing again and again — with raised priority, a note saying why, and the bot's
answers in the thread."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.autoreply import grinding
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import HandOffReason, Outcome, ReplyLog, UnansweredQuestion
from xiaonuo.autoreply.services import SettingsChanges
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.desk.models import (
    AuthorKind,
    Message,
    MessageKind,
    Ticket,
    TicketPriority,
    TicketStatus,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "人工",
        "转人工",
        "人工客服！",
        "我要人工",
        "给我找真人",
        "我要投诉",
        "客服呢",
        "能帮我叫个客服吗",
    ],
)
def test_asking_for_a_person_is_recognised(text):
    assert grinding.asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "人工智能是什么",
        "客服电话是多少",
        "人工费多少钱",
        "有人吗",
        "几个人可以用优惠券",
        "多久发货",
    ],
)
def test_words_that_only_contain_person_words_are_not_a_request(text):
    assert not grinding.asks_for_person(text)


@pytest.mark.parametrize(
    "text", ["你这机器人听不懂人话", "答非所问", "什么破回答", "说人话", "没用"]
)
def test_frustration_with_the_bot_is_recognised(text):
    assert grinding.is_frustrated(text)


@pytest.mark.parametrize("text", ["多久发货", "谢谢，很有用", "怎么退款"])
def test_ordinary_questions_are_not_frustration(text):
    assert not grinding.is_frustrated(text)


def test_near_identical_means_a_copy_or_nearly():
    assert grinding.near_identical("我的订单怎么还没发货", "我的订单怎么还没发货？？")
    assert grinding.near_identical("我的订单怎么还没有发货", "我的订单怎么还没发货")
    assert not grinding.near_identical("我的订单怎么还没发货", "怎么退款")


@pytest.fixture
def wechat(cast):
    make_faq(workspace=cast.shop)
    return make_wechat_channel(workspace=cast.shop)


def _ticket(cast):
    return Ticket.objects.get(workspace=cast.shop)


def test_asking_for_a_person_hands_off_at_once_with_raised_priority(cast, wechat):
    first = ask(workspace=cast.shop, channel=wechat, text="多久发货")
    assert first is not None

    answer = ask(workspace=cast.shop, channel=wechat, text="转人工")

    assert answer is None
    ticket = _ticket(cast)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.priority == TicketPriority.HIGH
    log = ReplyLog.objects.order_by("-pk").first()
    assert (log.outcome, log.reason) == (Outcome.HANDED_OFF, HandOffReason.ASKED_FOR_PERSON)
    assert not UnansweredQuestion.objects.exists()  # not a knowledge-base gap
    thread = list(Message.objects.filter(ticket=ticket).order_by("pk"))
    assert [(m.kind, m.author_kind) for m in thread] == [
        (MessageKind.INBOUND, AuthorKind.CUSTOMER),
        (MessageKind.OUTBOUND, AuthorKind.SYSTEM),  # the bot's answer, visible to the agent
        (MessageKind.INBOUND, AuthorKind.CUSTOMER),
        (MessageKind.NOTE, AuthorKind.SYSTEM),  # why it was handed off
    ]
    assert "人工" in thread[-1].text


def test_frustration_hands_off_with_raised_priority(cast, wechat):
    ask(workspace=cast.shop, channel=wechat, text="你这机器人答非所问")

    log = ReplyLog.objects.get()
    assert log.reason == HandOffReason.FRUSTRATION
    assert _ticket(cast).priority == TicketPriority.HIGH


def test_the_third_time_the_same_question_goes_to_a_person(cast, wechat):
    first = ask(workspace=cast.shop, channel=wechat, text="多久发货")
    second = ask(workspace=cast.shop, channel=wechat, text="多久发货啊")
    third = ask(workspace=cast.shop, channel=wechat, text="到底多久发货")

    assert first is not None
    assert second is not None
    assert third is None
    log = ReplyLog.objects.order_by("-pk").first()
    assert (log.outcome, log.reason) == (Outcome.HANDED_OFF, HandOffReason.REPEAT)
    assert _ticket(cast).priority == TicketPriority.HIGH


def test_repeats_outside_the_window_do_not_count(cast, wechat):
    ask(workspace=cast.shop, channel=wechat, text="多久发货")
    ask(workspace=cast.shop, channel=wechat, text="多久发货")
    ReplyLog.objects.update(created_at=timezone.now() - timedelta(minutes=31))

    third = ask(workspace=cast.shop, channel=wechat, text="多久发货")

    assert third is not None


def test_the_repeat_numbers_are_the_workspaces_settings(cast, wechat):
    autoreply_services.update_settings(
        workspace=cast.shop, changes=SettingsChanges(repeat_count=2, repeat_window_minutes=5)
    )

    ask(workspace=cast.shop, channel=wechat, text="多久发货")
    second = ask(workspace=cast.shop, channel=wechat, text="多久发货")

    assert second is None
    assert ReplyLog.objects.order_by("-pk").first().reason == HandOffReason.REPEAT


def test_different_customers_asking_the_same_is_not_grinding(cast, wechat):
    answers = [
        ask(workspace=cast.shop, channel=wechat, text="多久发货", openid=f"o{i}") for i in range(4)
    ]

    assert all(a is not None for a in answers)
