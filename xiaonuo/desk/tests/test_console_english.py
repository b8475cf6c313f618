"""Every desk page is fully translated: in English, no Chinese is left but the user's data."""

import pytest

from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.console.tests.test_console_english import chinese_left
from xiaonuo.desk import services as desk_services
from xiaonuo.testing import (
    make_canned_reply,
    make_channel,
    make_complaint,
    make_customer,
    make_staff,
    make_ticket,
    make_workspace,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def teahouse():
    shop = make_workspace(slug="teahouse", name="Teahouse")
    owner = make_staff(workspace=shop, role=Role.OWNER, username="alice", display_name="Alice")
    agent = make_staff(workspace=shop, role=Role.AGENT, username="bob", display_name="Bob")
    channel = make_channel(workspace=shop, name="Website chat")
    make_customer(workspace=shop, name="Chen Jing", phone="13812341234", tags=["vip"])
    ticket = make_ticket(
        workspace=shop,
        channel=channel,
        identities={"phone": "13812341234"},
        text="Where is my parcel?",
        assignee=agent,
        tags=["shipping"],
    )
    duplicate = make_ticket(
        workspace=shop,
        channel=channel,
        identities={"phone": "13812341234"},
        start_new=True,
        text="Hello again",
    )
    desk_services.add_note(
        workspace=shop, ticket_id=ticket.pk, text="Asked the warehouse", actor=Actor(user=agent)
    )
    complaint = make_complaint(workspace=shop, ticket=ticket, description="Parcel lost")
    resolved = make_complaint(workspace=shop, ticket=ticket, description="Late")
    desk_services.resolve_complaint(
        workspace=shop, complaint_id=resolved.pk, resolution="Refunded", actor=Actor(user=owner)
    )
    canned = make_canned_reply(workspace=shop, title="Greeting", body="Hello {{customer_name}}")
    team = desk_services.create_team(
        workspace=shop, name="After-sales", member_ids=[agent.pk], actor=Actor()
    )
    desk_services.set_ticket_team(
        workspace=shop, ticket_id=ticket.pk, team_id=team.pk, actor=Actor()
    )
    desk_services.set_tone_words(
        workspace=shop, lists={"forbidden_promises": ["guaranteed tomorrow=>expected tomorrow"]}
    )
    return {
        "shop": shop,
        "owner": owner,
        "agent": agent,
        "ticket": ticket,
        "duplicate": duplicate,
        "complaint": complaint,
        "resolved": resolved,
        "canned": canned,
        "team": team,
    }


def _english(user):
    client = signed_in(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_every_desk_page_is_english_when_english_is_chosen(teahouse):
    t, d = teahouse["ticket"].pk, teahouse["duplicate"].pk
    pages = [
        "/desk/",
        "/desk/?status=any",
        "/desk/?priority=4",
        f"/desk/tickets/{t}/",
        f"/desk/tickets/{t}/merge/",
        f"/desk/tickets/{t}/merge/?merged={d}",
        "/desk/complaints/",
        f"/desk/complaints/{teahouse['complaint'].pk}/",
        f"/desk/complaints/{teahouse['resolved'].pk}/",
        "/desk/settings/",
        "/desk/settings/canned/",
        f"/desk/settings/canned/{teahouse['canned'].pk}/",
        "/desk/settings/tone/",
        "/desk/settings/teams/",
        f"/desk/settings/teams/{teahouse['team'].pk}/",
    ]
    for user in (teahouse["owner"], teahouse["agent"]):
        client = _english(user)
        for path in pages:
            response = client.get(path)
            if response.status_code == 403:
                continue  # the agent has no settings pages
            assert response.status_code == 200, path
            assert chinese_left(response.content.decode()) == [], path


def test_the_reply_box_and_its_messages_are_english(teahouse):
    client = _english(teahouse["agent"])
    t = teahouse["ticket"].pk
    responses = [
        client.post(f"/desk/tickets/{t}/reply/", {"text": "It is guaranteed tomorrow"}),
        client.post(f"/desk/tickets/{t}/reply/", {"text": " "}),
        client.post(
            f"/desk/tickets/{t}/reply/",
            {"action": "insert_canned", "canned": teahouse["canned"].pk},
        ),
        client.post(
            f"/desk/tickets/{t}/reply/",
            {"text": "It is guaranteed tomorrow", "action": "use_gentler"},
            headers={"HX-Request": "true"},
        ),
    ]
    assert "tone-warning" in responses[0].content.decode()
    for response in responses:
        assert chinese_left(response.content.decode()) == []
    client.post(f"/desk/tickets/{t}/reply/", {"text": "Sent now"})
    page = client.get(f"/desk/tickets/{t}/").content.decode()
    assert chinese_left(page) == []
