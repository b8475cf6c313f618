"""The complaints page and a complaint's actions, permission by permission."""

import pytest

from xiaonuo.desk.models import Complaint
from xiaonuo.testing import make_complaint, make_ticket, signed_in

pytestmark = pytest.mark.django_db


def _act(client, complaint, action, data):
    return client.post(f"/desk/complaints/{complaint.pk}/{action}/", data)


def test_open_complaints_are_listed_most_severe_first_with_the_recovery_rate(cast):
    minor = make_complaint(workspace=cast.shop, severity=1, description="包装有点破")
    critical = make_complaint(workspace=cast.shop, severity=4, description="记者来电")
    client = signed_in(cast.viewer)

    response = client.get("/desk/complaints/")

    rows = [c.pk for c, _ in response.context["open_rows"]]
    assert rows == [critical.pk, minor.pk]
    assert "—" in response.content.decode()  # no outcome recorded yet: no rate
    owner = signed_in(cast.owner)
    for complaint, recovered in ((minor, "yes"), (critical, "no")):
        _act(owner, complaint, "resolve", {"resolution": "已退款并致歉"})
        _act(
            owner,
            complaint,
            "recovery",
            {"satisfied_afterwards": recovered, "bought_again": "", "referred_someone": "no"},
        )
    body = client.get("/desk/complaints/").content.decode()
    assert 'data-testid="recovery-rate">50%' in body
    assert "没有未结案的投诉" in body


def test_an_agent_offers_compensation_a_supervisor_approves_then_it_is_resolved(cast):
    complaint = make_complaint(workspace=cast.shop)
    agent, owner = signed_in(cast.agent), signed_in(cast.owner)

    _act(agent, complaint, "classify", {"severity": "3", "category": "product_quality"})
    _act(agent, complaint, "compensation", {"kind": "coupon", "amount": "20"})
    early = _act(agent, complaint, "resolve", {"resolution": "已补发"})
    assert early.status_code == 409 and "等主管审批" in early.content.decode()
    assert _act(agent, complaint, "decide", {"decision": "approve"}).status_code == 403
    page = owner.get(f"/desk/complaints/{complaint.pk}/").content.decode()
    assert "审批补偿" in page
    _act(owner, complaint, "decide", {"decision": "approve"})
    _act(agent, complaint, "resolve", {"resolution": "已补发"})

    complaint.refresh_from_db()
    assert (complaint.severity, complaint.category) == (3, "product_quality")
    assert (complaint.compensation_status, complaint.status) == ("approved", "resolved")


def test_escalation_goes_to_a_supervisor_with_a_reason(cast):
    complaint = make_complaint(workspace=cast.shop)
    agent = signed_in(cast.agent)

    no_reason = _act(agent, complaint, "escalate", {"to_user": cast.owner.pk, "reason": ""})
    not_a_supervisor = _act(
        agent, complaint, "escalate", {"to_user": cast.agent.pk, "reason": "急"}
    )
    done = _act(
        agent, complaint, "escalate", {"to_user": cast.owner.pk, "reason": "客户要求见经理"}
    )

    assert no_reason.status_code == 422 and not_a_supervisor.status_code == 422
    assert "只能升级给本工作区的主管" in not_a_supervisor.content.decode()
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "escalated" and complaint.escalated_to == cast.owner


def test_bad_input_is_refused_and_nothing_changes(cast):
    complaint = make_complaint(workspace=cast.shop)
    agent = signed_in(cast.agent)

    assert (
        _act(agent, complaint, "compensation", {"kind": "coupon", "amount": "-5"}).status_code
        == 422
    )
    assert _act(agent, complaint, "classify", {"severity": "9", "category": "x"}).status_code == 422
    assert _act(agent, complaint, "recovery", {"bought_again": "yes"}).status_code == 409
    assert _act(agent, complaint, "unknown", {}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.compensation_kind == "" and complaint.severity == 2


def test_viewers_and_operators_read_complaints_but_act_on_none(cast):
    complaint = make_complaint(workspace=cast.shop, ticket=make_ticket(workspace=cast.shop))
    for user in (cast.viewer, cast.operator):
        client = signed_in(user)
        page = client.get(f"/desk/complaints/{complaint.pk}/")
        assert page.status_code == 200
        assert f"/desk/complaints/{complaint.pk}/resolve/" not in page.content.decode()
        assert _act(client, complaint, "resolve", {"resolution": "好"}).status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).status == "open"
