"""Background jobs of the analytics app; scheduled in ``xiaonuo/schedule.py``."""

import logging

from huey.contrib.djhuey import db_task

from xiaonuo.accounts.models import Workspace
from xiaonuo.analytics import lifecycle_stage

logger = logging.getLogger(__name__)


@db_task()
def update_lifecycle_stages() -> int:
    """Every workspace's customers get the stage their behaviour says; returns how many moved.
    One workspace failing (a broken lake file) does not stop the others."""
    moved = 0
    for workspace in Workspace.objects.order_by("id"):
        try:
            moved += lifecycle_stage.update_stages(workspace=workspace).written
        except Exception:
            logger.exception("lifecycle stages of workspace %s failed", workspace.slug)
    return moved
