"""Xiaonuo's own replies in a conversation (auto-reply), their delivery, and the hand-off."""

import pytest

from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import (
    AuthorKind,
    DeliveryStatus,
    HistoryField,
    Message,
    MessageKind,
    TicketChange,
    TicketPriority,
    TicketStatus,
)
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_channel, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def wechat_ticket(cast):
    channel = make_channel(workspace=cast.shop, kind="wechat_oa")
    return receive(
        workspace=cast.shop, channel=channel, identities={"openid": "oBot"}, text="多久发货"
    ).ticket


def test_a_bot_reply_is_pending_without_a_push_and_solves_the_ticket(
    cast, wechat_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        reply = desk_services.record_bot_reply(
            workspace=cast.shop, ticket_id=wechat_ticket.pk, text="48 小时内发货"
        )

    assert (reply.kind, reply.author_kind, reply.staff) == (
        MessageKind.OUTBOUND,
        AuthorKind.SYSTEM,
        None,
    )
    assert reply.delivery_status == DeliveryStatus.PENDING
    wechat_ticket.refresh_from_db()
    assert wechat_ticket.status == TicketStatus.SOLVED
    assert wechat_ticket.first_response_at is not None
    change = TicketChange.objects.filter(ticket=wechat_ticket, field=HistoryField.STATUS).last()
    assert (change.new_value, change.actor_kind) == (TicketStatus.SOLVED, AuthorKind.SYSTEM)
    # Search indexing only: nothing pushes the reply until the channel settles it.
    assert len(callbacks) == 1


def test_settling_twice_changes_nothing_more(cast, wechat_ticket):
    reply = desk_services.record_bot_reply(
        workspace=cast.shop, ticket_id=wechat_ticket.pk, text="48 小时内发货"
    )

    for _ in range(2):
        desk_services.settle_bot_reply(
            workspace=cast.shop, message_id=reply.pk, delivered_in_reply=True
        )
    desk_services.settle_bot_reply(
        workspace=cast.shop, message_id=reply.pk, delivered_in_reply=False
    )

    assert Message.objects.get(pk=reply.pk).delivery_status == DeliveryStatus.DELIVERED


def test_a_hand_off_reopens_raises_priority_and_notes_why(cast, wechat_ticket):
    desk_services.record_bot_reply(
        workspace=cast.shop, ticket_id=wechat_ticket.pk, text="48 小时内发货"
    )

    desk_services.hand_off_ticket(
        workspace=cast.shop,
        ticket_id=wechat_ticket.pk,
        note="客户要求人工服务",
        priority=TicketPriority.HIGH,
    )

    wechat_ticket.refresh_from_db()
    assert (wechat_ticket.status, wechat_ticket.priority) == (
        TicketStatus.OPEN,
        TicketPriority.HIGH,
    )
    note = Message.objects.get(ticket=wechat_ticket, kind=MessageKind.NOTE)
    assert (note.author_kind, note.text) == (AuthorKind.SYSTEM, "客户要求人工服务")


def test_a_hand_off_never_lowers_priority(cast, wechat_ticket):
    desk_services.update_ticket(
        workspace=cast.shop,
        ticket_id=wechat_ticket.pk,
        priority=TicketPriority.URGENT,
        actor=_owner(cast),
    )

    desk_services.hand_off_ticket(
        workspace=cast.shop, ticket_id=wechat_ticket.pk, note="转人工", priority=TicketPriority.HIGH
    )

    wechat_ticket.refresh_from_db()
    assert wechat_ticket.priority == TicketPriority.URGENT


def _owner(cast):
    from xiaonuo.accounts.services import Actor

    return Actor(user=cast.owner)


def test_another_workspace_cannot_reply_as_the_bot_or_hand_off(cast, wechat_ticket):
    with pytest.raises(ServiceError) as error:
        desk_services.record_bot_reply(
            workspace=cast.other_shop, ticket_id=wechat_ticket.pk, text="偷答"
        )
    assert error.value.code == "ticket_not_found"
    with pytest.raises(ServiceError):
        desk_services.hand_off_ticket(
            workspace=cast.other_shop, ticket_id=wechat_ticket.pk, note="x", priority=3
        )
    assert not Message.objects.filter(kind__in=[MessageKind.OUTBOUND, MessageKind.NOTE]).exists()
