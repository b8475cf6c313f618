"""Background jobs of the accounts app. Periodic runs are scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import db_task

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts import webhooks


@db_task()
def purge_expired_invites() -> int:
    return accounts_services.purge_expired_invites()


# Each delivery attempt is a task of its own: a receiver that hangs holds one worker thread for
# at most the request timeout, and never the caller of publish() or other deliveries.
@db_task()
def send_webhook_delivery(delivery_id: int, attempt: int) -> str:
    return webhooks.attempt_delivery(delivery_id=delivery_id, attempt=attempt)


@db_task()
def send_due_webhooks() -> int:
    return webhooks.enqueue_due_deliveries()


@db_task()
def purge_old_webhook_deliveries() -> int:
    return webhooks.purge_old_deliveries()
