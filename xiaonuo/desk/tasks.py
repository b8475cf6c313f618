"""Background jobs of the desk. They take ids, are idempotent, and are enqueued on commit.
Periodic runs are scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import db_task

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk import services as desk_services


@db_task()
def fill_free_capacity(workspace_id: int) -> int:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    return desk_services.fill_free_capacity(workspace=workspace)


@db_task()
def push_message(message_id: int) -> str:
    return desk_services.push_message(message_id=message_id)


@db_task()
def close_solved_tickets() -> int:
    """Every workspace's solved tickets past their auto-close delay (daily)."""
    return sum(
        desk_services.close_solved_tickets(workspace=workspace)
        for workspace in Workspace.objects.order_by("pk").iterator()
    )
