"""The dashboard's events-per-day counts, kept by the writer instead of an index on time."""

from datetime import date

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Identity
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events.models import Event
from xiaonuo.testing import api_client, make_api_key

pytestmark = pytest.mark.django_db

OCT_1, OCT_2 = date(2026, 10, 1), date(2026, 10, 2)


def track(secret, *events):
    response = api_client(secret).post(
        "/api/v1/track", {"batch": list(events)}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    return response.json()


def counts(workspace):
    return events_selectors.get_event_counts_by_day(workspace=workspace, days=[OCT_1, OCT_2])


def test_events_are_counted_on_their_local_day(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(
        secret,
        {
            "user_id": "u1",
            "event": "下单",
            "timestamp": "2026-10-01T23:30:00+08:00",
            "message_id": "a",
        },
        # 16:30 UTC on 1 October is already 2 October in Shanghai (TIME_ZONE).
        {"user_id": "u1", "event": "下单", "timestamp": "2026-10-01T16:30:00Z", "message_id": "b"},
        {
            "user_id": "u2",
            "event": "浏览菜单",
            "timestamp": "2026-10-02T09:00:00+08:00",
            "message_id": "c",
        },
    )
    assert counts(cast.shop) == {OCT_1: 1, OCT_2: 2}
    assert counts(cast.other_shop) == {OCT_1: 0, OCT_2: 0}


def test_duplicates_are_not_counted(cast):
    _, secret = make_api_key(workspace=cast.shop)
    event = {
        "user_id": "u1",
        "event": "下单",
        "timestamp": "2026-10-01T12:00:00+08:00",
        "message_id": "same",
    }
    assert track(secret, event, event) == {"accepted": 1, "duplicates": 1}
    assert track(secret, event) == {"accepted": 0, "duplicates": 1}
    assert counts(cast.shop)[OCT_1] == 1 == Event.objects.filter(workspace=cast.shop).count()


def test_a_bulk_import_is_counted(cast, tmp_path):
    from xiaonuo.events import lake_import

    path = tmp_path / "history.csv"
    path.write_text(
        "type,user_id,anonymous_id,event,properties,timestamp,message_id\n"
        "track,m-1,,下单,{},2026-10-01T12:30:00+08:00,e-1\n"
        "track,m-2,,下单,{},2026-10-02T08:00:00+08:00,e-2\n",
        encoding="utf-8",
    )
    lake_import.import_event_file(workspace=cast.shop, path=path)
    lake_import.import_event_file(workspace=cast.shop, path=path)  # all duplicates the second time
    assert counts(cast.shop) == {OCT_1: 1, OCT_2: 1}


def test_erasing_a_customer_takes_their_events_off_the_counts(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(
        secret,
        {
            "user_id": "gone",
            "event": "下单",
            "timestamp": "2026-10-01T12:00:00+08:00",
            "message_id": "g1",
        },
        {
            "user_id": "gone",
            "event": "下单",
            "timestamp": "2026-10-02T12:00:00+08:00",
            "message_id": "g2",
        },
        {
            "user_id": "stays",
            "event": "下单",
            "timestamp": "2026-10-02T13:00:00+08:00",
            "message_id": "s1",
        },
    )
    customer_id = Identity.objects.get(workspace=cast.shop, value="gone").customer_id
    customers_services.erase_customer(workspace=cast.shop, customer_id=customer_id, actor=Actor())
    assert counts(cast.shop) == {OCT_1: 0, OCT_2: 1}


def test_a_merge_keeps_the_counts(cast):
    _, secret = make_api_key(workspace=cast.shop)
    track(
        secret,
        {
            "user_id": "a",
            "event": "下单",
            "timestamp": "2026-10-01T12:00:00+08:00",
            "message_id": "m1",
        },
        {
            "user_id": "b",
            "event": "下单",
            "timestamp": "2026-10-01T13:00:00+08:00",
            "message_id": "m2",
        },
    )
    a, b = (Identity.objects.get(workspace=cast.shop, value=v).customer_id for v in ("a", "b"))
    customers_services.merge_customers(
        workspace=cast.shop, survivor_id=a, merged_id=b, actor=Actor()
    )
    assert counts(cast.shop)[OCT_1] == 2
