"""Bad input gets a clear error with a stable code, and nothing stored is lost or half-written."""

import pytest

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.services import Actor
from xiaonuo.events.models import Event
from xiaonuo.testing import api_client, make_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):
    _, secret = make_api_key(workspace=cast.shop)
    return api_client(secret)


def post(api, path, body):
    return api.post(path, body, content_type="application/json")


def test_malformed_json_is_rejected_with_its_code(api):
    response = post(api, "/api/v1/track", '{"batch": [')
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_wrong_types_are_rejected_with_their_location(api):
    response = post(
        api, "/api/v1/track", {"user_id": "u1", "event": "下单", "properties": "not an object"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert any("properties" in error["loc"] for error in body["errors"])


def test_a_batch_over_1000_events_is_refused_and_nothing_is_stored(api):
    batch = [{"user_id": "u1", "event": "e", "message_id": str(i)} for i in range(1001)]
    response = post(api, "/api/v1/track", {"batch": batch})
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert Event.objects.count() == 0


def test_one_bad_item_rejects_the_batch_and_names_each_problem(api):
    batch = [
        {"user_id": "u1", "event": "下单", "message_id": "ok-1"},
        {"user_id": "u2", "message_id": "no-name"},
        {"event": "下单", "message_id": "nobody"},
        {"user_id": "u3", "event": "下单", "timestamp": "2099-01-01T00:00:00Z"},
    ]
    response = post(api, "/api/v1/track", {"batch": batch})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_events"
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "event"),
        (2, "user_id"),
        (3, "timestamp"),
    ]
    assert Event.objects.count() == 0


def test_an_invalid_phone_in_identify_traits_is_reported_per_item(api):
    response = post(
        api, "/api/v1/identify", {"batch": [{"user_id": "u1", "traits": {"phone": "not-a-phone"}}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"index": 0, "field": "traits.phone", "message": "Not a phone number: 'not-a-phone'"}
    ]


def test_an_empty_batch_is_refused(api):
    response = post(api, "/api/v1/track", {"batch": []})
    assert response.status_code == 400
    assert response.json()["code"] == "empty_batch"


@pytest.mark.parametrize("header", [None, "Bearer xn_not-a-real-key", "Basic abc"])
def test_missing_or_unknown_keys_get_401(client, db, header):
    headers = {"Authorization": header} if header else {}
    response = client.post(
        "/api/v1/track",
        {"user_id": "u", "event": "e"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


def test_a_revoked_key_stops_working(cast):
    key, secret = make_api_key(workspace=cast.shop)
    accounts_services.revoke_api_key(
        workspace=cast.shop, api_key_id=key.pk, actor=Actor(user=cast.owner)
    )
    response = post(api_client(secret), "/api/v1/track", {"user_id": "u", "event": "e"})
    assert response.status_code == 401
    assert Event.objects.count() == 0


def test_duplicate_message_ids_are_stored_once(api):
    batch = [
        {"user_id": "u1", "event": "下单", "message_id": "m-1"},
        {"user_id": "u1", "event": "下单", "message_id": "m-1"},
    ]
    first = post(api, "/api/v1/track", {"batch": batch})
    again = post(api, "/api/v1/track", {"batch": batch})
    assert first.json() == {"accepted": 1, "duplicates": 1}
    assert again.json() == {"accepted": 0, "duplicates": 2}
    assert Event.objects.filter(message_id="m-1").count() == 1
