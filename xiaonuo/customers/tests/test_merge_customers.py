import pytest

from xiaonuo.accounts.models import AuditEntry
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.events.models import Event
from xiaonuo.lib.errors import NotFound, ServiceError
from xiaonuo.testing import api_client, make_api_key, make_customer

pytestmark = pytest.mark.django_db


def test_merging_moves_identities_events_tags_and_fills_missing_fields(cast):
    # Given one person known twice: by WeChat, and by phone from an old member list
    _, secret = make_api_key(workspace=cast.shop)
    api = api_client(secret)
    api.post(
        "/api/v1/track",
        {"batch": [{"user_id": "W1", "event": "关注公众号"}, {"user_id": "P1", "event": "下单"}]},
        content_type="application/json",
    )
    wechat = Identity.objects.get(workspace=cast.shop, value="W1").customer
    phone = Identity.objects.get(workspace=cast.shop, value="P1").customer
    customers_services.update_customer(
        workspace=cast.shop,
        customer_id=phone.pk,
        changes=customers_services.CustomerChanges(
            name="陈静",
            city="杭州",
            tags=["投诉过"],
            identities={"phone": "13800138000"},
            is_seed=True,
        ),
    )
    customers_services.update_customer(
        workspace=cast.shop,
        customer_id=wechat.pk,
        changes=customers_services.CustomerChanges(
            city="上海", identities={"openid": "oX"}, tags=["奶茶控"]
        ),
    )

    # When the agent merges the phone record into the WeChat one
    survivor = customers_services.merge_customers(
        workspace=cast.shop, survivor_id=wechat.pk, merged_id=phone.pk, actor=Actor(user=cast.agent)
    )

    # Then nothing is lost: identities, events and tags all belong to the survivor
    assert not Customer.objects.filter(pk=phone.pk).exists()
    assert set(Identity.objects.filter(customer=survivor).values_list("value", flat=True)) == {
        "W1",
        "P1",
        "13800138000",
        "oX",
    }
    assert set(Event.objects.filter(workspace=cast.shop).values_list("customer_id", flat=True)) == {
        survivor.pk
    }
    assert {t.name for t in survivor.tags.all()} == {"投诉过", "奶茶控"}
    survivor.refresh_from_db()
    assert (survivor.name, survivor.city, survivor.is_seed) == (
        "陈静",
        "上海",
        True,
    )  # survivor's own values win
    entry = AuditEntry.objects.get(workspace=cast.shop, action="merge")
    assert (entry.actor, entry.detail) == (cast.agent, {"merged_id": phone.pk})


def test_identify_with_a_phone_that_another_record_holds_merges_them(cast):
    old = make_customer(workspace=cast.shop, name="陈静", phone="13800138000")
    _, secret = make_api_key(workspace=cast.shop)
    response = api_client(secret).post(
        "/api/v1/identify",
        {"user_id": "M9", "traits": {"phone": "13800138000"}},
        content_type="application/json",
    )
    assert response.status_code == 202
    survivor = Identity.objects.get(workspace=cast.shop, value="M9").customer
    assert Identity.objects.get(workspace=cast.shop, kind="phone").customer == survivor
    assert not Customer.objects.filter(pk=old.pk).exists()
    assert survivor.name == "陈静"


def test_a_customer_cannot_be_merged_into_itself_or_across_workspaces(cast):
    mine = make_customer(workspace=cast.shop)
    theirs = make_customer(workspace=cast.other_shop)
    with pytest.raises(ServiceError) as same:
        customers_services.merge_customers(
            workspace=cast.shop, survivor_id=mine.pk, merged_id=mine.pk, actor=Actor()
        )
    assert same.value.code == "merge_same"
    with pytest.raises(NotFound):
        customers_services.merge_customers(
            workspace=cast.shop, survivor_id=mine.pk, merged_id=theirs.pk, actor=Actor()
        )
    assert Customer.objects.filter(pk=theirs.pk).exists()
