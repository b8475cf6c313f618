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
