"""Background jobs of the events app; scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import db_task

from xiaonuo.events import compaction


@db_task()
def compact_event_lake() -> int:
    try:
        return compaction.compact().read
    except compaction.CompactionBlocked:
        return 0  # an old transaction is open: the next run continues from the watermark


@db_task()
def purge_compacted_tail() -> int:
    return compaction.purge_compacted_tail()
