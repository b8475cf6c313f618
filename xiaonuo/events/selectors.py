from datetime import datetime

from django.db.models import QuerySet

from xiaonuo.accounts.models import Workspace
from xiaonuo.events.models import Event


def list_customer_events(*, workspace: Workspace, customer_id: int) -> QuerySet[Event]:
    """A customer's timeline, newest first (served by the ``event_customer_ts`` index)."""
    return Event.objects.filter(workspace=workspace, customer_id=customer_id).order_by("-timestamp", "-id")


def count_events_between(*, workspace: Workspace, start: datetime, end: datetime) -> int:
    return Event.objects.filter(workspace=workspace, timestamp__gte=start, timestamp__lt=end).count()
