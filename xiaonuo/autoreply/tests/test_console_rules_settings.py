"""Keyword rules and the settings page: threshold with its explanation, welcome reply, the
channels the bot answers on, the workspace's dictionary and synonyms."""

import pytest

from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply.models import KeywordRule, SynonymGroup
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


def rule_form(**overrides):
    data = {
        "name": "菜单",
        "match_type": "exact",
        "pattern": "菜单",
        "priority": "10",
        "enabled": "on",
        "answer_kind": "text",
        "answer_text": "完整菜单在小程序首页。",
    }
    data.update(overrides)
    return data


def settings_form(**overrides):
    data = {
        "enabled": "on",
        "threshold": "0.7",
        "channel_kinds": ["wechat_oa", "web_widget"],
        "repeat_count": "3",
        "repeat_window_minutes": "30",
        "answer_kind": "text",
        "answer_text": "欢迎关注茶语！",
    }
    data.update(overrides)
    return data


def test_an_empty_rule_list_says_what_rules_are_for(cast):
    body = signed_in(cast.viewer).get("/autoreply/rules/").content.decode()
    assert "还没有关键词规则" in body
    assert "rule-form" not in body  # viewers read only


def test_an_operator_creates_edits_and_deletes_a_rule(cast):
    client = signed_in(cast.operator)

    assert client.post("/autoreply/rules/", rule_form()).status_code == 302
    rule = KeywordRule.objects.get(workspace=cast.shop)
    assert (rule.match_type, rule.pattern, rule.priority) == ("exact", "菜单", 10)
    assert "菜单" in client.get("/autoreply/rules/").content.decode()

    edited = client.post(
        f"/autoreply/rules/{rule.pk}/", rule_form(match_type="contains", priority="20")
    )
    assert edited.status_code == 302
    rule.refresh_from_db()
    assert (rule.match_type, rule.priority) == ("contains", 20)

    assert client.post(f"/autoreply/rules/{rule.pk}/delete/").status_code == 302
    assert not KeywordRule.objects.exists()


def test_a_regular_expression_that_may_backtrack_for_ever_is_refused(cast):
    response = signed_in(cast.owner).post(
        "/autoreply/rules/", rule_form(match_type="regex", pattern="(a+)+$")
    )
    assert response.status_code == 422
    assert "可能匹配得非常慢" in response.content.decode()
    assert not KeywordRule.objects.exists()


def test_a_broken_regular_expression_is_refused(cast):
    response = signed_in(cast.owner).post(
        "/autoreply/rules/", rule_form(match_type="regex", pattern="([")
    )
    assert response.status_code == 422
    assert "正则表达式要写对" in response.content.decode()


def test_agents_cannot_write_rules(cast):
    client = signed_in(cast.agent)
    assert client.post("/autoreply/rules/", rule_form()).status_code == 403
    assert not KeywordRule.objects.exists()


def test_the_settings_page_explains_the_threshold_in_plain_words(cast):
    body = signed_in(cast.viewer).get("/autoreply/settings/").content.decode()
    assert "调高：答得更少但更准" in body
    assert "现在的阈值" in body


def test_an_operator_sets_the_threshold_welcome_and_channels(cast):
    client = signed_in(cast.operator)

    assert client.post("/autoreply/settings/", settings_form()).status_code == 302

    row = autoreply_selectors.get_settings(workspace=cast.shop)
    assert row.threshold == 0.7
    assert row.answer_text == "欢迎关注茶语！"
    assert sorted(row.channel_kinds) == ["web_widget", "wechat_oa"]


def test_an_empty_threshold_returns_to_the_default(cast):
    client = signed_in(cast.owner)
    client.post("/autoreply/settings/", settings_form())
    client.post("/autoreply/settings/", settings_form(threshold=""))
    assert autoreply_selectors.get_settings(workspace=cast.shop).threshold is None


def test_a_threshold_out_of_range_is_refused(cast):
    response = signed_in(cast.owner).post("/autoreply/settings/", settings_form(threshold="1.5"))
    assert response.status_code == 422
    assert autoreply_selectors.get_settings(workspace=cast.shop).threshold is None


def test_the_dictionary_is_replaced_one_word_a_line(cast):
    client = signed_in(cast.owner)
    client.post("/autoreply/settings/dictionary/", {"words": "杨枝甘露\n多肉葡萄\n\n杨枝甘露"})
    assert autoreply_selectors.list_dictionary(workspace=cast.shop) == ["多肉葡萄", "杨枝甘露"]
    client.post("/autoreply/settings/dictionary/", {"words": "芝士莓莓"})
    assert autoreply_selectors.list_dictionary(workspace=cast.shop) == ["芝士莓莓"]


def test_a_dictionary_word_with_a_space_is_refused_and_nothing_changes(cast):
    client = signed_in(cast.owner)
    client.post("/autoreply/settings/dictionary/", {"words": "杨枝甘露"})
    response = client.post("/autoreply/settings/dictionary/", {"words": "多肉 葡萄"})
    assert response.status_code == 422
    assert autoreply_selectors.list_dictionary(workspace=cast.shop) == ["杨枝甘露"]


def test_synonyms_are_added_and_deleted(cast):
    client = signed_in(cast.operator)
    client.post("/autoreply/settings/synonyms/", {"words": "退款，退钱、退费"})
    group = SynonymGroup.objects.get(workspace=cast.shop)
    assert group.words == ["退款", "退钱", "退费"]
    assert "退款 · 退钱 · 退费" in client.get("/autoreply/settings/").content.decode()

    lonely = client.post("/autoreply/settings/synonyms/", {"words": "退款"})
    assert lonely.status_code == 422 and "2–50 个不同的词" in lonely.content.decode()

    client.post(f"/autoreply/settings/synonyms/{group.pk}/delete/")
    assert not SynonymGroup.objects.exists()


@pytest.mark.parametrize("persona", ["agent", "viewer"])
def test_only_people_who_manage_auto_reply_change_settings(cast, persona):
    client = signed_in(getattr(cast, persona))
    assert client.post("/autoreply/settings/", settings_form()).status_code == 403
    assert client.post("/autoreply/settings/dictionary/", {"words": "x"}).status_code == 403
    assert client.post("/autoreply/settings/synonyms/", {"words": "a,b"}).status_code == 403
    assert autoreply_selectors.get_settings(workspace=cast.shop).threshold is None
