"""Background jobs of the SLA. The periodic run is scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import db_task

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk.sla import services as sla_services
from xiaonuo.desk.sla.models import SlaPolicy


@db_task()
def record_sla_events() -> int:
    """Every workspace with an SLA policy: warnings, breaches and met targets, each recorded
    once (idempotent; a run delivered twice writes nothing twice)."""
    workspace_ids = SlaPolicy.objects.values_list("workspace_id", flat=True).distinct()
    total = 0
    for workspace in Workspace.objects.filter(pk__in=workspace_ids).order_by("pk").iterator():
        total += sla_services.record_sla_events(workspace=workspace).total
    return total
