"""The live path through the real wiring (``listeners.CHANNEL_AUTOREPLY``): a follower's
message is stored, answered or handed off, and the answer settled."""

import pytest

from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import (
    HandOffReason,
    Outcome,
    ReplyLog,
    UnansweredQuestion,
)
from xiaonuo.autoreply.services import SettingsChanges
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.channels import autoreply_port
from xiaonuo.desk.models import (
    AuthorKind,
    DeliveryStatus,
    Message,
    MessageKind,
    Ticket,
    TicketPriority,
    TicketStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(cast):
    make_faq(workspace=cast.shop)
    return cast.shop


@pytest.fixture
def wechat(shop):
    return make_wechat_channel(workspace=shop)


def test_a_known_question_is_answered_and_stored_as_the_bots_pending_reply(shop, wechat):
    answer = ask(workspace=shop, channel=wechat, text="请问下单后几天发货？")

    assert answer is not None
    assert answer.kind == "text"
    assert "48 小时" in answer.text
    reply = Message.objects.get(pk=answer.message_id)
    assert reply.kind == MessageKind.OUTBOUND
    assert reply.author_kind == AuthorKind.SYSTEM
    assert reply.delivery_status == DeliveryStatus.PENDING
    ticket = Ticket.objects.get(pk=reply.ticket_id)
    assert ticket.status == TicketStatus.SOLVED  # answered: out of the inbox
    log = ReplyLog.objects.get(reply=reply)
    assert log.outcome == Outcome.ANSWERED_FAQ
    assert log.entry.question == "多久发货"
    assert log.confidence >= autoreply_selectors.threshold_of(
        autoreply_selectors.get_settings(workspace=shop)
    )
    assert log.candidates[0]["faq_id"] == str(log.entry_id)


def test_settle_marks_a_reply_sent_in_the_http_response_delivered(shop, wechat):
    answer = ask(workspace=shop, channel=wechat, text="怎么申请退款")

    autoreply_port.settle()(workspace=shop, message_id=answer.message_id, delivered_in_reply=True)

    assert Message.objects.get(pk=answer.message_id).delivery_status == DeliveryStatus.DELIVERED


def test_settle_too_late_hands_the_reply_to_the_push_job(
    shop, wechat, django_capture_on_commit_callbacks
):
    answer = ask(workspace=shop, channel=wechat, text="怎么申请退款")

    with django_capture_on_commit_callbacks(execute=True):
        autoreply_port.settle()(
            workspace=shop, message_id=answer.message_id, delivered_in_reply=False
        )

    # No WeChat sender is installed in this test: the push job ran and recorded the failure,
    # which proves the message went to the channel's pusher rather than being marked delivered.
    message = Message.objects.get(pk=answer.message_id)
    assert message.delivery_status in (DeliveryStatus.FAILED, DeliveryStatus.DELIVERED)


def test_settle_never_touches_another_workspaces_message(cast, shop, wechat):
    answer = ask(workspace=shop, channel=wechat, text="怎么申请退款")

    autoreply_port.settle()(
        workspace=cast.other_shop, message_id=answer.message_id, delivered_in_reply=True
    )

    assert Message.objects.get(pk=answer.message_id).delivery_status == DeliveryStatus.PENDING


def test_an_unknown_question_goes_to_a_person_with_suggestions(shop, wechat):
    # A cautious workspace: only sure answers go out (no entry is about invoices).
    autoreply_services.update_settings(workspace=shop, changes=SettingsChanges(threshold=0.9))

    answer = ask(workspace=shop, channel=wechat, text="能开增值税专用发票吗")

    assert answer is None
    log = ReplyLog.objects.get(workspace=shop)
    assert log.outcome == Outcome.HANDED_OFF
    assert log.reason == HandOffReason.LOW_CONFIDENCE
    ticket = Ticket.objects.get(pk=log.ticket_id)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.priority == TicketPriority.NORMAL
    assert UnansweredQuestion.objects.filter(workspace=shop, log=log).exists()
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE)
    assert note.author_kind == AuthorKind.SYSTEM
    hand_off = autoreply_selectors.get_hand_off(workspace=shop, ticket_id=ticket.pk)
    assert hand_off is not None
    assert hand_off.query == "能开增值税专用发票吗"
    assert hand_off.suggestions  # the closest entries, for the agent
    assert autoreply_selectors.get_hand_off(workspace=cast_other(shop), ticket_id=ticket.pk) is None


