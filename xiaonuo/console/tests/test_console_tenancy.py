"""孙老板 runs 别家 (workspace B). Every object of 茶语 (workspace A) is a 404 to him through
every console page and action — never a 403, which would confirm that the object exists."""

import pytest

from xiaonuo.accounts.models import ApiKey, AuditEntry, Membership
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.testing import make_api_key, make_customer, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def chayu(cast):
    """茶语's customer, its phone identity, API key and a membership; plus 别家's own customer."""
    chen = make_customer(workspace=cast.shop, name="陈静", phone="13812341234")
    key, _ = make_api_key(workspace=cast.shop)
    return {
        "customer": chen,
        "identity": Identity.objects.get(customer=chen, kind="phone"),
        "key": key,
        "membership": Membership.objects.get(workspace=cast.shop, user=cast.viewer),
        "own_customer": make_customer(workspace=cast.other_shop, name="孙的客人"),
    }


def requests(chayu):
    c, i, k, m, own = (
        chayu[n] for n in ("customer", "identity", "key", "membership", "own_customer")
    )
    return [
        ("get", f"/customers/{c.pk}/", {}),
        ("post", f"/customers/{c.pk}/edit/", {"lifecycle_stage": "churned"}),
        ("post", f"/customers/{c.pk}/identities/{i.pk}/reveal/", {}),
        ("get", f"/customers/{c.pk}/merge/", {}),
        ("post", f"/customers/{c.pk}/merge/", {"other_id": own.pk}),
        ("get", f"/customers/{own.pk}/merge/?other={c.pk}", {}),
        ("post", f"/customers/{own.pk}/merge/", {"other_id": c.pk}),
        ("get", f"/customers/{c.pk}/erase/", {}),
        ("post", f"/customers/{c.pk}/erase/", {"confirm": str(c.pk)}),
        ("get", f"/timeline/customers/{c.pk}/", {}),
        ("post", f"/accounts/settings/api-keys/{k.pk}/revoke/", {}),
        ("post", f"/accounts/settings/members/{m.pk}/role/", {"role": "owner"}),
        ("post", "/workspace/switch/", {"workspace_id": c.workspace_id}),
    ]


def test_the_owner_of_another_workspace_gets_404_for_every_object_of_this_one(cast, chayu):
    client = signed_in(cast.other_owner)
    for method, path, data in requests(chayu):
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path, response.status_code)


def test_nothing_of_this_workspace_changed_after_the_attempts(cast, chayu):
    client = signed_in(cast.other_owner)
    for method, path, data in requests(chayu):
        getattr(client, method)(path, data)
    chen = Customer.objects.get(pk=chayu["customer"].pk)
    assert chen.lifecycle_stage == "new"
    assert ApiKey.objects.get(pk=chayu["key"].pk).revoked_at is None
    assert Membership.objects.get(pk=chayu["membership"].pk).role == "viewer"
    assert Customer.objects.filter(pk=chayu["own_customer"].pk).exists()
    assert not AuditEntry.objects.filter(actor=cast.other_owner).exists()


def test_lists_and_dashboard_show_only_the_current_workspace(cast, chayu):
    client = signed_in(cast.other_owner)
    assert "陈静" not in client.get("/customers/").content.decode()
    assert "陈静" not in client.get("/customers/?q=138").content.decode()
    assert client.get("/").context["counts"].customers_total == 1
    assert "陈静" not in client.get("/accounts/settings/audit/").content.decode()
    assert "钱观察" not in client.get("/accounts/settings/members/").content.decode()
