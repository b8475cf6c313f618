"""Agents answer customers and leave notes for each other."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.channels import outbound as channels_outbound
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import (
    AuthorKind,
    DeliveryStatus,
    Message,
    MessageKind,
    Ticket,
    TicketChange,
    TicketStatus,
)
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_channel, make_customer, make_ticket, receive

pytestmark = pytest.mark.django_db


def test_an_agents_reply_goes_to_the_thread_and_the_ticket_waits_on_the_customer(cast):
    # Given a customer's question, unassigned
    got = receive(workspace=cast.shop, text="请问几天能到杭州？")

    # When 李客服 answers it
    reply = desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=got.ticket.pk,
        text="您好，一般两天就到哦",
        actor=Actor(user=cast.agent),
    )

    # Then the customer sees the answer, and the ticket is hers and pending
    thread, _ = desk_selectors.list_thread(workspace=cast.shop, conversation_id=got.conversation.pk)
    assert [m.text for m in thread] == ["请问几天能到杭州？", "您好，一般两天就到哦"]
    assert (reply.kind, reply.author_kind, reply.staff_id) == (
        MessageKind.OUTBOUND,
        AuthorKind.STAFF,
        cast.agent.pk,
    )
    assert reply.delivery_status == DeliveryStatus.DELIVERED  # the widget fetches it
    ticket = Ticket.objects.get(pk=got.ticket.pk)
    assert ticket.status == TicketStatus.PENDING
    assert ticket.assignee_id == cast.agent.pk
    assert ticket.first_response_at == reply.created_at
    assert ticket.waiting_since is None
    changes = list(
        TicketChange.objects.filter(ticket=ticket).values_list("field", "new_value", "actor_id")
    )
    assert ("assignee", str(cast.agent.pk), cast.agent.pk) in changes
    assert ("status", "pending", cast.agent.pk) in changes


def test_a_reply_may_set_the_status_it_leaves_the_ticket_in(cast):
    ticket = make_ticket(workspace=cast.shop)

    desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=ticket.pk,
        text="已为您补发，祝您生活愉快",
        actor=Actor(user=cast.agent),
        status=TicketStatus.SOLVED,
    )

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert ticket.solved_at is not None


def test_a_rude_reply_is_stopped_with_the_findings_and_a_gentler_wording(cast):
    ticket = make_ticket(workspace=cast.shop)

    with pytest.raises(ServiceError) as warned:
        desk_services.reply_to_ticket(
            workspace=cast.shop,
            ticket_id=ticket.pk,
            text="爱买不买！",
            actor=Actor(user=cast.agent),
        )

    assert (warned.value.code, warned.value.status) == ("tone_warning", 422)
    assert warned.value.details["findings"][0]["text"] == "爱买不买"
    assert warned.value.details["gentler"] != "爱买不买！"
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).exists()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_a_reply_sent_despite_a_tone_warning_is_recorded_with_what_was_found(cast):
    ticket = make_ticket(workspace=cast.shop)

    reply = desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=ticket.pk,
        text="爱买不买！",
        actor=Actor(user=cast.agent),
        sent_despite_tone_warning=True,
    )

    stored = Message.objects.get(pk=reply.pk)
    assert stored.sent_despite_tone_warning is True
    assert [f["text"] for f in stored.tone_findings] == ["爱买不买"]


def test_a_workspaces_own_forbidden_promises_are_checked_and_a_clean_reply_is_not_flagged(cast):
    ticket = make_ticket(workspace=cast.shop)
    desk_services.set_tone_words(
        workspace=cast.shop, lists={"forbidden_promises": ["保证明天到=>预计明天送达"]}
    )

    with pytest.raises(ServiceError) as warned:
        desk_services.reply_to_ticket(
            workspace=cast.shop,
            ticket_id=ticket.pk,
            text="放心，保证明天到",
            actor=Actor(user=cast.agent),
        )
    clean = desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=ticket.pk,
        text="您好，预计明天送达，请留意快递电话",
        actor=Actor(user=cast.agent),
        sent_despite_tone_warning=True,  # nothing was found: nothing is recorded as overridden
    )

    assert "预计明天送达" in warned.value.details["gentler"]
    assert (clean.sent_despite_tone_warning, clean.tone_findings) == (False, [])


def test_bad_tone_word_lists_are_refused(cast):
    for lists in ({"rude": ["好" * 51]}, {"jokes": ["x"]}, {"rude": [str(i) for i in range(501)]}):
        with pytest.raises(ServiceError) as refused:
            desk_services.set_tone_words(workspace=cast.shop, lists=lists)
        assert refused.value.code == "tone_words_invalid"


def test_a_reply_to_a_closed_ticket_is_refused_with_a_clear_error(cast):
    ticket = make_ticket(workspace=cast.shop, status="closed")

    with pytest.raises(ServiceError) as refused:
        desk_services.reply_to_ticket(
            workspace=cast.shop, ticket_id=ticket.pk, text="还在吗", actor=Actor(user=cast.agent)
        )

    assert refused.value.code == "ticket_closed"
    assert refused.value.status == 409
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).exists()


def test_a_reply_on_a_ticket_without_a_conversation_is_refused_but_a_note_is_fine(cast):
    customer = make_customer(workspace=cast.shop, name="电话客户")
    ticket = desk_services.open_ticket(
        workspace=cast.shop,
        customer_id=customer.pk,
        actor=Actor(user=cast.agent),
        subject="电话投诉：包装破损",
        note="客户来电，说收到的茶叶罐子瘪了",
    )

    with pytest.raises(ServiceError) as refused:
        desk_services.reply_to_ticket(
            workspace=cast.shop, ticket_id=ticket.pk, text="您好", actor=Actor(user=cast.agent)
        )
    note = desk_services.add_note(
        workspace=cast.shop, ticket_id=ticket.pk, text="已联系仓库", actor=Actor(user=cast.agent)
    )

    assert refused.value.code == "ticket_has_no_conversation"
    assert note.kind == MessageKind.NOTE
    assert [
        m.text
        for m in desk_selectors.list_ticket_messages(workspace=cast.shop, ticket_id=ticket.pk)
    ] == [
        "客户来电，说收到的茶叶罐子瘪了",
        "已联系仓库",
    ]


def test_internal_notes_never_show_in_the_customers_thread(cast):
    got = receive(workspace=cast.shop, text="你好")

    desk_services.add_note(
        workspace=cast.shop,
        ticket_id=got.ticket.pk,
        text="这位是老客户，优先处理",
        actor=Actor(user=cast.agent),
    )

    thread, more = desk_selectors.list_thread(
        workspace=cast.shop, conversation_id=got.conversation.pk
    )
    assert [m.text for m in thread] == ["你好"]
    assert more is False
    assert Ticket.objects.get(pk=got.ticket.pk).status == TicketStatus.OPEN  # a note is no answer


def test_an_empty_or_oversized_reply_is_refused(cast):
    ticket = make_ticket(workspace=cast.shop)
    for text, code in (("  ", "message_empty"), ("字" * 5001, "message_too_long")):
        with pytest.raises(ServiceError) as refused:
            desk_services.reply_to_ticket(
                workspace=cast.shop, ticket_id=ticket.pk, text=text, actor=Actor(user=cast.agent)
            )
        assert refused.value.code == code
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_another_workspaces_ticket_is_not_found_for_replies_and_notes(cast):
    theirs = make_ticket(workspace=cast.other_shop)

    for call in (desk_services.reply_to_ticket, desk_services.add_note):
        with pytest.raises(ServiceError) as refused:
            call(workspace=cast.shop, ticket_id=theirs.pk, text="hi", actor=Actor(user=cast.agent))
        assert refused.value.code == "ticket_not_found"
        assert refused.value.status == 404


class _Courier:
    """A stand-in for a pushing channel's third-party API (WeChat's customer-service message
    API): it implements the documented ``Pusher`` protocol, refusal included."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.sent: list[channels_outbound.OutboundMessage] = []
        self.refuse = refuse

    def push(self, *, channel, message):
        if self.refuse:
            raise channels_outbound.DeliveryFailed("45015: response out of time limit", retry=False)
        self.sent.append(message)
        return "wx-msg-1"


