"""A visitor writes through the widget and reads the desk's replies: /channels/widget/<id>/…"""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xiaonuo.accounts.services import Actor
from xiaonuo.channels.models import WidgetVisitor
from xiaonuo.channels.tests.conftest import Visitor
from xiaonuo.customers.models import Identity
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import Conversation, Message, Ticket

pytestmark = pytest.mark.django_db


def _reply(cast, message_id, text="您好，今天下午就发货。"):
    ticket_id = Message.objects.get(pk=message_id).ticket_id
    return desk_services.reply_to_ticket(
        workspace=cast.shop, ticket_id=ticket_id, text=text, actor=Actor(user=cast.agent)
    )


def test_a_new_visitor_gets_a_token_and_nothing_is_stored_until_they_write(visitor):
    response = visitor.start()

    assert response.status_code == 200
    body = response.json()
    assert body["token"] and body["identified"] is False
    assert body["messages"] == [] and body["has_more"] is False
    assert body["poll_interval_ms"] <= 2000
    assert not WidgetVisitor.objects.exists()  # browsing the site leaves no trace


def test_a_visitors_message_reaches_the_desk_and_the_agents_reply_comes_back(cast, visitor):
    # When a visitor writes
    sent = visitor.write("你好，请问乌龙茶什么时候发货？")

    # Then the desk has it: an anonymous customer, a conversation on the widget, an open ticket
    assert sent.status_code == 201
    mine = sent.json()["message"]
    assert (mine["author"], mine["text"]) == ("visitor", "你好，请问乌龙茶什么时候发货？")
    ticket = Ticket.objects.get(workspace=cast.shop)
    assert ticket.status == "open" and ticket.channel_id == visitor.widget.channel.pk
    row = WidgetVisitor.objects.get()
    assert Identity.objects.get(kind="anonymous_id").value == row.anonymous_id
    assert row.customer_id == ticket.customer_id
    assert row.token_hash != visitor.token and visitor.token not in row.token_hash

    # When an agent answers, the visitor's next poll after their own message brings the answer
    _reply(cast, mine["id"])
    polled = visitor.read(after=mine["id"]).json()
    assert [(m["author"], m["agent_name"], m["text"]) for m in polled["messages"]] == [
        ("agent", "李客服", "您好，今天下午就发货。")
    ]
    assert visitor.read(after=polled["messages"][-1]["id"]).json()["messages"] == []


def test_a_returning_visitor_is_the_same_customer_in_the_same_conversation(cast, widget):
    first_visit = Visitor(widget)
    first_visit.write("第一次来，问个问题")
    token = first_visit.token

    # The same browser comes back days later with the token it kept
    again = Visitor(widget, token=token)
    session = again.start().json()
    assert session["token"] == token
    assert [m["text"] for m in session["messages"]] == ["第一次来，问个问题"]
    again.write("我又来了")

    assert Conversation.objects.filter(workspace=cast.shop).count() == 1
    assert (
        Message.objects.filter(workspace=cast.shop)
        .values("conversation__customer")
        .distinct()
        .count()
        == 1
    )


def test_two_browsers_are_two_customers(cast, widget):
    Visitor(widget).write("我是甲")
    Visitor(widget).write("我是乙")

    assert Conversation.objects.filter(workspace=cast.shop).count() == 2
    assert len({c.customer_id for c in Conversation.objects.all()}) == 2


def test_internal_notes_never_reach_the_visitor(cast, visitor):
    mine = visitor.write().json()["message"]
    ticket_id = Message.objects.get(pk=mine["id"]).ticket_id
    desk_services.add_note(
        workspace=cast.shop,
        ticket_id=ticket_id,
        text="这位客户上次投诉过",
        actor=Actor(user=cast.agent),
    )

    assert visitor.read().json()["messages"] == [mine]


def test_html_in_a_message_is_stored_and_returned_as_text(visitor):
    text = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    sent = visitor.write(text)

    assert sent.status_code == 201
    assert visitor.read().json()["messages"][0]["text"] == text  # the script inserts it as text


