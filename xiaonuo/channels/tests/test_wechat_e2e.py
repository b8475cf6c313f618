"""End to end through the real wiring (``listeners.CHANNEL_AUTOREPLY`` and ``CHANNEL_DESK``):
WeChat's side played by wechatpy, WeChat's API by the local stand-in. A question in the
knowledge base gets a passive answer; an unknown one reaches the desk; a staff reply goes out
through the customer-service API; a late answer is pushed; WeChat's retries are answered once."""

import threading

import pytest
import xmltodict

from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.services import Answer, RuleInput, SettingsChanges
from xiaonuo.autoreply.tests.helpers import make_faq
from xiaonuo.channels.autoreply_port import BotAnswer
from xiaonuo.channels.tests.conftest import WECHAT_ORIGINAL_ID
from xiaonuo.channels.tests.wechat_server import WeChatServer
from xiaonuo.channels.wechat.callback import render_answer
from xiaonuo.customers.models import Identity
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import DeliveryStatus, Message, MessageKind, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

FAN = "oChayuFan0001"


@pytest.fixture(autouse=True)
def _generous_budget(settings):
    # A test's first question builds the workspace's matcher, which can take seconds on a busy
    # machine; these tests are about what is answered, not when (the budget has its own test).
    settings.WECHAT_REPLY_BUDGET_MS = 60_000


@pytest.fixture
def shop(cast):
    make_faq(workspace=cast.shop)
    return cast.shop


def replies(workspace) -> list[Message]:
    return list(Message.objects.filter(workspace=workspace, kind=MessageKind.OUTBOUND))


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_a_known_question_gets_a_passive_answer_in_every_mode(shop, wechat, fake_wechat, mode):
    response = wechat.post(wechat.text_xml("请问下单后几天发货？", openid=FAN), mode=mode)

    assert response.status_code == 200
    reply = response.reply  # decrypted and its signature checked by wechatpy in safe modes
    assert reply["MsgType"] == "text"
    assert "48 小时" in reply["Content"]
    assert (reply["ToUserName"], reply["FromUserName"]) == (FAN, WECHAT_ORIGINAL_ID)
    [answer] = replies(shop)
    assert answer.delivery_status == DeliveryStatus.DELIVERED
    assert fake_wechat.sent == []  # nothing through the customer-service API
    inbound = Message.objects.get(workspace=shop, kind=MessageKind.INBOUND)
    assert inbound.text == "请问下单后几天发货？"
    assert Identity.objects.filter(
        customer_id=inbound.conversation.customer_id, kind="openid", value=FAN
    ).exists()


def test_an_unknown_question_reaches_the_inbox_and_the_staff_reply_goes_out_by_the_api(
    cast, shop, wechat, fake_wechat, django_capture_on_commit_callbacks
):
    response = wechat.post(wechat.text_xml("能不能帮我写一首关于月亮的诗", openid=FAN), mode="safe")

    assert response.content == b"success"
    ticket = Ticket.objects.get(workspace=shop)
    assert ticket.status == TicketStatus.OPEN

    with django_capture_on_commit_callbacks(execute=True):
        staff_reply = desk_services.reply_to_ticket(
            workspace=shop,
            ticket_id=ticket.pk,
            text="可以开专票，请把抬头和税号发给我们。",
            actor=Actor(user=cast.agent),
        )

    assert fake_wechat.sent == [
        (
            "wx1234567890abcdef",
            {
                "touser": FAN,
                "msgtype": "text",
                "text": {"content": "可以开专票，请把抬头和税号发给我们。"},
            },
        )
    ]
    staff_reply.refresh_from_db()
    assert staff_reply.delivery_status == DeliveryStatus.DELIVERED


def test_a_staff_reply_after_the_48_hour_window_fails_with_wechats_reason(
    cast, shop, wechat, fake_wechat, django_capture_on_commit_callbacks
):
    wechat.post(wechat.text_xml("能不能帮我写一首关于月亮的诗", openid=FAN))
    ticket = Ticket.objects.get(workspace=shop)
    fake_wechat.outside_window.add(FAN)

    with django_capture_on_commit_callbacks(execute=True):
        staff_reply = desk_services.reply_to_ticket(
            workspace=shop, ticket_id=ticket.pk, text="抱歉久等了", actor=Actor(user=cast.agent)
        )

    staff_reply.refresh_from_db()
    assert staff_reply.delivery_status == DeliveryStatus.FAILED
    assert "45015" in staff_reply.delivery_error


def test_an_answer_not_ready_within_the_budget_is_pushed_instead(
    shop, wechat, fake_wechat, settings, django_capture_on_commit_callbacks
):
    settings.WECHAT_REPLY_BUDGET_MS = 0  # every answer is "late"

    with django_capture_on_commit_callbacks(execute=True):
        response = wechat.post(wechat.text_xml("怎么申请退款", openid=FAN), mode="safe")

    assert response.content == b"success"
    [answer] = replies(shop)
    answer.refresh_from_db()
    assert answer.delivery_status == DeliveryStatus.DELIVERED
    assert [payload["text"]["content"] for _, payload in fake_wechat.sent] == [answer.text]


