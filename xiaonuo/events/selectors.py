from datetime import date

from django.db.models import QuerySet

from xiaonuo.accounts.models import Workspace
from xiaonuo.events.models import Event, EventDayCount


def list_customer_events(*, workspace: Workspace, customer_id: int) -> QuerySet[Event]:
    """A customer's timeline, newest first (served by the ``event_customer_ts`` index)."""
    return Event.objects.filter(workspace=workspace, customer_id=customer_id).order_by(
        "-timestamp", "-id"
    )


def get_event_counts_by_day(*, workspace: Workspace, days: list[date]) -> dict[date, int]:
    """Events per local day (``TIME_ZONE``), zero for a day without any: one indexed lookup in
    ``EventDayCount``, whatever the size of the events table."""
    stored = dict(
        EventDayCount.objects.filter(workspace=workspace, day__in=days).values_list("day", "count")
    )
    return {day: stored.get(day, 0) for day in days}
