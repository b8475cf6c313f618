"""Background jobs of the surveys. Scheduled in ``xiaonuo/schedule.py``; each is idempotent
(decisions are stored under unique constraints; the praise scan keeps its place)."""

from huey.contrib.djhuey import db_task

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk.surveys import services as surveys_services


@db_task()
def create_csat_invitations() -> int:
    """Every workspace's tickets solved since the last run (every five minutes)."""
    total = 0
    for workspace in Workspace.objects.order_by("pk").iterator():
        summary = surveys_services.create_csat_invitations(workspace=workspace)
        total += summary.sent + summary.ready
    return total


@db_task()
def create_nps_invitations() -> int:
    """Every workspace with NPS on (daily)."""
    total = 0
    for workspace in Workspace.objects.order_by("pk").iterator():
        summary = surveys_services.create_nps_invitations(workspace=workspace)
        total += summary.ready + summary.sent
    return total


@db_task()
def scan_messages_for_praise() -> int:
    """Customer messages since the last run, every workspace (every five minutes)."""
    return surveys_services.scan_messages_for_praise()
