"""Spike alerts: a store's or product's negative reviews (or complaints) this week against its
own history (docs/decisions/0017).

The current window is the seven days ending tonight (Asia/Shanghai); the baseline is the same
count over each of the ``BASELINE_WEEKS`` weeks before it. A spike is a count at or above
``max(min_count, median + k · max(1.4826 · MAD, √median))`` and above the median: robust to one
bad week in the history, silent for a scope with little to say, and not fooled by a history so
steady that its MAD is zero (counts vary at least like a Poisson count, √median). A scope with fewer than
``MIN_HISTORY_WEEKS`` weeks of reviews before the window has no history to compare with.
One alert per scope and kind per day (unique), and none while an alert for the same scope and
kind raised in the past week is still open.
"""

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from xiaonuo.accounts import webhooks as accounts_webhooks
from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.feedback.exceptions import FeedbackError
from xiaonuo.feedback.models import Alert, AlertKind, AlertScope, AlertStatus, Review
from xiaonuo.feedback.services import get_settings
from xiaonuo.lib.errors import ServiceError

WEBHOOK_EVENT = "feedback.alert"
BASELINE_WEEKS = 8
MIN_HISTORY_WEEKS = 4
MAD_SCALE = 1.4826  # makes the MAD estimate the standard deviation of normal data


@dataclass(frozen=True)
class Spike:
    kind: str
    scope: str
    value: str
    count: int
    median: float
    mad: float
    threshold: float


def find_spikes(*, workspace: Workspace, now: datetime | None = None) -> list[Spike]:
    now = now or timezone.now()
    settings = get_settings(workspace=workspace)
    window_end = _window_end(now)
    start = window_end - timedelta(weeks=BASELINE_WEEKS + 1)
    history_before = window_end - timedelta(weeks=1 + MIN_HISTORY_WEEKS)
    spikes: list[Spike] = []
    for scope in AlertScope.values:
        first_seen = dict(
            Review.objects.filter(workspace=workspace)
            .exclude(**{scope: ""})
            .values(scope)
            .annotate(first=Min("reviewed_at"))
            .values_list(scope, "first")
        )
        for kind, condition in (
            (AlertKind.NEGATIVE_REVIEWS, {"sentiment": "negative"}),
            (AlertKind.COMPLAINTS, {"is_complaint": True}),
        ):
            weekly: dict[str, list[int]] = defaultdict(lambda: [0] * (BASELINE_WEEKS + 1))
            rows = (
                Review.objects.filter(
                    workspace=workspace, reviewed_at__gte=start, reviewed_at__lt=window_end
                )
                .filter(**condition)
                .exclude(**{scope: ""})
                .values_list(scope, "reviewed_at")
            )
            for value, moment in rows.iterator():
                weekly[value][(window_end - moment).days // 7] += 1
            for value, counts in weekly.items():
                if first_seen.get(value) is None or first_seen[value] > history_before:
                    continue
                current, history = counts[0], counts[1:]
                median = float(statistics.median(history))
                mad = float(statistics.median(abs(c - median) for c in history))
                spread = max(MAD_SCALE * mad, math.sqrt(median))
                threshold = max(
                    float(settings.alert_min_count), median + settings.alert_mad_k * spread
                )
                if current >= threshold and current > median:
                    spikes.append(
                        Spike(str(kind), str(scope), value, current, median, mad, threshold)
                    )
    return spikes


def _window_end(now: datetime) -> datetime:
    """Tomorrow's midnight in the server's zone: the current window is the last seven days."""
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time()))


def check_alerts(*, workspace: Workspace, now: datetime | None = None) -> list[Alert]:
    """Raise an alert for each new spike; returns the alerts raised by this run."""
    now = now or timezone.now()
    window_end = _window_end(now)
    raised: list[Alert] = []
    for spike in find_spikes(workspace=workspace, now=now):
        if Alert.objects.filter(
            workspace=workspace,
            kind=spike.kind,
            scope=spike.scope,
            scope_value=spike.value,
            status=AlertStatus.OPEN,
            created_at__gte=now - timedelta(days=7),
        ).exists():
            continue
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    workspace=workspace,
                    kind=spike.kind,
                    scope=spike.scope,
                    scope_value=spike.value,
                    window_start=window_end - timedelta(weeks=1),
                    window_end=window_end,
                    count=spike.count,
                    baseline_median=spike.median,
                    baseline_mad=spike.mad,
                    threshold=round(spike.threshold, 2),
                    created_at=now,
                )
                accounts_webhooks.publish(
                    workspace_id=workspace.pk, event=WEBHOOK_EVENT, payload=alert_payload(alert)
                )
        except IntegrityError:
            continue  # raised today already (an acknowledged alert stays acknowledged)
        raised.append(alert)
    return raised


def alert_payload(alert: Alert) -> dict[str, object]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "scope": alert.scope,
        "value": alert.scope_value,
        "count": alert.count,
        "baseline_median": alert.baseline_median,
        "threshold": alert.threshold,
        "window_start": alert.window_start,
        "window_end": alert.window_end,
    }


def acknowledge_alert(*, workspace: Workspace, alert_id: int, actor: Actor) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(workspace=workspace, pk=alert_id).first()
        if alert is None:
            raise ServiceError(FeedbackError.ALERT_NOT_FOUND, "No such alert", status=404)
        if alert.status == AlertStatus.OPEN:
            alert.status = AlertStatus.ACKNOWLEDGED
            alert.acknowledged_by = actor.user
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return alert
