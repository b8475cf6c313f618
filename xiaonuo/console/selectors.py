from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.customers.models import Customer, LifecycleStage
from xiaonuo.events import selectors as events_selectors


@dataclass
class TodayCounts:
    customers_total: int
    customers_new_today: int
    events_today: int
    events_yesterday: int


def get_today_counts(*, workspace: Workspace) -> TodayCounts:
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    yesterday = today - timedelta(days=1)
    events = events_selectors.get_event_counts_by_day(workspace=workspace, days=[today, yesterday])
    return TodayCounts(
        customers_total=Customer.objects.filter(workspace=workspace).count(),
        customers_new_today=Customer.objects.filter(
            workspace=workspace, created_at__gte=start
        ).count(),
        events_today=events[today],
        events_yesterday=events[yesterday],
    )


@dataclass
class StageCount:
    stage: str
    label: str
    count: int


def get_lifecycle_distribution(*, workspace: Workspace) -> list[StageCount]:
    """Customers per lifecycle stage, every stage listed (zero included), in the stage order.

    One GROUP BY served by the (workspace, lifecycle_stage, -id) index.
    """
    counts = dict(
        Customer.objects.filter(workspace=workspace)
        .values("lifecycle_stage")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("lifecycle_stage", "n")
    )
    return [
        StageCount(stage=value, label=str(label), count=counts.get(value, 0))
        for value, label in LifecycleStage.choices
    ]
