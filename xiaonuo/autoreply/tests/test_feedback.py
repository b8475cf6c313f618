"""An agent answers a handed-off question with an entry: the customer gets that answer as the
agent's reply, and the matcher learns it — the next customer asking the same is answered."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import MatchFeedback, Outcome, ReplyLog
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.desk.models import AuthorKind, Message, MessageKind, Ticket, TicketStatus
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db

QUESTION = "能寄香港吗"  # no entry says so: the cautious bot below hands it off


@pytest.fixture
def faq(cast):
    entries = make_faq(workspace=cast.shop)
    # Answer only when sure, so that the question above goes to a person.
    autoreply_services.update_settings(
        workspace=cast.shop, changes=autoreply_services.SettingsChanges(threshold=0.9)
    )
    return entries


@pytest.fixture
def wechat(cast, faq):
    return make_wechat_channel(workspace=cast.shop)


def test_the_agents_pick_is_sent_and_then_answers_the_next_customer(cast, faq, wechat):
    assert ask(workspace=cast.shop, channel=wechat, text=QUESTION, openid="oA") is None
    ticket = Ticket.objects.get(workspace=cast.shop)
    shipping = faq["运费多少"]

    reply = autoreply_services.confirm_suggestion(
        workspace=cast.shop, ticket_id=ticket.pk, entry_id=shipping.pk, actor=Actor(user=cast.agent)
    )

    assert reply.kind == MessageKind.OUTBOUND
    assert reply.author_kind == AuthorKind.STAFF
    assert reply.staff == cast.agent
    assert reply.text == "满 99 元包邮，不满收 8 元运费。"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.PENDING
    feedback = MatchFeedback.objects.get()
    assert (feedback.query, feedback.entry_id) == (QUESTION, shipping.pk)

    answer = ask(workspace=cast.shop, channel=wechat, text=QUESTION, openid="oB")

    assert answer is not None
    assert answer.text == reply.text
    assert ReplyLog.objects.order_by("-pk").first().outcome == Outcome.ANSWERED_FAQ


def test_the_preview_ranks_the_confirmed_entry_first_after_a_correction(cast, faq):
    shipping = faq["运费多少"]
    before = autoreply_services.preview_answer(workspace=cast.shop, question=QUESTION)

    autoreply_services.record_feedback(
        workspace=cast.shop, query=QUESTION, entry_id=shipping.pk, actor=Actor(user=cast.owner)
    )
    after = autoreply_services.preview_answer(workspace=cast.shop, question=QUESTION)

    assert before.outcome == Outcome.HANDED_OFF
    assert after.candidates[0]["faq_id"] == str(shipping.pk)
    assert after.entry_id == shipping.pk


def test_an_entry_of_another_workspace_cannot_be_confirmed(cast, wechat):
    ask(workspace=cast.shop, channel=wechat, text=QUESTION)
    ticket = Ticket.objects.get(workspace=cast.shop)
    theirs = make_faq(workspace=cast.other_shop)["多久发货"]

    with pytest.raises(ServiceError) as error:
        autoreply_services.confirm_suggestion(
            workspace=cast.shop,
            ticket_id=ticket.pk,
            entry_id=theirs.pk,
            actor=Actor(user=cast.agent),
        )

    assert error.value.code == "faq_entry_not_found"
    assert not Message.objects.filter(kind=MessageKind.OUTBOUND).exists()
    assert not MatchFeedback.objects.exists()


def test_the_ticket_page_suggestions_name_the_question_and_closest_entries(cast, wechat):
    ask(workspace=cast.shop, channel=wechat, text=QUESTION)
    ticket = Ticket.objects.get(workspace=cast.shop)

    hand_off = autoreply_selectors.get_hand_off(workspace=cast.shop, ticket_id=ticket.pk)

    assert hand_off is not None
    assert hand_off.query == QUESTION
    assert hand_off.reason == "low_confidence"
    assert hand_off.suggestions
    assert all(s.question for s in hand_off.suggestions)
    assert hand_off.suggestions == sorted(hand_off.suggestions, key=lambda s: -s.confidence)
