"""Background jobs of message search. Periodic runs are scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import HUEY, db_task

from xiaonuo.desk.search import services as search_services

# Messages one periodic run indexes at most (about half a minute on SQLite): the first run on a
# database with millions of messages back-fills over several minutes' runs instead of holding
# the worker for one long one.
RUN_LIMIT = 100_000


@db_task()
@HUEY.lock_task("desk-search-catch-up")
def catch_up_index() -> int:
    """Index messages not indexed yet (idempotent; also the first back-fill). One run at a
    time: a run that finds the previous one still going is skipped."""
    return search_services.catch_up_index(max_messages=RUN_LIMIT)


@db_task()
def index_messages(message_ids: list[int]) -> int:
    return search_services.index_messages(message_ids=message_ids)