def test_a_passive_answer_is_stored_delivered_and_searchable_in_the_messages_transaction(
    shop, wechat, fake_wechat
):
    from xiaonuo.channels.models import WeChatDelivery
    from xiaonuo.desk.search.models import IndexedMessage

    # No on-commit callbacks run here (the test's transaction never commits): whatever is
    # visible was written in the one transaction that stored the message.
    response = wechat.post(wechat.text_xml("怎么申请退款", openid=FAN, msg_id="7100000001"))

    assert response.reply is not None
    [question] = Message.objects.filter(workspace=shop, kind=MessageKind.INBOUND)
    [answer] = replies(shop)
    assert answer.delivery_status == DeliveryStatus.DELIVERED
    assert WeChatDelivery.objects.filter(key="m:7100000001").count() == 1
    assert set(IndexedMessage.objects.values_list("message_id", flat=True)) == {
        question.pk,
        answer.pk,
    }
    assert fake_wechat.sent == []


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_wechats_retries_are_answered_once(shop, wechat, fake_wechat, mode):
    xml = wechat.text_xml("运费多少", openid=FAN, msg_id="7000000001")

    first = wechat.post(xml, mode=mode)
    retries = [wechat.post(xml, mode=mode) for _ in range(3)]

    assert first.reply is not None and "99" in first.reply["Content"]
    assert [r.content for r in retries] == [b"success"] * 3
    assert Message.objects.filter(workspace=shop, kind=MessageKind.INBOUND).count() == 1
    assert len(replies(shop)) == 1
    assert fake_wechat.sent == []


def test_the_same_msg_id_from_two_accounts_are_two_messages(cast, shop, wechat, fake_wechat):
    from xiaonuo.channels import services as channels_services

    second = channels_services.create_wechat_channel(
        workspace=shop,
        name="茶语订阅号",
        token="secondToken",
        encoding_aes_key="D" * 42 + "A",
        app_id="wx2222222222222222",
    )
    other = WeChatServer(
        second, token="secondToken", aes_key="D" * 42 + "A", app_id="wx2222222222222222"
    )

    wechat.post(wechat.text_xml("能开发票吗", msg_id="42"))
    other.post(other.text_xml("能开发票吗", msg_id="42"))

    assert Message.objects.filter(workspace=shop, kind=MessageKind.INBOUND).count() == 2


def test_follow_gets_the_welcome_and_tags_the_customer_unfollow_untags(shop, wechat):
    from xiaonuo.autoreply.services.flow import SUBSCRIBED_TAG

    autoreply_services.update_settings(
        workspace=shop,
        changes=SettingsChanges(welcome=Answer(text="欢迎关注茶语！回复“发货”了解发货时间。")),
    )
    follow = wechat.event_xml("subscribe", openid=FAN, created=1_800_000_000)

    followed = wechat.post(follow, mode="safe")
    retried = wechat.post(follow, mode="safe")  # same sender and CreateTime: WeChat's retry

    assert followed.reply["Content"].startswith("欢迎关注茶语")
    assert retried.content == b"success"
    customer = Identity.objects.get(workspace=shop, kind="openid", value=FAN).customer
    assert SUBSCRIBED_TAG in set(customer.tags.values_list("name", flat=True))

    unfollowed = wechat.post(wechat.event_xml("unsubscribe", openid=FAN), mode="safe")

    assert unfollowed.content == b"success"
    assert SUBSCRIBED_TAG not in set(customer.tags.values_list("name", flat=True))


def test_a_menu_click_is_answered_by_its_exact_keyword_rule(shop, wechat):
    autoreply_services.create_rule(
        workspace=shop,
        data=RuleInput(
            name="菜单：门店",
            match_type="exact",
            pattern="MENU_STORES",
            answer=Answer(kind="link", text="离你最近的门店", url="https://chayu.example/stores"),
        ),
    )

    response = wechat.post(wechat.event_xml("CLICK", openid=FAN, key="MENU_STORES"))

    assert response.reply["Content"] == "离你最近的门店\nhttps://chayu.example/stores"


def test_image_and_article_answers_render_as_wechats_reply_formats():
    image = render_answer(
        BotAnswer(message_id=1, kind="image", text="", payload={"media_id": "MEDIA_9"}),
        to_user=FAN,
        from_user=WECHAT_ORIGINAL_ID,
    )
    news = render_answer(
        BotAnswer(
            message_id=1,
            kind="article",
            text="会员权益",
            payload={
                "title": "会员权益 ]]> 说明",
                "description": "积分怎么用",
                "url": "https://c.example/m",
                "picurl": "https://c.example/m.jpg",
            },
        ),
        to_user=FAN,
        from_user=WECHAT_ORIGINAL_ID,
    )

    assert xmltodict.parse(image)["xml"]["Image"] == {"MediaId": "MEDIA_9"}
    parsed = xmltodict.parse(news)["xml"]
    assert parsed["MsgType"] == "news" and parsed["ArticleCount"] == "1"
    assert parsed["Articles"]["item"]["Title"] == "会员权益 ]]> 说明"
    assert parsed["Articles"]["item"]["Url"] == "https://c.example/m"


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_of_one_message_are_answered_once(cast):
    from xiaonuo.channels import services as channels_services
    from xiaonuo.channels.tests.conftest import (
        WECHAT_AES_KEY,
        WECHAT_APP_ID,
        WECHAT_TOKEN,
    )

    make_faq(workspace=cast.shop)
    channel = channels_services.create_wechat_channel(
        workspace=cast.shop,
        name="茶语服务号",
        token=WECHAT_TOKEN,
        encoding_aes_key=WECHAT_AES_KEY,
        app_id=WECHAT_APP_ID,
    )
    xml = WeChatServer(channel).text_xml("门店几点开门", openid=FAN, msg_id="8000000001")
    barrier = threading.Barrier(4)
    results: list[bytes] = []

    def send() -> None:
        from django.db import connection

        server = WeChatServer(channel)
        barrier.wait()
        try:
            results.append(server.post(xml, mode="safe").content)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r == b"success" for r in results) == [False, True, True, True]
    assert Message.objects.filter(workspace=cast.shop, kind=MessageKind.INBOUND).count() == 1
    assert Message.objects.filter(workspace=cast.shop, kind=MessageKind.OUTBOUND).count() == 1
