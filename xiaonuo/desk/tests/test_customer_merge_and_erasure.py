"""The desk follows the customer: merges carry conversations, tickets and complaints to the
survivor; a privacy erasure removes every message the person exchanged with the desk."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import Complaint, Conversation, Message, Ticket, TicketChange
from xiaonuo.testing import make_channel, make_complaint, make_ticket, receive

pytestmark = pytest.mark.django_db


def test_merging_customers_moves_their_conversations_tickets_and_complaints(cast):
    # Given one person who wrote once on WeChat and once through the widget
    wechat = make_channel(workspace=cast.shop, kind="wechat_oa")
    widget = make_channel(workspace=cast.shop)
    on_wechat = receive(workspace=cast.shop, channel=wechat, identities={"openid": "oZ"})
    on_widget = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "bZ"})
    complaint = make_complaint(workspace=cast.shop, ticket=on_widget.ticket)
    survivor = on_wechat.conversation.customer_id
    merged = on_widget.conversation.customer_id

    # When staff merge the two records
    customers_services.merge_customers(
        workspace=cast.shop, survivor_id=survivor, merged_id=merged, actor=Actor(user=cast.owner)
    )

    # Then everything of the desk belongs to the survivor
    assert set(
        Conversation.objects.filter(workspace=cast.shop).values_list("customer_id", flat=True)
    ) == {survivor}
    assert set(
        Ticket.objects.filter(workspace=cast.shop).values_list("customer_id", flat=True)
    ) == {survivor}
    assert Complaint.objects.get(pk=complaint.pk).customer_id == survivor
    # … and the next widget message of the merged visitor lands in their old thread
    again = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "bZ"})
    assert again.conversation.pk == on_widget.conversation.pk
    assert again.ticket.pk == on_widget.ticket.pk


def test_erasing_a_customer_removes_their_messages_tickets_and_complaints_only(cast):
    # Given two customers who talked to the desk, one with a complaint and a note on file
    leaving = make_ticket(workspace=cast.shop, identities={"phone": "13800138000"})
    desk_services.reply_to_ticket(
        workspace=cast.shop, ticket_id=leaving.pk, text="您好", actor=Actor(user=cast.agent)
    )
    desk_services.add_note(
        workspace=cast.shop, ticket_id=leaving.pk, text="客户住址：西湖区…", actor=Actor()
    )
    make_complaint(workspace=cast.shop, ticket=leaving)
    staying = make_ticket(workspace=cast.shop, identities={"phone": "13900139000"})

    # When the first asks to be forgotten
    customers_services.erase_customer(
        workspace=cast.shop, customer_id=leaving.customer_id, actor=Actor(user=cast.owner)
    )

    # Then nothing of theirs remains at the desk, and the other customer's is untouched
    assert not Message.objects.filter(ticket_id=leaving.pk).exists()
    assert not Ticket.objects.filter(pk=leaving.pk).exists()
    assert not TicketChange.objects.filter(ticket_id=leaving.pk).exists()
    assert not Conversation.objects.filter(customer_id=leaving.customer_id).exists()
    assert not Complaint.objects.filter(workspace=cast.shop).exists()
    assert Message.objects.filter(ticket_id=staying.pk).count() == 1
    assert Ticket.objects.filter(pk=staying.pk).exists()
