"""Keyword rules (exact, contains, regular expression; priorities; before the matcher), the
regular-expression safety checks, menu clicks and the welcome reply on a follow."""

import time

import pytest

from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.engine import CompiledRule
from xiaonuo.autoreply.models import Outcome, ReplyLog
from xiaonuo.autoreply.services import Answer, RuleInput, SettingsChanges
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.channels import autoreply_port
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def wechat(cast):
    make_faq(workspace=cast.shop)
    return make_wechat_channel(workspace=cast.shop)


def _rule(workspace, pattern, match_type="contains", text="规则回复", priority=0, **answer):
    return autoreply_services.create_rule(
        workspace=workspace,
        data=RuleInput(
            name=f"规则 {pattern[:20]}",
            match_type=match_type,
            pattern=pattern,
            priority=priority,
            answer=Answer(text=text, **answer),
        ),
    )


def test_a_contains_rule_answers_before_the_matcher(cast, wechat):
    rule = _rule(cast.shop, "发货", text="双十一期间发货稍慢，请耐心等待")

    answer = ask(workspace=cast.shop, channel=wechat, text="请问多久发货")

    assert answer is not None
    assert answer.text == "双十一期间发货稍慢，请耐心等待"
    log = ReplyLog.objects.get()
    assert (log.outcome, log.rule_id) == (Outcome.ANSWERED_RULE, rule.pk)


def test_the_highest_priority_matching_rule_wins(cast, wechat):
    _rule(cast.shop, "退款", text="低优先级", priority=1)
    _rule(cast.shop, r"退款.*多久", match_type="regex", text="高优先级", priority=5)

    answer = ask(workspace=cast.shop, channel=wechat, text="退款要多久到账")

    assert answer is not None
    assert answer.text == "高优先级"


def test_an_exact_rule_needs_the_whole_message(cast, wechat):
    _rule(cast.shop, "优惠券", match_type="exact", text="领券链接", url="https://example.com/q")

    assert ask(
        workspace=cast.shop, channel=wechat, text="优惠券怎么用不了", openid="o1"
    ) is None or (ReplyLog.objects.get().rule_id is None)
    answer = ask(workspace=cast.shop, channel=wechat, text=" 优惠券 ", openid="o2")
    assert answer is not None
    assert answer.text == "领券链接"


def test_a_disabled_rule_does_not_answer(cast, wechat):
    rule = _rule(cast.shop, "发货", text="规则回复")
    autoreply_services.update_rule(
        workspace=cast.shop,
        rule_id=rule.pk,
        data=RuleInput(
            name=rule.name,
            match_type="contains",
            pattern="发货",
            answer=Answer(text="规则回复"),
            enabled=False,
        ),
    )

    answer = ask(workspace=cast.shop, channel=wechat, text="多久发货")

    assert answer is not None
    assert answer.text != "规则回复"  # the matcher's entry answered instead


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("(a+)+$", "pattern_unsafe"),
        ("(a|aa)*b", "pattern_unsafe"),
        ("(.*a){20}", "pattern_unsafe"),
        (r"(\w+)\1", "pattern_unsafe"),
        ("([a-z]+)*", "pattern_unsafe"),
        ("a.*a.*a.*b", "pattern_unsafe"),
        ("(unclosed", "pattern_invalid"),
        ("x" * 201, "pattern_invalid"),
        ("", "pattern_invalid"),
    ],
)
def test_dangerous_or_broken_regular_expressions_are_refused(cast, pattern, code):
    with pytest.raises(ServiceError) as error:
        _rule(cast.shop, pattern, match_type="regex")

    assert error.value.code == code
    assert error.value.details["field"] == "pattern"


@pytest.mark.parametrize("pattern", [r"退款.*多久", r"^订单\d{6,20}$", r"(发票|开票)", r"[0-9]+号"])
def test_ordinary_regular_expressions_are_accepted(pattern):
    assert autoreply_services.check_pattern("regex", pattern) == pattern


def test_an_accepted_pattern_stays_fast_on_a_hostile_message():
    import re

    pattern = autoreply_services.check_pattern("regex", r"a.*a.*b")
    rule = CompiledRule(rule_id=1, match_type="regex", pattern=pattern, regex=re.compile(pattern))
    started = time.perf_counter()
    rule.matches("a" * 100_000)  # only the first 300 characters are looked at
    assert time.perf_counter() - started < 0.1


def test_a_menu_click_is_answered_by_its_exact_rule_and_stores_nothing(cast, wechat):
    _rule(cast.shop, "MENU_STORES", match_type="exact", text="门店地址：成都春熙路 1 号")
    _rule(cast.shop, "MENU", match_type="contains", text="不该用包含规则")

    answer = autoreply_port.click()(
        workspace=cast.shop, channel_id=wechat.pk, identities={"openid": "o1"}, key="MENU_STORES"
    )
    unknown = autoreply_port.click()(
        workspace=cast.shop, channel_id=wechat.pk, identities={"openid": "o1"}, key="MENU_X"
    )

    assert answer is not None
    assert (answer.message_id, answer.text) == (0, "门店地址：成都春熙路 1 号")
    assert unknown is None
    assert not ReplyLog.objects.exists()


def test_a_follow_records_the_follower_and_returns_the_welcome(cast, wechat):
    autoreply_services.update_settings(
        workspace=cast.shop,
        changes=SettingsChanges(
            welcome=Answer(
                kind="article",
                title="欢迎来到茶语",
                description="新人礼包",
                url="https://example.com/hi",
            )
        ),
    )

    answer = autoreply_port.subscription()(
        workspace=cast.shop,
        channel_id=wechat.pk,
        identities={"openid": "oFollow1", "unionid": "uFollow1"},
        subscribed=True,
    )

    assert answer is not None
    assert answer.kind == "article"
    assert answer.payload["title"] == "欢迎来到茶语"
    customer = Identity.objects.get(workspace=cast.shop, kind="openid", value="oFollow1").customer
    assert Identity.objects.filter(customer=customer, kind="unionid", value="uFollow1").exists()
    assert list(customer.tags.values_list("name", flat=True)) == ["公众号关注"]


def test_an_unfollow_removes_the_tag_and_answers_nothing(cast, wechat):
    follow = autoreply_port.subscription()
    follow(workspace=cast.shop, channel_id=wechat.pk, identities={"openid": "o9"}, subscribed=True)

    answer = follow(
        workspace=cast.shop, channel_id=wechat.pk, identities={"openid": "o9"}, subscribed=False
    )

    assert answer is None
    customer = Customer.objects.get(workspace=cast.shop)
    assert not customer.tags.exists()


def test_a_follower_who_wrote_before_is_the_same_customer(cast, wechat):
    ask(workspace=cast.shop, channel=wechat, text="你好", openid="oSame")

    autoreply_port.subscription()(
        workspace=cast.shop, channel_id=wechat.pk, identities={"openid": "oSame"}, subscribed=True
    )

    assert Customer.objects.filter(workspace=cast.shop).count() == 1


def test_without_a_welcome_text_a_follow_gets_no_reply(cast, wechat):
    answer = autoreply_port.subscription()(
        workspace=cast.shop, channel_id=wechat.pk, identities={"openid": "o1"}, subscribed=True
    )

    assert answer is None
