"""Complaints (投诉): from intake to whether the customer was won back."""

from decimal import Decimal

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import (
    CompensationStatus,
    ComplaintSeverity,
    ComplaintStatus,
    TicketChange,
)
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_complaint, make_customer, make_ticket

pytestmark = pytest.mark.django_db


def test_a_complaint_goes_from_intake_through_escalation_to_a_recovered_customer(cast):
    # Given a customer's ticket about a crushed tin of tea
    ticket = make_ticket(workspace=cast.shop, text="收到的茶叶罐子被压扁了，太失望了")
    agent, boss = Actor(user=cast.agent), Actor(user=cast.owner)

    # When 李客服 records the complaint, offers a partial refund, and escalates it
    complaint = desk_services.open_complaint(
        workspace=cast.shop,
        customer_id=ticket.customer_id,
        ticket_id=ticket.pk,
        severity=ComplaintSeverity.MODERATE,
        category="product_quality",
        description="罐体变形，茶叶未受潮",
        actor=agent,
    )
    desk_services.offer_compensation(
        workspace=cast.shop,
        complaint_id=complaint.pk,
        kind="partial_refund",
        amount="30",
        actor=agent,
    )
    desk_services.escalate_complaint(
        workspace=cast.shop,
        complaint_id=complaint.pk,
        to_user_id=cast.owner.pk,
        reason="客户要求全额退款",
        actor=agent,
    )
    # … and 王店长 approves, it is resolved, and a month later the customer bought again
    desk_services.decide_compensation(
        workspace=cast.shop, complaint_id=complaint.pk, approve=True, actor=boss
    )
    desk_services.resolve_complaint(
        workspace=cast.shop,
        complaint_id=complaint.pk,
        resolution="退款 30 元并补发新罐",
        actor=boss,
    )
    desk_services.record_recovery(
        workspace=cast.shop, complaint_id=complaint.pk, bought_again=True, actor=agent
    )

    # Then the complaint tells the whole story, and so does the ticket's history
    complaint = desk_selectors.get_complaint(workspace=cast.shop, complaint_id=complaint.pk)
    assert complaint.status == ComplaintStatus.RESOLVED
    assert (complaint.compensation_kind, complaint.compensation_amount) == (
        "partial_refund",
        Decimal("30.00"),
    )
    assert complaint.compensation_status == CompensationStatus.APPROVED
    assert complaint.compensation_decided_by == cast.owner
    assert complaint.escalated_to == cast.owner
    assert complaint.recovered is True
    assert TicketChange.objects.filter(ticket=ticket, field="complaint").count() == 6
    rate = desk_selectors.get_recovery_rate(workspace=cast.shop)
    assert (rate.resolved, rate.recovered, rate.rate) == (1, 1, 1.0)


def test_a_supervisors_own_offer_needs_no_approval_but_an_agents_blocks_resolution(cast):
    by_boss = make_complaint(workspace=cast.shop)
    by_agent = make_complaint(workspace=cast.shop)

    desk_services.offer_compensation(
        workspace=cast.shop,
        complaint_id=by_boss.pk,
        kind="coupon",
        amount=20,
        actor=Actor(user=cast.owner),
    )
    desk_services.offer_compensation(
        workspace=cast.shop,
        complaint_id=by_agent.pk,
        kind="coupon",
        amount=20,
        actor=Actor(user=cast.agent),
    )
    with pytest.raises(ServiceError) as blocked:
        desk_services.resolve_complaint(
            workspace=cast.shop,
            complaint_id=by_agent.pk,
            resolution="已发券",
            actor=Actor(user=cast.agent),
        )

    assert (
        desk_selectors.get_complaint(
            workspace=cast.shop, complaint_id=by_boss.pk
        ).compensation_status
        == CompensationStatus.APPROVED
    )
    assert blocked.value.code == "compensation_pending"


def test_complaints_are_escalated_to_supervisors_only(cast):
    complaint = make_complaint(workspace=cast.shop)

    for target in (cast.agent, cast.other_owner):
        with pytest.raises(ServiceError) as refused:
            desk_services.escalate_complaint(
                workspace=cast.shop,
                complaint_id=complaint.pk,
                to_user_id=target.pk,
                reason="需要主管处理",
                actor=Actor(user=cast.agent),
            )
        assert refused.value.code == "escalation_target_invalid"


@pytest.mark.parametrize(
    ("kind", "amount", "code"),
    [
        ("cash", 10, "compensation_invalid"),
        ("refund", -1, "compensation_invalid"),
        ("refund", "1e9", "compensation_invalid"),
        ("refund", "abc", "compensation_invalid"),
    ],
)
def test_bad_compensation_is_refused(cast, kind, amount, code):
    complaint = make_complaint(workspace=cast.shop)
    with pytest.raises(ServiceError) as refused:
        desk_services.offer_compensation(
            workspace=cast.shop, complaint_id=complaint.pk, kind=kind, amount=amount, actor=Actor()
        )
    assert refused.value.code == code


def test_bad_classification_and_outcome_before_resolution_are_refused(cast):
    customer = make_customer(workspace=cast.shop)
    for severity, category in ((9, "logistics"), (2, "weather")):
        with pytest.raises(ServiceError) as refused:
            desk_services.open_complaint(
                workspace=cast.shop,
                customer_id=customer.pk,
                severity=severity,
                category=category,
                description="",
                actor=Actor(),
            )
        assert refused.value.code == "complaint_invalid"
    complaint = make_complaint(workspace=cast.shop, customer=customer)
    with pytest.raises(ServiceError) as early:
        desk_services.record_recovery(
            workspace=cast.shop, complaint_id=complaint.pk, satisfied_afterwards=True, actor=Actor()
        )
    assert early.value.code == "complaint_state"


def test_open_complaints_are_listed_most_severe_first_then_oldest(cast):
    minor = make_complaint(workspace=cast.shop, severity=1)
    severe_old = make_complaint(workspace=cast.shop, severity=3)
    severe_new = make_complaint(workspace=cast.shop, severity=3)
    resolved = make_complaint(workspace=cast.shop, severity=4)
    desk_services.resolve_complaint(
        workspace=cast.shop, complaint_id=resolved.pk, resolution="已处理", actor=Actor()
    )

    listed = list(desk_selectors.list_open_complaints(workspace=cast.shop))

    assert [c.pk for c in listed] == [severe_old.pk, severe_new.pk, minor.pk]


def test_another_workspaces_complaint_or_customer_is_not_found(cast):
    theirs = make_complaint(workspace=cast.other_shop)
    with pytest.raises(ServiceError) as refused:
        desk_services.resolve_complaint(
            workspace=cast.shop, complaint_id=theirs.pk, resolution="x", actor=Actor()
        )
    assert refused.value.code == "complaint_not_found"
    with pytest.raises(ServiceError) as refused:
        make_complaint(workspace=cast.shop, customer=theirs.customer)
    assert refused.value.code == "customer_not_found"
