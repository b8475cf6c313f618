"""receive_message: the single entry point from every channel."""

import pytest

from xiaonuo.accounts import webhooks as accounts_webhooks
from xiaonuo.accounts.models import WebhookDelivery
from xiaonuo.accounts.services import Actor
from xiaonuo.channels import services as channels_services
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.desk.models import (
    MAX_MESSAGE_CHARS,
    AuthorKind,
    Conversation,
    Message,
    MessageKind,
    Ticket,
    TicketChange,
    TicketStatus,
)
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_channel, make_customer, make_ticket, receive

pytestmark = pytest.mark.django_db


def test_a_new_visitors_first_message_opens_a_customer_a_conversation_and_a_ticket(cast):
    # Given the shop's web chat
    widget = make_channel(workspace=cast.shop, name="官网客服")

    # When a visitor nobody knows writes
    got = receive(
        workspace=cast.shop,
        channel=widget,
        identities={"anonymous_id": "browser-1"},
        text="你好，请问有没有小包装的龙井？",
    )

    # Then they are a customer, in a conversation, with an open ticket waiting for the desk
    customer = Identity.objects.get(workspace=cast.shop, value="browser-1").customer
    assert got.conversation.customer_id == customer.pk
    assert got.conversation.channel_id == widget.pk
    assert got.ticket.status == TicketStatus.OPEN
    assert got.ticket.subject == "你好，请问有没有小包装的龙井？"
    assert got.ticket.waiting_since == got.message.created_at
    assert got.ticket.channel_id == widget.pk
    assert (got.message.kind, got.message.author_kind) == (MessageKind.INBOUND, AuthorKind.CUSTOMER)
    assert got.duplicate is False
    history = TicketChange.objects.get(ticket=got.ticket)
    assert (history.field, history.old_value, history.new_value, history.actor_kind) == (
        "status",
        "",
        "open",
        "customer",
    )


def test_the_next_message_of_the_same_person_joins_the_same_conversation_and_ticket(cast):
    widget = make_channel(workspace=cast.shop)
    first = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "b1"})

    second = receive(
        workspace=cast.shop, channel=widget, identities={"anonymous_id": "b1"}, text="在吗？"
    )

    assert second.conversation.pk == first.conversation.pk
    assert second.ticket.pk == first.ticket.pk
    assert second.ticket.waiting_since == first.ticket.waiting_since  # still the first wait
    assert Ticket.objects.filter(workspace=cast.shop).count() == 1
    assert Message.objects.filter(conversation=first.conversation).count() == 2


def test_a_known_customer_is_recognised_by_any_of_their_identities(cast):
    chen = make_customer(workspace=cast.shop, name="陈静", identities={"openid": "oChen"})
    wechat = make_channel(workspace=cast.shop, kind="wechat_oa")

    got = receive(workspace=cast.shop, channel=wechat, identities={"openid": "oChen"})

    assert got.conversation.customer_id == chen.pk
    assert Customer.objects.filter(workspace=cast.shop).count() == 1


def test_identities_naming_two_customers_merge_them_into_the_better_named_one(cast):
    # Given a widget visitor known by a browser id, and a member known by the shop's user id
    widget = make_channel(workspace=cast.shop)
    visitor = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "b9"})
    member = make_customer(workspace=cast.shop, name="王芳", identities={"external_id": "M9"})

    # When the site identifies the visitor as that member in the same conversation
    got = receive(
        workspace=cast.shop,
        channel=widget,
        conversation_id=visitor.conversation.pk,
        identities={"external_id": "M9"},
        text="我登录了",
    )

    # Then one person remains, and their conversation and ticket came along
    assert Customer.objects.filter(workspace=cast.shop).count() == 1
    survivor = Customer.objects.get(workspace=cast.shop)
    assert set(Identity.objects.filter(customer=survivor).values_list("value", flat=True)) == {
        "b9",
        "M9",
    }
    assert got.conversation.pk == visitor.conversation.pk
    assert Conversation.objects.get(pk=visitor.conversation.pk).customer_id == survivor.pk
    assert Ticket.objects.get(pk=visitor.ticket.pk).customer_id == survivor.pk
    assert survivor.pk in (member.pk, visitor.conversation.customer_id)


def test_a_redelivered_message_is_stored_once(cast):
    wechat = make_channel(workspace=cast.shop, kind="wechat_oa")
    first = receive(
        workspace=cast.shop, channel=wechat, identities={"openid": "oA"}, external_id="MSG-1"
    )

    again = receive(
        workspace=cast.shop, channel=wechat, identities={"openid": "oA"}, external_id="MSG-1"
    )

    assert again.duplicate is True
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(workspace=cast.shop).count() == 1


