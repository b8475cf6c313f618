"""The knowledge-base editor: list with search and filters, create and edit with several
phrasings at once, history, disable rather than delete, and who may do what."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import FaqEntry, FaqRevision
from xiaonuo.autoreply.services import Answer, FaqInput
from xiaonuo.autoreply.tests.helpers import make_faq
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


def entry_form(**overrides):
    data = {
        "question": "怎么开发票",
        "phrasings": "发票怎么开\n能开票吗\n\n发票怎么开\n要报销开电子发票",
        "answer_kind": "text",
        "answer_text": "订单完成后在「我的-订单」里开具电子发票。",
        "tags": "订单, 发票",
        "enabled": "on",
        "valid_from": "",
        "valid_until": "",
    }
    data.update(overrides)
    return data


def test_an_empty_knowledge_base_invites_to_create_or_import(cast):
    body = signed_in(cast.operator).get("/autoreply/").content.decode()
    assert "还没有问答条目" in body
    assert 'href="/autoreply/entries/new/"' in body and 'href="/autoreply/import/"' in body


def test_the_sidebar_links_the_auto_reply_area(cast):
    body = signed_in(cast.viewer).get("/").content.decode()
    assert 'href="/autoreply/"' in body


def test_an_operator_creates_an_entry_with_several_phrasings_at_once(cast):
    client = signed_in(cast.operator)

    response = client.post("/autoreply/entries/new/", entry_form())

    entry = FaqEntry.objects.get(workspace=cast.shop, question="怎么开发票")
    assert response.status_code == 302 and response.url == f"/autoreply/entries/{entry.pk}/"
    # blank lines and repeats dropped, order kept
    assert [p.text for p in entry.phrasings.order_by("pk")] == [
        "发票怎么开",
        "能开票吗",
        "要报销开电子发票",
    ]
    assert entry.tags == ["订单", "发票"] and entry.enabled
    revision = FaqRevision.objects.get(entry=entry)
    assert revision.action == "created" and revision.actor == cast.operator


def test_editing_replaces_the_phrasings_removing_lines_removes_phrasings(cast):
    client = signed_in(cast.owner)
    client.post("/autoreply/entries/new/", entry_form())
    entry = FaqEntry.objects.get(workspace=cast.shop)

    page = client.get(f"/autoreply/entries/{entry.pk}/").content.decode()
    assert "能开票吗" in page  # the phrasings are in the form, one a line

    response = client.post(
        f"/autoreply/entries/{entry.pk}/",
        entry_form(phrasings="能开票吗\n发票能开专票吗\n开增值税发票", tags="发票"),
    )

    assert response.status_code == 302
    assert sorted(p.text for p in entry.phrasings.all()) == sorted(
        ["能开票吗", "发票能开专票吗", "开增值税发票"]
    )
    history = client.get(f"/autoreply/entries/{entry.pk}/history/").content.decode()
    assert "修改" in history and "发票能开专票吗" in history and "李客服" not in history


def test_a_link_answer_needs_its_url_and_the_form_comes_back_with_the_reason(cast):
    client = signed_in(cast.owner)

    response = client.post(
        "/autoreply/entries/new/", entry_form(answer_kind="link", answer_text="", answer_url="")
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "链接要有地址" in body
    assert "能开票吗" in body  # what was typed is kept
    assert not FaqEntry.objects.exists()


def test_a_new_entry_can_start_from_a_question_the_bot_could_not_answer(cast):
    page = signed_in(cast.operator).get("/autoreply/entries/new/?question=吸管是纸的吗")
    assert 'value="吸管是纸的吗"' in page.content.decode()


def test_the_same_standard_question_twice_is_refused_plainly(cast):
    client = signed_in(cast.owner)
    client.post("/autoreply/entries/new/", entry_form())

    response = client.post("/autoreply/entries/new/", entry_form(phrasings=""))

    assert response.status_code == 409
    assert "已经有一条问答用了这个标准问题" in response.content.decode()
    assert FaqEntry.objects.count() == 1


def test_a_validity_period_ending_before_it_starts_is_refused(cast):
    response = signed_in(cast.owner).post(
        "/autoreply/entries/new/",
        entry_form(valid_from="2026-12-01T00:00", valid_until="2026-11-01T00:00"),
    )
    assert response.status_code == 422
    assert "失效时间要晚于生效时间" in response.content.decode()


def test_the_list_searches_questions_and_phrasings_and_filters_by_tag_and_state(cast):
    entries = make_faq(workspace=cast.shop)
    autoreply_services.update_entry(
        workspace=cast.shop,
        entry_id=entries["运费多少"].pk,
        changes=autoreply_services.FaqChanges(tags=["配送"]),
        actor=Actor(),
    )
    autoreply_services.disable_entry(
        workspace=cast.shop, entry_id=entries["门店营业时间"].pk, actor=Actor()
    )
    client = signed_in(cast.viewer)

    def questions(query):
        response = client.get(f"/autoreply/?{query}")
        return {e.question for e in response.context["page"].object_list}

    assert questions("q=包邮") == {"运费多少"}  # found by a phrasing
    assert questions("tag=配送") == {"运费多少"}
    assert questions("enabled=off") == {"门店营业时间"}
    assert len(questions("enabled=on")) == 4
    assert "没有符合条件的问答" in client.get("/autoreply/?q=火星").content.decode()
    assert "配送" in client.get("/autoreply/").context["tags"]


def test_the_list_pages_by_fifty(cast):
    for i in range(51):
        autoreply_services.create_entry(
            workspace=cast.shop,
            data=FaqInput(question=f"问题{i:02d}", answer=Answer(text="答")),
            actor=Actor(),
        )
    client = signed_in(cast.viewer)
    first = client.get("/autoreply/")
    assert len(first.context["page"].object_list) == 50
    assert "page=2" in first.content.decode()
    assert len(client.get("/autoreply/?page=2").context["page"].object_list) == 1


def test_disabling_keeps_the_entry_and_enabling_brings_it_back(cast):
    entry = make_faq(workspace=cast.shop)["运费多少"]
    client = signed_in(cast.operator)

    client.post(f"/autoreply/entries/{entry.pk}/toggle/")
    entry.refresh_from_db()
    assert entry.enabled is False
    client.post(f"/autoreply/entries/{entry.pk}/toggle/")
    entry.refresh_from_db()
    assert entry.enabled is True
    actions = list(
        FaqRevision.objects.filter(entry=entry).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["created", "disabled", "updated"]


def test_deleting_asks_first_and_offers_disabling_instead(cast):
    entry = make_faq(workspace=cast.shop)["运费多少"]
    client = signed_in(cast.owner)

    confirm = client.get(f"/autoreply/entries/{entry.pk}/delete/")
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "确定删除这条问答" in body and "改为停用" in body
    assert FaqEntry.objects.filter(pk=entry.pk).exists()  # asking deletes nothing

    response = client.post(f"/autoreply/entries/{entry.pk}/delete/")
    assert response.status_code == 302
    assert not FaqEntry.objects.filter(pk=entry.pk).exists()
    deleted = autoreply_selectors.list_deleted_entries(workspace=cast.shop).get()
    assert deleted.entry_question == "运费多少" and deleted.actor == cast.owner


@pytest.mark.parametrize("persona", ["agent", "viewer"])
def test_agents_and_viewers_read_the_knowledge_base_but_cannot_change_it(cast, persona):
    entry = make_faq(workspace=cast.shop)["运费多少"]
    client = signed_in(getattr(cast, persona))

    page = client.get(f"/autoreply/entries/{entry.pk}/")
    assert page.status_code == 200
    assert "满 99 元包邮" in page.content.decode()
    assert "entry-form" not in page.content.decode()
    assert client.get("/autoreply/entries/new/").status_code == 403
    assert client.post(f"/autoreply/entries/{entry.pk}/", entry_form()).status_code == 403
    assert client.post(f"/autoreply/entries/{entry.pk}/toggle/").status_code == 403
    assert client.post(f"/autoreply/entries/{entry.pk}/delete/").status_code == 403
    entry.refresh_from_db()
    assert entry.question == "运费多少" and entry.enabled
