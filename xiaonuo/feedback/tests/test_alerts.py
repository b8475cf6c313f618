"""Spike alerts against a store's own history, stored once, sent through the webhook."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.models import WebhookDelivery, WebhookEndpoint
from xiaonuo.accounts.services import Actor
from xiaonuo.feedback import alerts
from xiaonuo.feedback.models import Alert, AlertStatus
from xiaonuo.feedback.tests.helpers import PRODUCT_GOOD, SERVICE_BAD, add_reviews

pytestmark = pytest.mark.django_db


def history(workspace, now, *, weekly_bad, this_week_bad, store="A店"):
    def row(text, author, at):
        return {"text": text, "store": store, "author_name": author, "reviewed_at": at}

    rows = [
        row(SERVICE_BAD, f"w{week}-{i}", now - timedelta(weeks=week, hours=i + 1))
        for week in range(1, 9)
        for i in range(weekly_bad)
    ]
    rows += [
        row(PRODUCT_GOOD, f"g{week}", now - timedelta(weeks=week, hours=30)) for week in range(1, 9)
    ]
    rows += [
        row(SERVICE_BAD, f"now-{i}", now - timedelta(hours=i + 1)) for i in range(this_week_bad)
    ]
    add_reviews(workspace, rows)


def test_a_spike_raises_one_alert_and_a_webhook(cast):
    now = timezone.now()
    endpoint = WebhookEndpoint.objects.create(
        workspace=cast.shop, url="https://example.com/hook", events=["feedback.alert"], secret="s"
    )
    history(cast.shop, now, weekly_bad=1, this_week_bad=8)
    raised = alerts.check_alerts(workspace=cast.shop, now=now)
    kinds = {(a.kind, a.scope, a.scope_value) for a in raised}
    assert ("negative_reviews", "store", "A店") in kinds
    alert = next(a for a in raised if a.kind == "negative_reviews")
    assert alert.count == 8 and alert.baseline_median == 1
    delivery = WebhookDelivery.objects.filter(endpoint=endpoint, event="feedback.alert").first()
    assert delivery is not None and delivery.payload["value"] == "A店"
    # The hourly check again: nothing new while the alert is open.
    assert alerts.check_alerts(workspace=cast.shop, now=now + timedelta(hours=1)) == []
    alerts.acknowledge_alert(workspace=cast.shop, alert_id=alert.pk, actor=Actor(user=cast.owner))
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED


def test_a_usual_week_raises_nothing(cast):
    now = timezone.now()
    history(cast.shop, now, weekly_bad=6, this_week_bad=7)
    assert alerts.check_alerts(workspace=cast.shop, now=now) == []


def test_a_store_without_history_raises_nothing(cast):
    now = timezone.now()
    add_reviews(
        cast.shop,
        [
            {
                "text": SERVICE_BAD,
                "store": "新店",
                "author_name": str(i),
                "reviewed_at": now - timedelta(hours=i + 1),
            }
            for i in range(10)
        ],
    )
    assert alerts.check_alerts(workspace=cast.shop, now=now) == []


def test_alerts_are_per_workspace(cast):
    now = timezone.now()
    history(cast.shop, now, weekly_bad=1, this_week_bad=8)
    assert alerts.check_alerts(workspace=cast.other_shop, now=now) == []
    alert = alerts.check_alerts(workspace=cast.shop, now=now)[0]
    with pytest.raises(Exception) as caught:
        alerts.acknowledge_alert(workspace=cast.other_shop, alert_id=alert.pk, actor=Actor())
    assert caught.value.code == "alert_not_found"
