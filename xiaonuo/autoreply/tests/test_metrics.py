"""The console's auto-reply numbers on conversations built through the live path."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import ReplyLog
from xiaonuo.autoreply.services import Answer, RuleInput
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(cast):
    """A: answered about shipping, then asks for a person (the answer did not help) and writes
    once more (a person has it now). B: answered about refunds, satisfied. C: a question nobody
    wrote an entry for. D: a keyword rule."""
    entries = make_faq(workspace=cast.shop)
    autoreply_services.create_rule(
        workspace=cast.shop,
        data=RuleInput(
            name="优惠券", match_type="exact", pattern="优惠券", answer=Answer(text="领券链接")
        ),
    )
    wechat = make_wechat_channel(workspace=cast.shop)
    assert ask(workspace=cast.shop, channel=wechat, text="多久发货", openid="oA")
    assert ask(workspace=cast.shop, channel=wechat, text="转人工", openid="oA") is None
    assert ask(workspace=cast.shop, channel=wechat, text="在吗", openid="oA") is None
    assert ask(workspace=cast.shop, channel=wechat, text="怎么申请退款", openid="oB")
    assert ask(workspace=cast.shop, channel=wechat, text="量子力学", openid="oC") is None
    assert ask(workspace=cast.shop, channel=wechat, text="优惠券", openid="oD")
    return entries


def _range():
    now = timezone.now()
    return now - timedelta(days=7), now + timedelta(minutes=1)


def test_answered_share_and_hand_offs_by_reason(cast, week):
    start, end = _range()

    metrics = autoreply_selectors.get_metrics(workspace=cast.shop, start=start, end=end)

    assert (metrics.answered, metrics.answered_by_faq, metrics.answered_by_rule) == (3, 2, 1)
    assert metrics.handed_off == 2
    assert metrics.with_person == 1
    assert metrics.answered_share == pytest.approx(3 / 5)
    assert metrics.hand_offs_by_reason == {
        "low_confidence": 1,
        "asked_for_person": 1,
        "repeat": 0,
        "frustration": 0,
    }


def test_an_answer_followed_by_a_hand_off_within_the_window_was_not_helpful(cast, week):
    start, end = _range()

    entries = autoreply_selectors.get_metrics(workspace=cast.shop, start=start, end=end).entries

    by_question = {e.question: (e.answered, e.not_helpful, e.helpful_share) for e in entries}
    assert by_question == {"多久发货": (1, 1, 0.0), "怎么申请退款": (1, 0, 1.0)}


def test_a_hand_off_long_after_the_answer_does_not_blame_it(cast, week):
    shipping_answer = ReplyLog.objects.get(query="多久发货")
    ReplyLog.objects.filter(pk=shipping_answer.pk).update(
        created_at=shipping_answer.created_at - timedelta(hours=2)
    )
    start, end = _range()

    entries = autoreply_selectors.get_metrics(workspace=cast.shop, start=start, end=end).entries

    assert {e.question: e.not_helpful for e in entries} == {"多久发货": 0, "怎么申请退款": 0}


def test_the_date_range_and_the_workspace_bound_the_numbers(cast, week):
    ReplyLog.objects.filter(query="优惠券").update(created_at=timezone.now() - timedelta(days=30))
    start, end = _range()

    mine = autoreply_selectors.get_metrics(workspace=cast.shop, start=start, end=end)
    theirs = autoreply_selectors.get_metrics(workspace=cast.other_shop, start=start, end=end)

    assert mine.answered_by_rule == 0
    assert (theirs.answered, theirs.handed_off, theirs.entries) == (0, 0, [])
    assert theirs.answered_share is None


def test_daily_outcomes_cover_every_day_of_the_range(cast, week):
    start, end = _range()

    days = autoreply_selectors.list_daily_outcomes(workspace=cast.shop, start=start, end=end)

    assert len(days) == 8
    assert sum(d.answered for d in days) == 3
    assert sum(d.handed_off for d in days) == 2
    assert days[-1].day == timezone.localdate(end)


def test_metrics_take_a_handful_of_queries(cast, week, django_assert_max_num_queries):
    start, end = _range()

    with django_assert_max_num_queries(5):
        autoreply_selectors.get_metrics(workspace=cast.shop, start=start, end=end)
