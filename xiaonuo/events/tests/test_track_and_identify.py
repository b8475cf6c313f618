import pytest

from xiaonuo.customers.models import Identity
from xiaonuo.events.models import Event
from xiaonuo.testing import api_client, make_api_key

pytestmark = pytest.mark.django_db


def test_a_track_batch_is_stored_and_answered_202(cast):
    _, secret = make_api_key(workspace=cast.shop)
    batch = [
        {"user_id": f"u{i}", "event": "下单", "message_id": f"m{i}", "properties": {"amount": 18}}
        for i in range(5)
    ]
    response = api_client(secret).post(
        "/api/v1/track", {"batch": batch}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 5, "duplicates": 0}
    assert Event.objects.filter(workspace=cast.shop, name="下单").count() == 5


def test_anonymous_events_join_the_customer_on_identify(cast):
    _, secret = make_api_key(workspace=cast.shop)
    client = api_client(secret)
    client.post(
        "/api/v1/track",
        {"anonymous_id": "dev-1", "event": "浏览菜单"},
        content_type="application/json",
    )
    response = client.post(
        "/api/v1/identify",
        {
            "user_id": "u-42",
            "anonymous_id": "dev-1",
            "traits": {"name": "陈静", "phone": "+86 138-0013-8000"},
        },
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    customer_id = Identity.objects.get(
        workspace=cast.shop, kind="external_id", value="u-42"
    ).customer_id
    assert Event.objects.get(name="浏览菜单").customer_id == customer_id
    assert Identity.objects.get(workspace=cast.shop, kind="phone").value == "13800138000"


def test_an_identify_that_merges_a_record_keeps_the_batchs_other_events_with_the_survivor(cast):
    # Given 陈静 known twice: as member u2 with her phone, and as app user u1 (not yet linked)
    _, secret = make_api_key(workspace=cast.shop)
    client = api_client(secret)
    client.post(
        "/api/v1/identify",
        {"user_id": "u2", "traits": {"phone": "13800138000"}},
        content_type="application/json",
    )
    client.post("/api/v1/identify", {"user_id": "u1"}, content_type="application/json")

    # When one batch tracks u2 and identifies u1 with that phone (so u2's record merges into u1's)
    batch = [
        {"type": "track", "user_id": "u2", "event": "下单", "message_id": "t-1"},
        {
            "type": "identify",
            "user_id": "u1",
            "traits": {"phone": "13800138000"},
            "message_id": "i-1",
        },
        {"type": "track", "user_id": "u2", "event": "支付成功", "message_id": "t-2"},
    ]
    response = client.post("/api/v1/track", {"batch": batch}, content_type="application/json")

    # Then every event is stored, on the one surviving customer
    assert response.status_code == 202, response.content
    survivor = Identity.objects.get(workspace=cast.shop, value="u1").customer_id
    assert Identity.objects.get(workspace=cast.shop, value="u2").customer_id == survivor
    assert set(
        Event.objects.filter(message_id__in=["t-1", "i-1", "t-2"]).values_list(
            "customer_id", flat=True
        )
    ) == {survivor}
