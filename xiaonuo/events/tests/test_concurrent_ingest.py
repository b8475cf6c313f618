"""Two API workers meeting the same new users at the same moment: no error, one customer each."""

import threading

import pytest
from django.db import connection

from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
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
                    IncomingEvent(
                        type="track", event="下单", user_id=u, message_id=f"w{n}-r{round_}-{u}"
                    )
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


@pytest.mark.django_db(transaction=True)
def test_a_customer_merged_between_look_up_and_write_gets_the_event_on_the_survivor(
    cast, monkeypatch
):
    def track(message_id: str, user_id: str) -> events_services.IngestResult:
        item = IncomingEvent(type="track", event="下单", user_id=user_id, message_id=message_id)
        return events_services.ingest_events(workspace=cast.shop, items=[item], actor=Actor())

    track("m1", "a")
    track("m2", "b")
    a, b = (Identity.objects.get(workspace=cast.shop, value=v).customer_id for v in ("a", "b"))
    look_up = events_services._look_up_customers
    stale = look_up(workspace=cast.shop, items=[IncomingEvent(type="track", user_id="b")])

    def merge_after_look_up(**kwargs):
        customers_services.merge_customers(
            workspace=cast.shop, survivor_id=a, merged_id=b, actor=Actor()
        )
        return stale  # still names b's old customer, now deleted

    monkeypatch.setattr(events_services, "_look_up_customers", merge_after_look_up)
    assert track("m3", "b").accepted == 1
    assert Event.objects.get(message_id="m3").customer_id == a
