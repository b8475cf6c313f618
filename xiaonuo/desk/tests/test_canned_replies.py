"""Canned replies: variables in Chinese or English, rendered as plain text, never as a template."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.desk import services as desk_services
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_canned_reply, make_ticket

pytestmark = pytest.mark.django_db


def test_variables_are_filled_from_the_ticket_the_agent_and_what_the_agent_types(cast):
    ticket = make_ticket(workspace=cast.shop)
    customers_services.update_customer(
        workspace=cast.shop, customer_id=ticket.customer_id, changes=CustomerChanges(name="陈静")
    )
    reply = make_canned_reply(
        workspace=cast.shop,
        body="{{客户姓名}}您好，我是{{ agent_name }}。您的订单 {{订单号}} 已从{{店铺名称}}发出（工单 {{工单号}}）",
    )

    rendered = desk_services.render_canned_reply(
        workspace=cast.shop,
        canned_reply_id=reply.pk,
        ticket_id=ticket.pk,
        actor=Actor(user=cast.agent),
        values={"order_number": "E2025001"},
    )

    assert rendered.text == (
        f"陈静您好，我是李客服。您的订单 E2025001 已从茶语发出（工单 {ticket.pk}）"
    )
    assert rendered.missing == []


def test_a_variable_without_a_value_stays_visible_and_is_reported(cast):
    ticket = make_ticket(workspace=cast.shop)  # a widget visitor: no name yet
    reply = make_canned_reply(workspace=cast.shop, body="{{客户姓名}}您好，订单 {{订单号}} 已发出")

    rendered = desk_services.render_canned_reply(
        workspace=cast.shop, canned_reply_id=reply.pk, ticket_id=ticket.pk, actor=Actor()
    )

    assert rendered.text == "{{客户姓名}}您好，订单 {{订单号}} 已发出"
    assert rendered.missing == ["customer_name", "order_number"]


def test_values_are_inserted_as_text_and_never_evaluated(cast):
    ticket = make_ticket(workspace=cast.shop)
    customers_services.update_customer(
        workspace=cast.shop,
        customer_id=ticket.customer_id,
        changes=CustomerChanges(name="{{订单号}}<script>alert(1)</script>{% debug %}"),
    )
    reply = make_canned_reply(workspace=cast.shop, body="{{客户姓名}}您好")

    rendered = desk_services.render_canned_reply(
        workspace=cast.shop,
        canned_reply_id=reply.pk,
        ticket_id=ticket.pk,
        actor=Actor(),
        values={"order_number": "SHOULD-NOT-APPEAR"},
    )

    assert rendered.text == "{{订单号}}<script>alert(1)</script>{% debug %}您好"


@pytest.mark.parametrize(
    ("title", "body", "code"),
    [
        ("问候", "{{客户生日}}快乐", "canned_variable_unknown"),
        ("问候", "{{settings.SECRET_KEY}}", "canned_variable_unknown"),
        ("", "您好", "canned_reply_invalid"),
        ("问候", "  ", "canned_reply_invalid"),
    ],
)
def test_unknown_variables_and_empty_replies_are_refused_when_saved(cast, title, body, code):
    with pytest.raises(ServiceError) as refused:
        make_canned_reply(workspace=cast.shop, title=title, body=body)
    assert refused.value.code == code


def test_titles_are_unique_per_workspace_only(cast):
    make_canned_reply(workspace=cast.shop, title="发货提醒")
    make_canned_reply(workspace=cast.other_shop, title="发货提醒")
    with pytest.raises(ServiceError) as refused:
        make_canned_reply(workspace=cast.shop, title="发货提醒")
    assert refused.value.code == "canned_title_taken"


def test_another_workspaces_canned_reply_is_not_found(cast):
    theirs = make_canned_reply(workspace=cast.other_shop)
    ticket = make_ticket(workspace=cast.shop)
    with pytest.raises(ServiceError) as refused:
        desk_services.render_canned_reply(
            workspace=cast.shop, canned_reply_id=theirs.pk, ticket_id=ticket.pk, actor=Actor()
        )
    assert refused.value.code == "canned_reply_not_found"