def test_a_retried_message_with_the_same_client_id_is_stored_once(visitor):
    first = visitor.write("在吗？", client_message_id="m-1")
    retry = visitor.write("在吗？", client_message_id="m-1")

    assert first.status_code == retry.status_code == 201
    assert first.json()["message"]["id"] == retry.json()["message"]["id"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 422, "message_empty"),
        ({"text": "   \n "}, 422, "message_empty"),
        ({}, 422, "message_empty"),
        ({"text": "茶" * 5001}, 422, "message_too_long"),
        ({"text": 42}, 400, "request_invalid"),
        ({"text": "好", "client_message_id": "x" * 65}, 400, "request_invalid"),
        ("not json", 400, "request_invalid"),
        ("[1, 2]", 400, "request_invalid"),
        ({"text": "长" * 20000}, 413, "payload_too_large"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_stored(visitor, body, status, code):
    visitor.start()

    response = visitor.post("messages/", body)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Message.objects.exists()
    assert not WidgetVisitor.objects.exists()  # not even the visitor row


def test_a_message_without_a_token_or_with_a_forged_one_is_refused(widget):
    no_token = Visitor(widget)
    response = no_token.post("messages/", {"text": "你好"})
    assert (response.status_code, response.json()["code"]) == (401, "visitor_token_missing")

    genuine = Visitor(widget)
    genuine.start()
    for forged in (genuine.token[:-3] + "abc", "ch_x.y:z", "x" * 300):
        response = Visitor(widget, token=forged).post("messages/", {"text": "你好"})
        assert (response.status_code, response.json()["code"]) == (401, "visitor_token_invalid")
        response = Visitor(widget, token=forged).read()
        assert (response.status_code, response.json()["code"]) == (401, "visitor_token_invalid")
        response = Visitor(widget, token=forged).start()
        assert (response.status_code, response.json()["code"]) == (401, "visitor_token_invalid")
    assert not Message.objects.exists()


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", "9" * 30])
def test_a_bad_cursor_is_refused(visitor, after):
    visitor.write()

    response = visitor.get(f"messages/?after={after}")

    assert (response.status_code, response.json()["code"]) == (400, "cursor_invalid")


def test_a_long_thread_comes_a_page_at_a_time(cast, visitor):
    from xiaonuo.channels.widget import PAGE_SIZE

    first = visitor.write("第 0 条").json()["message"]
    conversation = Message.objects.get(pk=first["id"]).conversation
    Message.objects.bulk_create(
        Message(
            workspace=cast.shop,
            conversation=conversation,
            ticket_id=conversation.ticket_id,
            kind="inbound",
            author_kind="customer",
            text=f"第 {i} 条",
            created_at=conversation.created_at,
        )
        for i in range(1, PAGE_SIZE + 5)
    )

    page = visitor.read().json()
    assert len(page["messages"]) == PAGE_SIZE and page["has_more"] is True
    rest = visitor.read(after=page["messages"][-1]["id"]).json()
    assert [m["text"] for m in rest["messages"]][-1] == f"第 {PAGE_SIZE + 4} 条"
    assert rest["has_more"] is False


def test_polling_costs_the_same_few_queries_however_long_the_thread(cast, visitor):
    mine = visitor.write().json()["message"]
    for i in range(5):
        _reply(cast, mine["id"], text=f"回复 {i}")

    with CaptureQueriesContext(connection) as queries:
        response = visitor.read(after=mine["id"])

    assert response.status_code == 200 and len(response.json()["messages"]) == 5
    # the channel, the visitor, the page of messages with their agents
    assert len(queries) == 3, [q["sql"] for q in queries]


def test_a_disabled_widget_refuses_everything_and_an_unknown_one_is_not_found(cast, widget):
    from xiaonuo.channels import services as channels_services

    visitor = Visitor(widget)
    visitor.write()
    channels_services.set_channel_enabled(
        workspace=cast.shop, channel_id=widget.channel.pk, enabled=False
    )

    for response in (visitor.start(), visitor.read(), visitor.write("还在吗？")):
        assert (response.status_code, response.json()["code"]) == (409, "channel_disabled")
    assert Message.objects.count() == 1

    unknown = visitor.client.post(
        "/channels/widget/ch_doesnotexist0000/session/", {}, content_type="application/json"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "channel_not_found")


def test_another_kind_of_channels_public_id_does_not_open_a_chat(cast, visitor):
    from xiaonuo.testing import make_channel

    wechat = make_channel(workspace=cast.shop, kind="wechat_oa", name="公众号")
    response = visitor.client.post(
        f"/channels/widget/{wechat.public_id}/session/", {}, content_type="application/json"
    )

    assert (response.status_code, response.json()["code"]) == (404, "channel_not_found")


def test_a_wrong_method_is_refused_with_a_code(visitor):
    response = visitor.get("session/")

    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_the_script_is_served_at_its_stable_address(client):
    from django.contrib.staticfiles import finders

    path = finders.find("channels/widget.js")
    assert path is not None
    source = Path(path).read_text(encoding="utf-8")
    assert "attachShadow" in source and "innerHTML" not in source


def test_the_system_check_warns_while_the_desk_is_not_wired(settings):
    from xiaonuo.channels.checks import widget_wired_to_the_desk

    assert widget_wired_to_the_desk() == []  # as the tests run: wired
    settings.XIAONUO_LISTENERS_MODULE = "xiaonuo.lib.dispatch"  # a module without the wiring
    assert [m.id for m in widget_wired_to_the_desk()] == ["channels.W001"]
