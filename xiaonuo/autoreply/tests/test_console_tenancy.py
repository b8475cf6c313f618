"""孙老板 runs 别家 (workspace B). Every auto-reply object of 茶语 (workspace A) — entries, their
history, rules, synonym groups, unanswered groups, tickets' suggestions — is a 404 to him
through every page and action, never a 403, and nothing of 茶语's changes. His own pages show
none of 茶语's data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import (
    FaqEntry,
    KeywordRule,
    MatchFeedback,
    SynonymGroup,
    UnansweredGroup,
)
from xiaonuo.autoreply.services import Answer, RuleInput, SettingsChanges
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.desk.models import Message, Ticket
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def chayu(cast):
    shop = cast.shop
    entries = make_faq(workspace=shop)
    rule = autoreply_services.create_rule(
        workspace=shop,
        data=RuleInput(
            name="茶语菜单", match_type="exact", pattern="菜单", answer=Answer(text="茶语的菜单")
        ),
    )
    synonyms = autoreply_services.create_synonym_group(workspace=shop, words=["杯套", "杯托"])
    autoreply_services.update_settings(workspace=shop, changes=SettingsChanges(threshold=0.999))
    wechat = make_wechat_channel(workspace=shop)
    ask(workspace=shop, channel=wechat, text="茶语的吸管是纸的吗", openid="o1")
    ask(workspace=shop, channel=wechat, text="茶语的吸管是纸的吗？", openid="o2")
    autoreply_services.group_unanswered(workspace=shop, now=timezone.now() + timedelta(minutes=1))
    return {
        "entry": entries["运费多少"],
        "rule": rule,
        "synonyms": synonyms,
        "group": UnansweredGroup.objects.get(workspace=shop),
        "ticket": Ticket.objects.filter(workspace=shop).first(),
    }


def test_another_workspaces_objects_are_not_found_on_every_page_and_action(cast, chayu):
    e, r, s = chayu["entry"].pk, chayu["rule"].pk, chayu["synonyms"].pk
    g, t = chayu["group"].pk, chayu["ticket"].pk
    client = signed_in(cast.other_owner)
    requests = [
        ("get", f"/autoreply/entries/{e}/", {}),
        ("post", f"/autoreply/entries/{e}/", {"question": "改", "answer_text": "改"}),
        ("get", f"/autoreply/entries/{e}/history/", {}),
        ("post", f"/autoreply/entries/{e}/toggle/", {}),
        ("get", f"/autoreply/entries/{e}/delete/", {}),
        ("post", f"/autoreply/entries/{e}/delete/", {}),
        ("get", f"/autoreply/rules/{r}/", {}),
        ("post", f"/autoreply/rules/{r}/", {"name": "改", "match_type": "exact", "pattern": "x"}),
        ("post", f"/autoreply/rules/{r}/delete/", {}),
        ("post", f"/autoreply/settings/synonyms/{s}/delete/", {}),
        ("post", f"/autoreply/groups/{g}/accept/", {}),
        ("post", f"/autoreply/groups/{g}/dismiss/", {}),
        ("post", "/autoreply/test/confirm/", {"query": "运费", "faq_id": e}),
        ("get", f"/autoreply/tickets/{t}/suggestions/", {}),
        ("post", f"/autoreply/tickets/{t}/suggestions/use/", {"faq_id": e}),
    ]
    for method, path, data in requests:
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path, response.status_code)

    assert FaqEntry.objects.filter(pk=e, enabled=True, question="运费多少").exists()
    assert KeywordRule.objects.filter(pk=r, name="茶语菜单").exists()
    assert SynonymGroup.objects.filter(pk=s).exists()
    assert UnansweredGroup.objects.get(pk=g).status == "suggested"
    assert not MatchFeedback.objects.exists()
    assert not Message.objects.filter(ticket_id=t, kind="outbound").exists()


def test_his_own_pages_show_nothing_of_the_other_workspace(cast, chayu):
    client = signed_in(cast.other_owner)
    pages = {
        "/autoreply/": "运费多少",
        "/autoreply/?q=运费": "运费多少",
        "/autoreply/rules/": "茶语菜单",
        "/autoreply/settings/": "杯托",
        "/autoreply/metrics/": "吸管",
    }
    for path, secret in pages.items():
        body = client.get(path).content.decode()
        assert secret not in body, path
    assert "还没有问答条目" in client.get("/autoreply/").content.decode()
    exported = client.get("/autoreply/export/").content.decode("utf-8-sig")
    assert "运费" not in exported
    # The test box answers from his own (empty) knowledge base.
    tested = client.post("/autoreply/test/", {"question": "运费多少"})
    assert tested.context["result"]["candidates"] == []