@pytest.mark.parametrize("status", ["pending", "on_hold", "solved"])
def test_a_customer_message_reopens_a_pending_on_hold_or_solved_ticket(cast, status):
    widget = make_channel(workspace=cast.shop)
    ticket = make_ticket(
        workspace=cast.shop, channel=widget, identities={"anonymous_id": "b2"}, status=status
    )

    got = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "b2"})

    assert got.ticket.pk == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.solved_at is None
    assert ticket.waiting_since == got.message.created_at
    last = TicketChange.objects.filter(ticket=ticket).order_by("-id").first()
    assert (last.old_value, last.new_value, last.actor_kind) == (status, "open", "customer")


def test_a_customer_message_after_the_ticket_closed_opens_a_follow_up_in_the_same_thread(cast):
    widget = make_channel(workspace=cast.shop)
    old = make_ticket(
        workspace=cast.shop, channel=widget, identities={"anonymous_id": "b3"}, status="closed"
    )

    got = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "b3"})

    assert got.ticket.pk != old.pk
    assert got.ticket.follow_up_of_id == old.pk
    assert got.conversation.pk == old.conversation_id
    assert Ticket.objects.get(pk=old.pk).status == TicketStatus.CLOSED


def test_start_new_opens_a_second_conversation_for_the_same_person(cast):
    api = channels_services.get_or_create_api_channel(workspace=cast.shop)
    first = receive(workspace=cast.shop, channel=api, identities={"external_id": "U1"})

    second = receive(
        workspace=cast.shop, channel=api, identities={"external_id": "U1"}, start_new=True
    )

    assert second.conversation.pk != first.conversation.pk
    assert second.conversation.customer_id == first.conversation.customer_id
    assert second.ticket.pk != first.ticket.pk


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "message_empty"),
        ("   \n\t ", "message_empty"),
        ("好" * (MAX_MESSAGE_CHARS + 1), "message_too_long"),
    ],
)
def test_empty_and_oversized_messages_are_refused_and_nothing_is_stored(cast, text, code):
    widget = make_channel(workspace=cast.shop)

    with pytest.raises(ServiceError) as refused:
        receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "b4"}, text=text)

    assert refused.value.code == code
    assert refused.value.status == 422
    assert not Customer.objects.filter(workspace=cast.shop).exists()
    assert not Message.objects.exists()


def test_html_and_script_are_kept_verbatim_as_text(cast):
    text = '<script>alert("x")</script><b>加急</b> & 谢谢'

    got = receive(workspace=cast.shop, text=text)

    assert Message.objects.get(pk=got.message.pk).text == text


def test_a_bad_identity_is_refused_before_anything_is_written(cast):
    with pytest.raises(ServiceError) as refused:
        receive(workspace=cast.shop, identities={"phone": "not-a-phone"})

    assert refused.value.code == "identity_invalid"
    assert not Customer.objects.filter(workspace=cast.shop).exists()


def test_a_message_without_sender_or_conversation_is_refused(cast):
    with pytest.raises(ServiceError) as refused:
        receive(workspace=cast.shop, identities={}, conversation_id=None)
    assert refused.value.code in ("sender_unknown",)


def test_a_disabled_channel_refuses_new_messages(cast):
    widget = make_channel(workspace=cast.shop)
    channels_services.set_channel_enabled(workspace=cast.shop, channel_id=widget.pk, enabled=False)

    with pytest.raises(ServiceError) as refused:
        receive(workspace=cast.shop, channel=widget)

    assert refused.value.code == "channel_disabled"


def test_another_workspaces_channel_or_conversation_is_not_found(cast):
    theirs = make_channel(workspace=cast.other_shop)
    their_conversation = receive(workspace=cast.other_shop, channel=theirs).conversation
    mine = make_channel(workspace=cast.shop)

    with pytest.raises(ServiceError) as by_channel:
        receive(workspace=cast.shop, channel=theirs)
    with pytest.raises(ServiceError) as by_conversation:
        receive(workspace=cast.shop, channel=mine, conversation_id=their_conversation.pk)

    assert by_channel.value.code == "channel_not_found"
    assert by_conversation.value.code == "conversation_not_found"
    assert Message.objects.filter(workspace=cast.shop).count() == 0


def test_new_messages_and_status_changes_are_announced_to_webhooks(cast, settings):
    # A receiver on this machine (the tests run offline); this test does not commit, so
    # nothing is sent: it checks what is recorded for sending.
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    accounts_webhooks.create_endpoint(
        workspace=cast.shop,
        url="http://127.0.0.1:9/xiaonuo",
        events=["message.created", "conversation.status_changed"],
        description="",
        actor=Actor(user=cast.owner),
    )

    got = receive(workspace=cast.shop, text="你好")

    deliveries = {d.event: d.payload for d in WebhookDelivery.objects.filter(workspace=cast.shop)}
    assert deliveries["message.created"]["id"] == got.message.pk
    assert deliveries["message.created"]["text"] == "你好"
    assert deliveries["message.created"]["conversation_id"] == got.conversation.pk
    assert deliveries["conversation.status_changed"]["old_status"] is None
    assert deliveries["conversation.status_changed"]["status"] == "open"