@pytest.mark.parametrize("refuse", [False, True])
def test_a_reply_on_a_pushing_channel_is_sent_after_commit_and_the_outcome_recorded(
    cast, monkeypatch, django_capture_on_commit_callbacks, refuse
):
    courier = _Courier(refuse=refuse)
    monkeypatch.setitem(channels_outbound._PUSHERS, "wechat_oa", courier)
    wechat = make_channel(workspace=cast.shop, kind="wechat_oa")
    got = receive(workspace=cast.shop, channel=wechat, identities={"openid": "oPush"})

    with django_capture_on_commit_callbacks(execute=True):
        reply = desk_services.reply_to_ticket(
            workspace=cast.shop,
            ticket_id=got.ticket.pk,
            text="您好，已安排补发",
            actor=Actor(user=cast.agent),
        )
        assert Message.objects.get(pk=reply.pk).delivery_status == DeliveryStatus.PENDING

    stored = Message.objects.get(pk=reply.pk)
    if refuse:
        assert stored.delivery_status == DeliveryStatus.FAILED
        assert "45015" in stored.delivery_error
        assert courier.sent == []
    else:
        assert stored.delivery_status == DeliveryStatus.DELIVERED
        assert [(m.message_id, m.text, m.recipient["openid"]) for m in courier.sent] == [
            (reply.pk, "您好，已安排补发", "oPush")
        ]
    # A second run of the job (a broker delivering twice) sends nothing more.
    assert desk_services.push_message(message_id=reply.pk) == "not pending"
    assert len(courier.sent) == (0 if refuse else 1)
