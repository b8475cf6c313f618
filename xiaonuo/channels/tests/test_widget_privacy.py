"""What the widget keeps about visitors follows the customer through merges and erasures."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.channels.models import WidgetVisitor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer
from xiaonuo.desk.models import Conversation
from xiaonuo.testing import make_customer

pytestmark = pytest.mark.django_db


def test_a_merged_visitor_belongs_to_the_surviving_customer(cast, visitor):
    visitor.write()
    anonymous = WidgetVisitor.objects.get().customer_id
    member = make_customer(workspace=cast.shop, name="陈静")

    customers_services.merge_customers(
        workspace=cast.shop, survivor_id=member.pk, merged_id=anonymous, actor=Actor()
    )

    assert WidgetVisitor.objects.get().customer_id == member.pk
    visitor.write("合并以后再问一句")
    assert {c.customer_id for c in Conversation.objects.all()} == {member.pk}


def test_an_erased_customers_browser_is_forgotten_and_starts_afresh(cast, visitor):
    visitor.write("请删除我的数据")
    erased = WidgetVisitor.objects.get().customer_id

    customers_services.erase_customer(
        workspace=cast.shop, customer_id=erased, actor=Actor(user=cast.owner)
    )

    assert not WidgetVisitor.objects.exists()
    assert visitor.read().json()["messages"] == []  # nothing of the old thread comes back
    visitor.write("我又来了")
    assert Customer.objects.get(workspace=cast.shop).pk != erased
    assert WidgetVisitor.objects.get().customer_id != erased
