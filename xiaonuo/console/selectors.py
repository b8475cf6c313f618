from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.customers.models import Customer
from xiaonuo.events import selectors as events_selectors


@dataclass
class TodayCounts:
    customers_total: int
    customers_new_today: int
    events_today: int
    events_yesterday: int


def get_today_counts(*, workspace: Workspace) -> TodayCounts:
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    day = timedelta(days=1)
    return TodayCounts(
        customers_total=Customer.objects.filter(workspace=workspace).count(),
        customers_new_today=Customer.objects.filter(workspace=workspace, created_at__gte=start).count(),
        events_today=events_selectors.count_events_between(workspace=workspace, start=start, end=start + day),
        events_yesterday=events_selectors.count_events_between(workspace=workspace, start=start - day, end=start),
    )