def cast_other(shop):
    from xiaonuo.accounts.models import Workspace

    return Workspace.objects.exclude(pk=shop.pk).get()


def test_the_next_message_after_an_answer_reopens_the_ticket_and_is_answered_again(shop, wechat):
    first = ask(workspace=shop, channel=wechat, text="多久发货")
    second = ask(workspace=shop, channel=wechat, text="运费多少钱")

    assert first is not None and second is not None
    one = Message.objects.get(pk=first.message_id).ticket_id
    two = Message.objects.get(pk=second.message_id).ticket_id
    assert one == two
    assert Ticket.objects.get(pk=one).status == TicketStatus.SOLVED


def test_a_redelivered_message_is_not_answered_twice(shop, wechat):
    first = ask(workspace=shop, channel=wechat, text="多久发货", msg_id="6001")
    again = ask(workspace=shop, channel=wechat, text="多久发货", msg_id="6001")

    assert first is not None
    assert again is None
    assert Message.objects.filter(kind=MessageKind.OUTBOUND, workspace=shop).count() == 1


def test_auto_reply_off_stores_the_message_and_says_nothing(shop, wechat):
    autoreply_services.update_settings(workspace=shop, changes=SettingsChanges(enabled=False))

    assert ask(workspace=shop, channel=wechat, text="多久发货") is None

    assert Message.objects.filter(workspace=shop, kind=MessageKind.INBOUND).count() == 1
    assert not ReplyLog.objects.exists()


def test_channels_the_workspace_did_not_choose_get_no_bot(shop):
    from xiaonuo.testing import make_channel

    widget = make_channel(workspace=shop, kind="web_widget")

    assert ask(workspace=shop, channel=widget, text="多久发货") is None

    autoreply_services.update_settings(
        workspace=shop, changes=SettingsChanges(channel_kinds=["wechat_oa", "web_widget"])
    )
    answer = ask(workspace=shop, channel=widget, text="多久发货", openid="oOther")
    assert answer is not None
    # A widget fetches its messages: the bot's reply is delivered by being stored.
    assert Message.objects.get(pk=answer.message_id).delivery_status == DeliveryStatus.DELIVERED


def test_once_handed_off_the_bot_stays_quiet_in_that_ticket(shop, wechat):
    ask(workspace=shop, channel=wechat, text="转人工")

    answer = ask(workspace=shop, channel=wechat, text="多久发货")

    assert answer is None
    assert ReplyLog.objects.filter(outcome=Outcome.WITH_PERSON).count() == 1


def test_respond_stays_a_handful_of_queries_past_the_desk(
    shop, wechat, django_assert_max_num_queries
):
    # Warm: the first message builds the matcher and creates the customer.
    ask(workspace=shop, channel=wechat, text="多久发货", openid="oWarm")

    # An answer: the desk's receive_message (customer, conversation, ticket, message) and
    # record_bot_reply, plus auto-reply's own four: the settings row, the conversation's recent
    # bot log, the entry, the log row.
    with django_assert_max_num_queries(45) as captured:
        assert ask(workspace=shop, channel=wechat, text="怎么申请退款", openid="oQ") is not None
    mine = [q for q in captured.captured_queries if "autoreply_" in q["sql"]]
    assert len(mine) <= 4, [q["sql"] for q in mine]


def test_the_matcher_is_not_rebuilt_while_nothing_changes(shop, wechat):
    from xiaonuo.autoreply import engine

    ask(workspace=shop, channel=wechat, text="多久发货", openid="o1")
    brain = engine.brain_for(autoreply_selectors.get_settings(workspace=shop))

    ask(workspace=shop, channel=wechat, text="运费多少", openid="o2")

    assert engine.brain_for(autoreply_selectors.get_settings(workspace=shop)) is brain


def test_erasing_a_customer_erases_what_the_bot_kept_of_their_words(cast, shop, wechat):
    from xiaonuo.accounts.services import Actor
    from xiaonuo.customers import services as customers_services
    from xiaonuo.customers.models import Identity

    ask(workspace=shop, channel=wechat, text="多久发货", openid="oGone")
    ask(workspace=shop, channel=wechat, text="能开增值税专用发票吗", openid="oGone")
    customer_id = Identity.objects.get(value="oGone").customer_id

    customers_services.erase_customer(workspace=shop, customer_id=customer_id, actor=Actor())

    assert not ReplyLog.objects.exists()
    assert not UnansweredQuestion.objects.exists()
