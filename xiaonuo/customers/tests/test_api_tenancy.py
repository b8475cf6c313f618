"""An API key of workspace B never reads or changes anything of workspace A."""

import pytest

from xiaonuo.customers.models import Customer, Identity
from xiaonuo.events.models import Event
from xiaonuo.testing import api_client, make_api_key, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_customer(cast):
    customer = make_customer(
        workspace=cast.shop,
        name="陈静",
        phone="13800138000",
        identities={"email": "chen@example.com", "openid": "oA1", "external_id": "M1"},
    )
    _, secret = make_api_key(workspace=cast.shop)
    api_client(secret).post(
        "/api/v1/track", {"user_id": "M1", "event": "下单"}, content_type="application/json"
    )
    return customer


@pytest.fixture
def other_api(cast):
    _, secret = make_api_key(workspace=cast.other_shop)
    return api_client(secret)


@pytest.mark.parametrize(
    ("method", "path_template", "body"),
    [
        ("get", "/api/v1/customers/{id}", None),
        ("patch", "/api/v1/customers/{id}", {"name": "改名"}),
        ("delete", "/api/v1/customers/{id}", None),
        ("get", "/api/v1/customers/{id}/events", None),
    ],
)
def test_every_customer_endpoint_answers_404_for_another_workspace(
    a_customer, other_api, method, path_template, body
):
    path = path_template.format(id=a_customer.pk)
    kwargs = {"data": body, "content_type": "application/json"} if body else {}
    response = getattr(other_api, method)(path, **kwargs)
    assert response.status_code == 404
    assert response.json()["code"] == "customer_not_found"
    assert Customer.objects.get(pk=a_customer.pk).name == "陈静"


@pytest.mark.parametrize(
    "query", ["phone=13800138000", "email=chen@example.com", "openid=oA1", "external_id=M1"]
)
def test_lookup_never_finds_another_workspaces_customer(a_customer, other_api, query):
    assert other_api.get(f"/api/v1/customers?{query}").json() == {"items": []}


def test_events_for_the_same_user_id_stay_in_their_own_workspace(cast, a_customer, other_api):
    other_api.post(
        "/api/v1/track",
        {"user_id": "M1", "event": "下单", "message_id": "same"},
        content_type="application/json",
    )
    b_customer = Identity.objects.get(workspace=cast.other_shop, value="M1").customer_id
    assert b_customer != a_customer.pk
    assert Event.objects.filter(workspace=cast.shop).count() == 1
    assert Event.objects.get(workspace=cast.other_shop).customer_id == b_customer
