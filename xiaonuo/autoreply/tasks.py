"""Background jobs of auto-reply. They take ids, are idempotent, and are listed in
``xiaonuo/schedule.py`` when periodic."""

from huey.contrib.djhuey import db_task

from xiaonuo.accounts.models import Workspace
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import UnansweredQuestion


@db_task()
def group_unanswered_questions() -> int:
    """Every workspace with ungrouped unanswered questions: last week's become suggested
    entries. Returns how many groups were made."""
    workspace_ids = (
        UnansweredQuestion.objects.filter(group__isnull=True)
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    made = 0
    for workspace in Workspace.objects.filter(pk__in=list(workspace_ids)).order_by("pk"):
        made += len(autoreply_services.group_unanswered(workspace=workspace))
    return made
