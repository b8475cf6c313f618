import pytest

from xiaonuo.accounts.models import AuditEntry
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.events.models import Event
from xiaonuo.testing import api_client, make_api_key, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):
    _, secret = make_api_key(workspace=cast.shop)
    return api_client(secret)


def track(api, **item):
    response = api.post("/api/v1/track", item, content_type="application/json")
    assert response.status_code == 202, response.content
    return response


def test_get_returns_the_profile_with_identities_and_tags(cast, api):
    customer = make_customer(workspace=cast.shop, name="陈静", phone="13800138000", tags=["奶茶控"])
    body = api.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["name"] == "陈静"
    assert body["tags"] == ["奶茶控"]
    assert {"kind": "phone", "value": "13800138000"} in body["identities"]
    assert body["lifecycle_stage"] == "new"


def test_patch_changes_only_the_given_fields_and_validates_attributes(cast, api):
    customers_services.declare_attribute(
        workspace=cast.shop, key="level", label="会员等级", type="choice", choices=["银卡", "金卡"]
    )
    customer = make_customer(workspace=cast.shop, name="陈静", city="杭州")
    response = api.patch(
        f"/api/v1/customers/{customer.pk}",
        {
            "attributes": {"level": "金卡"},
            "is_seed": True,
            "identities": {"email": "Chen@Example.com"},
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["city"] == "杭州"
    assert body["attributes"] == {"level": "金卡"}
    assert body["is_seed"] is True
    assert {"kind": "email", "value": "chen@example.com"} in body["identities"]

    bad = api.patch(
        f"/api/v1/customers/{customer.pk}",
        {"attributes": {"level": "钻石"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "attribute_invalid"
    unknown = api.patch(
        f"/api/v1/customers/{customer.pk}",
        {"attributes": {"shoe": 42}},
        content_type="application/json",
    )
    assert unknown.json()["code"] == "attribute_unknown"
    assert Customer.objects.get(pk=customer.pk).attributes == {"level": "金卡"}


def test_an_identity_of_another_customer_cannot_be_taken(cast, api):
    make_customer(workspace=cast.shop, name="甲", phone="13800138000")
    other = make_customer(workspace=cast.shop, name="乙")
    response = api.patch(
        f"/api/v1/customers/{other.pk}",
        {"identities": {"phone": "138 0013 8000"}},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "identity_taken"


@pytest.mark.parametrize(
    ("query", "kind", "value"),
    [
        ("phone=%2B86%20138-0013-8000", "phone", "13800138000"),
        ("email=chen%40example.com", "email", "chen@example.com"),
        ("openid=o6_bmjrPTlm6", "openid", "o6_bmjrPTlm6"),
        ("external_id=M10086", "external_id", "M10086"),
    ],
)
def test_lookup_by_any_identity_finds_the_customer(cast, api, query, kind, value):
    customer = make_customer(workspace=cast.shop, name="陈静", identities={kind: value})
    body = api.get(f"/api/v1/customers?{query}").json()
    assert [item["id"] for item in body["items"]] == [customer.pk]


def test_lookup_of_an_unknown_identity_is_empty_and_needs_exactly_one_identity(cast, api):
    assert api.get("/api/v1/customers?phone=13900000000").json() == {"items": []}
    response = api.get("/api/v1/customers")
    assert response.status_code == 400
    assert response.json()["code"] == "lookup_needs_one_identity"


def test_events_are_paged_newest_first(cast, api):
    for day in range(1, 6):
        track(
            api,
            user_id="M1",
            event=f"第{day}天",
            timestamp=f"2026-10-0{day}T12:00:00+08:00",
            message_id=f"d{day}",
        )
    customer_id = Identity.objects.get(workspace=cast.shop, value="M1").customer_id
    page = api.get(f"/api/v1/customers/{customer_id}/events?limit=2&offset=0").json()
    assert page["count"] == 5
    assert [e["event"] for e in page["items"]] == ["第5天", "第4天"]
    page2 = api.get(f"/api/v1/customers/{customer_id}/events?limit=2&offset=2").json()
    assert [e["event"] for e in page2["items"]] == ["第3天", "第2天"]


def test_delete_erases_the_person_and_everything_about_them(cast, api):
    track(api, user_id="M7", event="下单", message_id="x1")
    api.post(
        "/api/v1/identify",
        {"user_id": "M7", "traits": {"name": "陈静", "phone": "13800138000"}},
        content_type="application/json",
    )
    customer_id = Identity.objects.get(workspace=cast.shop, value="M7").customer_id

    response = api.delete(f"/api/v1/customers/{customer_id}")

    assert response.status_code == 204
    assert api.get(f"/api/v1/customers/{customer_id}").status_code == 404
    assert not Identity.objects.filter(
        workspace=cast.shop, value__in=["M7", "13800138000"]
    ).exists()
    assert not Event.objects.filter(workspace=cast.shop, user_id="M7").exists()
    entry = AuditEntry.objects.get(workspace=cast.shop, action="erase")
    assert entry.target_id == str(customer_id)
    assert "13800138000" not in str(entry.detail) and "陈静" not in str(entry.detail)


def test_a_merged_id_answers_with_the_survivor(cast, api):
    survivor = make_customer(workspace=cast.shop, name="陈静")
    merged = make_customer(workspace=cast.shop, name="陈静 (旧)")
    customers_services.merge_customers(
        workspace=cast.shop,
        survivor_id=survivor.pk,
        merged_id=merged.pk,
        actor=customers_services.Actor(user=cast.owner),
    )
    response = api.get(f"/api/v1/customers/{merged.pk}")
    assert response.status_code == 404
    assert response.json() == {
        "code": "customer_merged",
        "message": "Customer was merged into another",
        "merged_into": survivor.pk,
    }


def test_openapi_schema_is_served_without_a_key(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/track", "/api/v1/identify", "/api/v1/customers/{customer_id}"} <= set(paths)


def test_the_api_docs_page_loads_nothing_from_outside(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui-bundle.js" in body
    assert "https://" not in body and "http://" not in body.replace("http://testserver", "")
