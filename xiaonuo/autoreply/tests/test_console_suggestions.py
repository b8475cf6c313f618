"""The desk's ticket page shows the bot's hand-off: why it handed off, its top suggestions with
confidence, and "use this answer", which replies to the customer and teaches the matcher."""

import pytest

from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import MatchFeedback
from xiaonuo.autoreply.services import SettingsChanges
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.desk.models import Message, MessageKind, Ticket
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(cast):
    make_faq(workspace=cast.shop)
    # A cautious workspace: the bot answers only when it is all but certain.
    autoreply_services.update_settings(
        workspace=cast.shop, changes=SettingsChanges(threshold=0.999)
    )
    return cast.shop


@pytest.fixture
def handed_off(shop):
    """A follower asks something the bot is not sure about: the ticket waits for a person."""
    wechat = make_wechat_channel(workspace=shop)
    assert ask(workspace=shop, channel=wechat, text="退款的钱到底退到哪里去了") is None
    return Ticket.objects.get(workspace=shop)


def test_the_ticket_page_loads_the_bots_panel(cast, handed_off):
    body = signed_in(cast.agent).get(f"/desk/tickets/{handed_off.pk}/").content.decode()
    assert f'hx-get="/autoreply/tickets/{handed_off.pk}/suggestions/"' in body


def test_the_panel_says_why_and_lists_the_suggestions_with_confidence(cast, handed_off):
    response = signed_in(cast.agent).get(f"/autoreply/tickets/{handed_off.pk}/suggestions/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "机器人转人工" in body
    assert "退款的钱到底退到哪里去了" in body
    suggestions = response.context["suggestions"]
    assert suggestions and suggestions[0]["question"] == "怎么申请退款"
    assert 0 < suggestions[0]["confidence"] < 1
    assert "用这条回答" in body


def test_a_person_request_is_shown_as_the_reason(cast, shop):
    wechat = make_wechat_channel(workspace=shop)
    ask(workspace=shop, channel=wechat, text="转人工")
    ticket = Ticket.objects.get(workspace=shop)
    body = signed_in(cast.agent).get(f"/autoreply/tickets/{ticket.pk}/suggestions/")
    assert "用户要求人工" in body.content.decode()


def test_a_ticket_without_a_hand_off_shows_no_panel(cast, shop):
    from xiaonuo.testing import make_ticket

    ticket = make_ticket(workspace=shop, text="网页上的问题")
    body = signed_in(cast.agent).get(f"/autoreply/tickets/{ticket.pk}/suggestions/")
    assert "机器人转人工" not in body.content.decode()


def test_using_a_suggestion_replies_to_the_customer_and_trains_the_matcher(cast, handed_off):
    client = signed_in(cast.agent)
    panel = client.get(f"/autoreply/tickets/{handed_off.pk}/suggestions/")
    chosen = panel.context["suggestions"][0]

    response = client.post(
        f"/autoreply/tickets/{handed_off.pk}/suggestions/use/",
        {"faq_id": chosen["entry_id"]},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "已用这条回答回复客户" in response.content.decode()
    reply = Message.objects.filter(ticket=handed_off, kind=MessageKind.OUTBOUND).latest("pk")
    assert reply.staff == cast.agent and "原路退回" in reply.text
    feedback = MatchFeedback.objects.get(workspace=cast.shop)
    assert feedback.entry_id == chosen["entry_id"]
    assert feedback.query == "退款的钱到底退到哪里去了"


def test_without_htmx_using_a_suggestion_returns_to_the_ticket(cast, handed_off):
    client = signed_in(cast.agent)
    chosen = client.get(f"/autoreply/tickets/{handed_off.pk}/suggestions/").context["suggestions"][
        0
    ]
    response = client.post(
        f"/autoreply/tickets/{handed_off.pk}/suggestions/use/", {"faq_id": chosen["entry_id"]}
    )
    assert response.status_code == 302 and response.url == f"/desk/tickets/{handed_off.pk}/"


@pytest.mark.parametrize("persona", ["viewer", "operator"])
def test_readers_see_the_suggestions_but_cannot_send_them(cast, handed_off, persona):
    client = signed_in(getattr(cast, persona))
    panel = client.get(f"/autoreply/tickets/{handed_off.pk}/suggestions/")
    assert panel.status_code == 200 and "用这条回答" not in panel.content.decode()
    chosen = panel.context["suggestions"][0]
    response = client.post(
        f"/autoreply/tickets/{handed_off.pk}/suggestions/use/", {"faq_id": chosen["entry_id"]}
    )
    assert response.status_code == 403
    assert not MatchFeedback.objects.exists()
