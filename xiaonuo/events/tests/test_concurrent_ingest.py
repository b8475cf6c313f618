"""Two API workers meeting the same new users at the same moment: no error, one customer each."""

import threading

import pytest
from django.db import connection

from xiaonuo.accounts.services import Actor
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.events import services as events_services
from xiaonuo.events.models import Event
from xiaonuo.events.services import IncomingEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_with_the_same_new_users_create_each_customer_once(cast):
    users = [f"new-{i}" for i in range(300)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            start.wait()
            for round_ in range(3):
                items = [
                    IncomingEvent(type="track", event="下单", user_id=u, message_id=f"w{n}-r{round_}-{u}")
                    for u in (users if n % 2 else list(reversed(users)))
                ]
                events_services.ingest_events(workspace=cast.shop, items=items, actor=Actor())
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert Identity.objects.filter(workspace=cast.shop, kind="external_id").count() == 300
    assert Customer.objects.filter(workspace=cast.shop).count() == 300
    assert Event.objects.filter(workspace=cast.shop).count() == 4 * 3 * 300
    assert not Event.objects.filter(workspace=cast.shop, customer__isnull=True).exists()
