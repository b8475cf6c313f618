"""Every auto-reply page is fully translated: in English, no Chinese is left but the user's
data (here written in English too)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import UnansweredGroup
from xiaonuo.autoreply.services import Answer, FaqInput, RuleInput, SettingsChanges
from xiaonuo.console.tests.test_console_english import chinese_left
from xiaonuo.desk.models import Ticket
from xiaonuo.testing import make_channel, make_staff, make_workspace, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def teahouse():
    shop = make_workspace(slug="teahouse", name="Teahouse")
    owner = make_staff(workspace=shop, role=Role.OWNER, username="alice", display_name="Alice")
    entry = autoreply_services.create_entry(
        workspace=shop,
        data=FaqInput(
            question="When do you open",
            phrasings=["opening hours", "are you open now"],
            tags=["stores"],
            answer=Answer(text="Every day from 10:00 to 22:00."),
        ),
        actor=Actor(user=owner),
    )
    autoreply_services.update_entry(
        workspace=shop,
        entry_id=entry.pk,
        changes=autoreply_services.FaqChanges(tags=["stores", "hours"]),
        actor=Actor(user=owner),
    )
    autoreply_services.create_rule(
        workspace=shop,
        data=RuleInput(name="Menu", match_type="exact", pattern="menu", answer=Answer(text="Menu")),
    )
    autoreply_services.create_synonym_group(workspace=shop, words=["refund", "money-back"])
    autoreply_services.set_dictionary(workspace=shop, words=["MangoSago"])
    autoreply_services.update_settings(
        workspace=shop, changes=SettingsChanges(threshold=0.999, welcome=Answer(text="Welcome!"))
    )
    wechat = make_channel(workspace=shop, kind="wechat_oa", name="Teahouse OA")
    for i, text in enumerate(["opening hours please", "are you open now", "straws paper?"] * 2):
        autoreply_services.respond(
            workspace=shop,
            inbound=_inbound(wechat.pk, text, f"oTea{i}"),
        )
    autoreply_services.group_unanswered(workspace=shop, now=timezone.now() + timedelta(minutes=1))
    return {
        "owner": owner,
        "entry": entry,
        "ticket": Ticket.objects.filter(workspace=shop).first(),
        "group": UnansweredGroup.objects.filter(workspace=shop).first(),
    }


def _inbound(channel_id, text, openid):
    from xiaonuo.channels.inbound import InboundMessage

    return InboundMessage(channel_id=channel_id, text=text, identities={"openid": openid})


def test_every_auto_reply_page_is_english_when_english_is_chosen(teahouse):
    client = signed_in(teahouse["owner"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    entry, ticket = teahouse["entry"].pk, teahouse["ticket"].pk
    pages = [
        "/autoreply/",
        "/autoreply/?q=nothing-like-this",
        "/autoreply/entries/new/",
        f"/autoreply/entries/{entry}/",
        f"/autoreply/entries/{entry}/history/",
        f"/autoreply/entries/{entry}/delete/",
        "/autoreply/import/",
        "/autoreply/rules/",
        "/autoreply/settings/",
        "/autoreply/test/",
        "/autoreply/metrics/",
        f"/autoreply/tickets/{ticket}/suggestions/",
        f"/desk/tickets/{ticket}/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert chinese_left(response.content.decode()) == [], path
    tested = client.post("/autoreply/test/", {"question": "opening hours"})
    assert chinese_left(tested.content.decode()) == []
    assert "The bot would" in tested.content.decode()
    handed_off = client.post("/autoreply/test/", {"question": "can I bring my own cup"})
    assert chinese_left(handed_off.content.decode()) == []
    refused = client.post(
        "/autoreply/rules/",
        {
            "name": "x",
            "match_type": "regex",
            "pattern": "(",
            "priority": "0",
            "answer_kind": "text",
            "answer_text": "x",
        },
    )
    assert refused.status_code == 422 and chinese_left(refused.content.decode()) == []
    assert "regular expression" in refused.content.decode()
