"""The metrics page: answered share, hand-offs by reason, helpfulness per entry, the daily
chart, and the weekly groups of unanswered questions, each one click from a new entry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import FaqEntry, UnansweredGroup, UnansweredStatus
from xiaonuo.autoreply.services import SettingsChanges
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(cast):
    """Two answered questions, a person asked for, and unanswered questions asked twice."""
    shop = cast.shop
    make_faq(workspace=shop)
    wechat = make_wechat_channel(workspace=shop)
    assert ask(workspace=shop, channel=wechat, text="下单后几天发货", openid="o1") is not None
    assert ask(workspace=shop, channel=wechat, text="你们几点开门", openid="o2") is not None
    ask(workspace=shop, channel=wechat, text="转人工", openid="o3")
    autoreply_services.update_settings(workspace=shop, changes=SettingsChanges(threshold=0.999))
    ask(workspace=shop, channel=wechat, text="吸管是纸做的还是塑料的", openid="o4")
    ask(workspace=shop, channel=wechat, text="吸管是纸的还是塑料的呀", openid="o5")
    autoreply_services.group_unanswered(workspace=shop, now=timezone.now() + timedelta(minutes=1))
    return shop


def test_an_account_without_traffic_shows_empty_numbers_and_says_so(cast):
    body = signed_in(cast.viewer).get("/autoreply/metrics/").content.decode()
    assert "暂时没有待处理的问题组" in body
    assert "xn-autoreply-chart-data" not in body


def test_the_numbers_count_answers_and_hand_offs_by_reason(cast, busy):
    response = signed_in(cast.viewer).get("/autoreply/metrics/")

    m = response.context["m"]
    assert (m.answered, m.handed_off) == (2, 3)
    assert response.context["answered_percent"] == 40
    reasons = dict(response.context["reasons"])
    assert reasons["用户要求人工"] == 1
    assert reasons["机器人没有把握（置信度低于阈值）"] == 2
    assert {e.question for e in m.entries} == {"多久发货", "门店营业时间"}
    today = response.context["daily"][-1]
    assert (today.answered, today.handed_off) == (2, 3)
    body = response.content.decode()
    assert "xn-autoreply-chart-data" in body and "40%" in body


def test_the_date_range_narrows_the_numbers(cast, busy):
    last_month = (timezone.localdate() - timedelta(days=40)).isoformat()
    response = signed_in(cast.viewer).get(
        f"/autoreply/metrics/?start={last_month}&end={last_month}"
    )
    assert response.context["m"].answered == 0
    assert len(response.context["daily"]) == 1


def test_an_unanswered_group_becomes_an_entry_in_one_click(cast, busy):
    group = UnansweredGroup.objects.get(workspace=cast.shop)
    client = signed_in(cast.operator)
    body = client.get("/autoreply/metrics/").content.decode()
    assert "吸管是纸" in body and "新建为问答" in body

    response = client.post(f"/autoreply/groups/{group.pk}/accept/")

    entry = FaqEntry.objects.get(workspace=cast.shop, question__startswith="吸管")
    assert response.status_code == 302 and response.url == f"/autoreply/entries/{entry.pk}/"
    assert entry.enabled is False  # waits for its answer
    group.refresh_from_db()
    assert group.status == UnansweredStatus.ACCEPTED and group.entry == entry


def test_a_group_is_dismissed_and_deciding_twice_is_refused_plainly(cast, busy):
    group = UnansweredGroup.objects.get(workspace=cast.shop)
    client = signed_in(cast.owner)

    client.post(f"/autoreply/groups/{group.pk}/dismiss/")
    group.refresh_from_db()
    assert group.status == UnansweredStatus.DISMISSED

    again = client.post(f"/autoreply/groups/{group.pk}/accept/", follow=True)
    assert "这组问题已经处理过了" in again.content.decode()
    assert not FaqEntry.objects.filter(question__startswith="吸管").exists()


@pytest.mark.parametrize("persona", ["agent", "viewer"])
def test_only_people_who_manage_auto_reply_decide_on_groups(cast, busy, persona):
    group = UnansweredGroup.objects.get(workspace=cast.shop)
    client = signed_in(getattr(cast, persona))
    assert "新建为问答" not in client.get("/autoreply/metrics/").content.decode()
    assert client.post(f"/autoreply/groups/{group.pk}/accept/").status_code == 403
    assert client.post(f"/autoreply/groups/{group.pk}/dismiss/").status_code == 403
    group.refresh_from_db()
    assert group.status == UnansweredStatus.SUGGESTED
