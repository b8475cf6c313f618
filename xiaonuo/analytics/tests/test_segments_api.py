"""The segments API: create, list, count and page, with codes for bad input and workspaces kept
apart (别家's key never sees or counts 茶语's segments)."""

import pytest

from xiaonuo.analytics import segments
from xiaonuo.analytics.tests.test_segments import decorate
from xiaonuo.customers.models import Customer
from xiaonuo.testing import api_client, make_api_key, make_customer

pytestmark = pytest.mark.django_db
VIP = {"conditions": [{"type": "tag", "op": "has", "value": "VIP"}]}


@pytest.fixture
def keys(cast):
    for n in range(12):
        make_customer(workspace=cast.shop, name=f"客户{n}")
    make_customer(workspace=cast.other_shop, name="别家客户")
    decorate(cast.shop)
    decorate(cast.other_shop)
    _, shop_secret = make_api_key(workspace=cast.shop)
    _, other_secret = make_api_key(workspace=cast.other_shop)
    return api_client(shop_secret), api_client(other_secret)


def test_create_list_count_and_page(cast, keys):
    shop, _ = keys
    created = shop.post(
        "/api/v1/segments",
        {"name": "VIP 客户", "definition": VIP},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    segment_id = created.json()["id"]
    assert [s["name"] for s in shop.get("/api/v1/segments").json()["items"]] == ["VIP 客户"]
    expected = sorted(
        Customer.objects.filter(workspace=cast.shop, tags__name="VIP").values_list("id", flat=True)
    )
    count = shop.get(f"/api/v1/segments/{segment_id}/count").json()
    assert count == {"id": segment_id, "customers": len(expected)}
    seen, after = [], 0
    while True:
        page = shop.get(f"/api/v1/segments/{segment_id}/customers?after_id={after}&limit=2").json()
        seen += [c["id"] for c in page["items"]]
        if page["next_after_id"] is None:
            break
        after = page["next_after_id"]
    assert seen == expected


def test_bad_definitions_get_a_stable_code(keys):
    shop, _ = keys
    for body, where in [
        (
            {"name": "x", "definition": {"conditions": [{"type": "tag", "op": "like"}]}},
            "conditions.0",
        ),
        ({"name": "x", "definition": {"match": "all"}}, "conditions"),
        (
            {"name": "x", "definition": {"conditions": [{"type": "seed", "value": True}], "x": 1}},
            "x",
        ),
    ]:
        response = shop.post("/api/v1/segments", body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "segment_invalid"
        assert response.json()["field"].startswith(where)
    taken = {"name": "同名", "definition": VIP}
    assert shop.post("/api/v1/segments", taken, content_type="application/json").status_code == 201
    again = shop.post("/api/v1/segments", taken, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "segment_name_taken"


def test_another_workspace_cannot_see_or_count_a_segment(cast, keys):
    _, other = keys
    mine = segments.save_segment(workspace=cast.shop, name="VIP", definition=VIP)
    assert other.get("/api/v1/segments").json()["items"] == []
    for path in (f"/api/v1/segments/{mine.pk}/count", f"/api/v1/segments/{mine.pk}/customers"):
        response = other.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "segment_not_found"
    # 别家's own segment with the same rules counts only 别家's customers.
    theirs = other.post(
        "/api/v1/segments", {"name": "VIP", "definition": VIP}, content_type="application/json"
    ).json()
    count = other.get(f"/api/v1/segments/{theirs['id']}/count").json()["customers"]
    assert count == Customer.objects.filter(workspace=cast.other_shop, tags__name="VIP").count()


def test_without_a_key_nothing_is_served(cast):
    from django.test import Client

    assert Client().get("/api/v1/segments").status_code == 401
