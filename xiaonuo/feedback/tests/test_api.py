"""POST and GET /api/v1/reviews: batches all or nothing, idempotent, tenancy."""

import json

import pytest

from xiaonuo.feedback.models import Review
from xiaonuo.feedback.services import MAX_BATCH
from xiaonuo.testing import api_client, make_api_key, make_customer

pytestmark = pytest.mark.django_db


def post(client, batch):
    return client.post(
        "/api/v1/reviews", json.dumps({"batch": batch}), content_type="application/json"
    )


@pytest.fixture
def client(cast):
    _, secret = make_api_key(workspace=cast.shop)
    return api_client(secret)


def item(**over):
    return {
        "text": "服务员态度很差，等了半小时",
        "platform": "meituan",
        "external_id": "MT-1",
        "store": "长沙五一广场店",
        "product": "杨枝甘露",
        "rating": "1",
        "reviewed_at": "2026-03-02 12:30:00",
        **over,
    }


def test_a_batch_is_stored_enriched_and_idempotent(
    cast, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, [item(), item(external_id="MT-2", text="杨枝甘露很好喝，推荐")])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] == 2 and body["duplicates"] == 0
    first = Review.objects.get(pk=body["ids"][0])
    assert first.sentiment == "negative" and first.enriched_at is not None
    assert {"aspect": "service", "polarity": "negative"} in first.aspects
    assert first.rating == 1 and first.reviewed_at.utcoffset() is not None
    again = post(client, [item(), item(external_id="MT-2")])
    assert again.status_code == 201
    assert again.json() == {"created": 0, "duplicates": 2, "ids": body["ids"]}
    assert Review.objects.filter(workspace=cast.shop).count() == 2


def test_reviews_without_an_id_are_deduplicated_by_content(cast, client):
    same = item(external_id=None, author_name="小王")
    body = post(client, [same, same]).json()
    assert body["created"] == 1 and body["duplicates"] == 1 and body["ids"][0] == body["ids"][1]


def test_one_bad_item_stores_nothing_and_names_the_item_and_field(cast, client):
    response = post(
        client, [item(), item(external_id="x", text="  "), item(external_id="y", rating="九星")]
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "review_invalid"
    problems = {(e["where"], e["field"]) for e in body["errors"]}
    assert problems == {("batch[1]", "text"), ("batch[2]", "rating")}
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"reviewed_at": "昨天"}, "reviewed_at"),
        ({"platform": "amazon"}, "platform"),
        ({"rating": 7}, "rating"),
        ({"text": "好" * 5001}, "text"),
    ],
)
def test_bad_fields_have_stable_codes(cast, client, over, field):
    response = post(client, [item(**over)])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_a_batch_over_the_limit_is_refused(cast, client):
    response = post(client, [item(external_id=str(i)) for i in range(MAX_BATCH + 1)])
    assert response.status_code == 413 and response.json()["code"] == "batch_too_large"
    assert post(client, []).json()["code"] == "batch_empty"


def test_a_review_is_linked_to_the_customer_its_phone_names(cast, client):
    customer = make_customer(workspace=cast.shop, phone="13800138000")
    body = post(client, [item(author_handle="+86 138 0013 8000")]).json()
    assert Review.objects.get(pk=body["ids"][0]).customer_id == customer.pk


def test_get_lists_and_filters_only_the_workspaces_reviews(
    cast, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client, [item(), item(external_id="MT-2", text="杨枝甘露很好喝", store="深圳福田CBD店")]
        )
    _, other_secret = make_api_key(workspace=cast.other_shop)
    other = api_client(other_secret)
    assert other.get("/api/v1/reviews").json()["reviews"] == []
    page = client.get("/api/v1/reviews?sentiment=negative").json()
    assert [r["external_id"] for r in page["reviews"]] == ["MT-1"]
    page = client.get("/api/v1/reviews?limit=1").json()
    assert len(page["reviews"]) == 1 and page["next_before"] is not None
    rest = client.get(f"/api/v1/reviews?limit=1&before={page['next_before']}").json()
    assert len(rest["reviews"]) == 1 and rest["next_before"] is None
    # Another workspace posting the same external id stores its own review.
    assert post(other, [item()]).json()["created"] == 1
