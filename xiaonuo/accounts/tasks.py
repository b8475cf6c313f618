"""Background jobs of the accounts app. Periodic runs are scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import db_task

from xiaonuo.accounts import services as accounts_services


@db_task()
def purge_expired_invites() -> int:
    return accounts_services.purge_expired_invites()
