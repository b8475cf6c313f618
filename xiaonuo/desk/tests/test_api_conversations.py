"""The API channel's contract: /api/v1/conversations and its messages."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import MAX_MESSAGE_CHARS, Conversation, Message, Ticket
from xiaonuo.testing import api_client, make_api_key, make_customer, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):
    _, secret = make_api_key(workspace=cast.shop)
    return api_client(secret)


def _post(client, path, body):
    return client.post(path, body, content_type="application/json")


def _start(api, text="你好，我想改一下收货地址", **body):
    body = {"customer": {"external_id": "M100"}, "text": text, **body}
    return _post(api, "/api/v1/conversations", body)


def test_a_customer_starts_a_conversation_and_reads_it_back(cast, api):
    # When the shop's app starts a conversation for its member M100
    response = _start(api, name="陈静")

    # Then it exists with its first message and an open ticket
    assert response.status_code == 201
    body = response.json()
    assert body["channel"]["kind"] == "api"
    assert body["ticket"]["status"] == "open"
    assert [(m["kind"], m["author"], m["text"]) for m in body["messages"]] == [
        ("inbound", "customer", "你好，我想改一下收货地址")
    ]
    assert body["has_more"] is False
    assert Conversation.objects.get(pk=body["id"]).customer.name == "陈静"

    # … and reads it back the same way
    again = api.get(f"/api/v1/conversations/{body['id']}")
    assert again.status_code == 200
    assert again.json()["messages"] == body["messages"]


def test_a_customer_identified_by_any_identity_is_the_known_customer(cast, api):
    known = make_customer(workspace=cast.shop, name="王芳", phone="13800138000")

    response = _post(
        api,
        "/api/v1/conversations",
        {"customer": {"phone": "+86 138-0013-8000"}, "text": "在吗"},
    )

    assert response.status_code == 201
    assert response.json()["customer_id"] == known.pk


def test_each_post_to_conversations_starts_a_new_one_but_a_retry_does_not(cast, api):
    first = _start(api, message_id="app-1").json()
    retry = _start(api, message_id="app-1").json()
    second = _start(api, text="另一个问题").json()

    assert retry["id"] == first["id"]
    assert second["id"] != first["id"]
    assert second["customer_id"] == first["customer_id"]
    assert Conversation.objects.filter(workspace=cast.shop).count() == 2
    assert Message.objects.filter(workspace=cast.shop).count() == 2


def test_the_customer_writes_again_and_an_agent_replies_through_the_api(cast, api):
    conversation = _start(api).json()
    path = f"/api/v1/conversations/{conversation['id']}/messages"

    by_customer = _post(api, path, {"text": "订单号是 E123"})
    by_agent = _post(
        api,
        path,
        {
            "text": "好的，已为您修改",
            "author": "agent",
            "agent_id": cast.agent.pk,
            "status": "solved",
        },
    )

    assert by_customer.status_code == 201
    assert (by_customer.json()["kind"], by_customer.json()["author"]) == ("inbound", "customer")
    assert by_agent.status_code == 201
    assert by_agent.json()["author"] == "staff"
    assert by_agent.json()["agent"] == {"id": cast.agent.pk, "name": "李客服"}
    assert by_agent.json()["delivery_status"] == "delivered"
    thread = api.get(f"/api/v1/conversations/{conversation['id']}").json()
    assert [m["text"] for m in thread["messages"]] == [
        "你好，我想改一下收货地址",
        "订单号是 E123",
        "好的，已为您修改",
    ]
    assert thread["ticket"]["status"] == "solved"
    assert thread["ticket"]["assignee_id"] == cast.agent.pk


def test_internal_notes_are_never_returned(cast, api):
    conversation = _start(api).json()
    desk_services.add_note(
        workspace=cast.shop,
        ticket_id=conversation["ticket"]["id"],
        text="内部：此客户曾投诉",
        actor=Actor(user=cast.agent),
    )

    thread = api.get(f"/api/v1/conversations/{conversation['id']}").json()

    assert [m["text"] for m in thread["messages"]] == ["你好，我想改一下收货地址"]


def test_messages_page_with_after_and_limit(cast, api):
    conversation = _start(api, text="1").json()
    path = f"/api/v1/conversations/{conversation['id']}"
    for n in range(2, 6):
        _post(api, f"{path}/messages", {"text": str(n)})

    first = api.get(f"{path}?limit=2").json()
    rest = api.get(f"{path}?after={first['messages'][-1]['id']}&limit=10").json()

    assert [m["text"] for m in first["messages"]] == ["1", "2"]
    assert first["has_more"] is True
    assert [m["text"] for m in rest["messages"]] == ["3", "4", "5"]
    assert rest["has_more"] is False


def test_html_and_script_come_back_exactly_as_text(cast, api):
    text = '<img src=x onerror="alert(1)"><script>alert(2)</script> & 你好'

    body = _start(api, text=text).json()

    assert body["messages"][0]["text"] == text
    assert api.get(f"/api/v1/conversations/{body['id']}").json()["messages"][0]["text"] == text


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        ("", 422, "message_empty"),
        ("   ", 422, "message_empty"),
        ("好" * (MAX_MESSAGE_CHARS + 1), 422, "message_too_long"),
    ],
)
def test_empty_and_oversized_messages_are_refused_with_a_code_and_nothing_is_stored(
    cast, api, text, status, code
):
    started = _start(api)
    path = f"/api/v1/conversations/{started.json()['id']}/messages"

    on_start = _start(api, text=text)
    on_message = _post(api, path, {"text": text})
    on_reply = _post(api, path, {"text": text, "author": "agent", "agent_id": cast.agent.pk})

    for response in (on_start, on_message, on_reply):
        assert response.status_code == status
        assert response.json()["code"] == code
    assert Conversation.objects.filter(workspace=cast.shop).count() == 1
    assert Message.objects.filter(workspace=cast.shop).count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "hi"}, "invalid_request"),  # no customer
        ({"customer": {}, "text": "hi"}, "sender_unknown"),
        ({"customer": {"phone": "abc"}, "text": "hi"}, "identity_invalid"),
        ({"customer": {"external_id": "x" * 201}, "text": "hi"}, "invalid_request"),
        ({"customer": {"external_id": "M1"}, "text": 42}, "invalid_request"),
    ],
)
def test_malformed_starts_are_refused_with_a_code(cast, api, body, code):
    response = _post(api, "/api/v1/conversations", body)

    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert not Conversation.objects.filter(workspace=cast.shop).exists()


def test_a_reply_needs_an_agent_who_handles_conversations(cast, api):
    conversation = _start(api).json()
    path = f"/api/v1/conversations/{conversation['id']}/messages"

    for agent_id in (None, cast.viewer.pk, cast.other_owner.pk, 999999):
        response = _post(api, path, {"text": "您好", "author": "agent", "agent_id": agent_id})
        assert response.status_code == 422
        assert response.json()["code"] == "agent_invalid"


def test_a_reply_to_a_closed_ticket_gets_a_clear_error_but_the_customer_may_write_again(cast, api):
    conversation = _start(api).json()
    ticket_id = conversation["ticket"]["id"]
    for status in ("solved", "closed"):
        desk_services.set_ticket_status(
            workspace=cast.shop, ticket_id=ticket_id, status=status, actor=Actor()
        )
    path = f"/api/v1/conversations/{conversation['id']}/messages"

    reply = _post(api, path, {"text": "还有问题吗", "author": "agent", "agent_id": cast.agent.pk})
    again = _post(api, path, {"text": "又坏了"})

    assert reply.status_code == 409
    assert reply.json()["code"] == "ticket_closed"
    assert again.status_code == 201
    follow_up = Conversation.objects.get(pk=conversation["id"]).ticket
    assert follow_up.pk != ticket_id
    assert follow_up.follow_up_of_id == ticket_id


def test_unknown_conversations_are_404_with_a_code(cast, api):
    for response in (
        api.get("/api/v1/conversations/999999"),
        _post(api, "/api/v1/conversations/999999/messages", {"text": "hi"}),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "conversation_not_found"


def test_without_an_api_key_nothing_is_read_or_written(cast):
    from django.test import Client

    conversation = receive(workspace=cast.shop).conversation
    anonymous = Client()

    assert anonymous.get(f"/api/v1/conversations/{conversation.pk}").status_code == 401
    assert (
        _post(
            anonymous, "/api/v1/conversations", {"customer": {"external_id": "x"}, "text": "hi"}
        ).status_code
        == 401
    )
    assert Ticket.objects.filter(workspace=cast.shop).count() == 1


def test_an_agent_reply_through_the_api_is_tone_checked_like_one_from_the_console(cast, api):
    conversation = _start(api).json()
    path = f"/api/v1/conversations/{conversation['id']}/messages"
    rude = {"text": "爱买不买", "author": "agent", "agent_id": cast.agent.pk}

    warned = _post(api, path, rude)
    sent = _post(api, path, {**rude, "sent_despite_tone_warning": True})

    assert warned.status_code == 422
    assert warned.json()["code"] == "tone_warning"
    assert warned.json()["findings"][0]["text"] == "爱买不买"
    assert warned.json()["gentler"]
    assert sent.status_code == 201
    assert Message.objects.get(pk=sent.json()["id"]).sent_despite_tone_warning is True


def test_reading_a_conversation_costs_the_same_queries_however_long_it_is(cast, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    conversation = _start(api).json()
    path = f"/api/v1/conversations/{conversation['id']}"
    api.get(path)  # the key's last use is touched at most once a minute
    with CaptureQueriesContext(connection) as short:
        api.get(path)
    for n in range(10):
        _post(api, f"{path}/messages", {"text": f"第 {n} 条"})
    desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=conversation["ticket"]["id"],
        text="您好",
        actor=Actor(user=cast.agent),
    )
    with CaptureQueriesContext(connection) as long:
        body = api.get(path).json()

    assert len(body["messages"]) == 12
    assert len(long) == len(short) <= 4  # key, conversation with channel and ticket, messages
