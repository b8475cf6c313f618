"""Background jobs of the channels app. Periodic runs are scheduled in ``xiaonuo/schedule.py``."""

from huey.contrib.djhuey import db_task

from xiaonuo.channels import services as channels_services


@db_task()
def purge_wechat_deliveries() -> int:
    return channels_services.purge_wechat_deliveries()
