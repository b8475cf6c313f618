"""孙老板 runs 别家 (workspace B). Every desk object of 茶语 (workspace A) is a 404 to him through
every desk page and action — never a 403, which would confirm that it exists — and nothing of
茶语's changes."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import CannedReply, Complaint, Message, Team, Ticket, TicketChange
from xiaonuo.testing import make_canned_reply, make_complaint, make_ticket, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def chayu(cast):
    ticket = make_ticket(
        workspace=cast.shop, identities={"phone": "13812341234"}, text="茶语的客人"
    )
    duplicate = make_ticket(
        workspace=cast.shop, identities={"phone": "13812341234"}, start_new=True
    )
    own = make_ticket(workspace=cast.other_shop, text="别家的客人")
    return {
        "ticket": ticket,
        "duplicate": duplicate,
        "complaint": make_complaint(workspace=cast.shop, ticket=ticket),
        "canned": make_canned_reply(workspace=cast.shop),
        "team": desk_services.create_team(workspace=cast.shop, name="茶语售后", actor=Actor()),
        "own_ticket": own,
        "own_canned": make_canned_reply(workspace=cast.other_shop, title="别家"),
    }


def requests(chayu):
    t, d, c = chayu["ticket"].pk, chayu["duplicate"].pk, chayu["complaint"].pk
    canned, team, own = chayu["canned"].pk, chayu["team"].pk, chayu["own_ticket"].pk
    own_canned = chayu["own_canned"].pk
    return [
        ("get", f"/desk/tickets/{t}/", {}),
        ("get", f"/desk/tickets/{t}/live/?after=0&version=0", {}),
        ("post", f"/desk/tickets/{t}/reply/", {"text": "偷偷回复"}),
        ("post", f"/desk/tickets/{t}/reply/", {"text": "爱买不买", "action": "use_gentler"}),
        ("post", f"/desk/tickets/{t}/reply/", {"action": "insert_canned", "canned": canned}),
        ("post", f"/desk/tickets/{own}/reply/", {"action": "insert_canned", "canned": canned}),
        ("post", f"/desk/tickets/{t}/reply/", {"action": "insert_canned", "canned": own_canned}),
        ("post", f"/desk/tickets/{t}/note/", {"text": "偷看"}),
        ("post", f"/desk/tickets/{t}/status/", {"status": "solved"}),
        ("post", f"/desk/tickets/{t}/properties/", {"subject": "改", "priority": "4", "tags": "x"}),
        ("post", f"/desk/tickets/{t}/assign/", {"assignee": ""}),
        ("post", f"/desk/tickets/{t}/team/", {"team": team}),
        ("post", f"/desk/tickets/{own}/team/", {"team": team}),
        ("post", f"/desk/tickets/{t}/complaint/", {"severity": "1", "category": "other"}),
        ("get", f"/desk/tickets/{t}/merge/?merged={d}", {}),
        ("post", f"/desk/tickets/{t}/merge/", {"merged": d}),
        ("get", f"/desk/tickets/{own}/merge/?merged={t}", {}),
        ("post", f"/desk/tickets/{own}/merge/", {"merged": t}),
        ("get", f"/desk/complaints/{c}/", {}),
        *[
            ("post", f"/desk/complaints/{c}/{action}/", data)
            for action, data in [
                ("classify", {"severity": "4", "category": "price"}),
                ("compensation", {"kind": "coupon", "amount": "10"}),
                ("decide", {"decision": "approve"}),
                ("escalate", {"to_user": 1, "reason": "x"}),
                ("resolve", {"resolution": "x"}),
                ("recovery", {"bought_again": "yes"}),
            ]
        ],
        ("get", f"/desk/settings/canned/{canned}/", {}),
        ("post", f"/desk/settings/canned/{canned}/", {"title": "改", "body": "改"}),
        ("post", f"/desk/settings/canned/{canned}/delete/", {}),
        ("get", f"/desk/settings/teams/{team}/", {}),
        ("post", f"/desk/settings/teams/{team}/", {"name": "改"}),
        ("post", f"/desk/settings/teams/{team}/delete/", {}),
    ]


def test_the_owner_of_another_workspace_gets_404_for_every_desk_object_of_this_one(cast, chayu):
    client = signed_in(cast.other_owner)
    for method, path, data in requests(chayu):
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path, response.status_code)


def test_nothing_of_this_workspace_changed_after_the_attempts(cast, chayu):
    before = {
        "messages": Message.objects.filter(workspace=cast.shop).count(),
        "changes": TicketChange.objects.filter(workspace=cast.shop).count(),
    }
    client = signed_in(cast.other_owner)
    for method, path, data in requests(chayu):
        getattr(client, method)(path, data)

    ticket = Ticket.objects.get(pk=chayu["ticket"].pk)
    assert (ticket.status, ticket.priority, ticket.team_id) == ("open", 2, None)
    assert Ticket.objects.get(pk=chayu["duplicate"].pk).merged_into_id is None
    assert Ticket.objects.get(pk=chayu["own_ticket"].pk).team_id is None
    assert Complaint.objects.get(pk=chayu["complaint"].pk).status == "open"
    assert CannedReply.objects.get(pk=chayu["canned"].pk).title == "发货提醒"
    assert Team.objects.get(pk=chayu["team"].pk).name == "茶语售后"
    assert Message.objects.filter(workspace=cast.shop).count() == before["messages"]
    assert TicketChange.objects.filter(workspace=cast.shop).count() == before["changes"]


def test_lists_show_only_the_current_workspace(cast, chayu):
    client = signed_in(cast.other_owner)
    inbox = client.get("/desk/?status=any").content.decode()
    assert "茶语的客人" not in inbox and "别家的客人" in inbox
    assert chayu["complaint"].description not in client.get("/desk/complaints/").content.decode()
    assert "发货提醒" not in client.get("/desk/settings/canned/").content.decode()
    assert "茶语售后" not in client.get("/desk/settings/teams/").content.decode()
    settings_page = client.get("/desk/settings/").content.decode()
    assert "李客服" not in settings_page
    # another workspace's agent cannot be given a capacity here, nor join a team here
    assert client.post("/desk/settings/capacity/", {"user_id": cast.agent.pk}).status_code == 404
    client.post("/desk/settings/teams/", {"name": "偷人", "members": [cast.agent.pk]})
    assert not Team.objects.filter(name="偷人").exists()


def test_a_live_poll_of_this_workspace_never_reports_another_workspaces_activity(cast, chayu):
    client = signed_in(cast.other_owner)
    page = client.get("/desk/").context
    quiet = client.get(f"/desk/live/?since={page['since']}&digest={page['digest']}")
    make_ticket(workspace=cast.shop, text="茶语的新消息")
    still_quiet = client.get(f"/desk/live/?since={page['since']}&digest={page['digest']}")
    assert quiet.status_code == still_quiet.status_code == 204
