"""Background jobs of message search. Periodic runs are scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import db_task

from xiaonuo.desk.search import services as search_services


@db_task()
def catch_up_index() -> int:
    """Index every message not indexed yet (idempotent; also the first back-fill)."""
    return search_services.catch_up_index()


@db_task()
def index_messages(message_ids: list[int]) -> int:
    return search_services.index_messages(message_ids=message_ids)
