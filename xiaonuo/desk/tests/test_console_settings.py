"""The desk's settings pages: assignment and capacity, canned replies, tone words, teams."""

import pytest

from xiaonuo.desk.models import AgentPresence, CannedReply, DeskSettings, Team
from xiaonuo.testing import make_canned_reply, make_staff, signed_in

pytestmark = pytest.mark.django_db

PAGES = [
    "/desk/settings/",
    "/desk/settings/canned/",
    "/desk/settings/tone/",
    "/desk/settings/teams/",
]


def test_only_those_who_manage_the_desk_see_its_settings(cast):
    for path in PAGES:
        assert signed_in(cast.owner).get(path).status_code == 200, path
        for user in (cast.agent, cast.operator, cast.viewer):
            assert signed_in(user).get(path).status_code == 403, (path, user)
    assert "客服设置" in signed_in(cast.owner).get("/desk/").content.decode()
    assert "客服设置" not in signed_in(cast.agent).get("/desk/").content.decode()


def test_the_assignment_mode_and_an_agents_capacity_are_set(cast):
    client = signed_in(cast.owner)
    client.post(
        "/desk/settings/",
        {"assignment_mode": "round_robin", "default_capacity": "8", "close_solved_after_days": "3"},
    )
    client.post("/desk/settings/capacity/", {"user_id": cast.agent.pk, "capacity": "2"})

    settings = DeskSettings.objects.get(workspace=cast.shop)
    assert (settings.assignment_mode, settings.default_capacity) == ("round_robin", 8)
    assert AgentPresence.objects.get(workspace=cast.shop, user=cast.agent).capacity == 2
    bad = client.post(
        "/desk/settings/",
        {
            "assignment_mode": "round_robin",
            "default_capacity": "500",
            "close_solved_after_days": "3",
        },
    )
    assert bad.status_code == 422
    assert DeskSettings.objects.get(workspace=cast.shop).default_capacity == 8
    assert client.post("/desk/settings/capacity/", {"user_id": cast.viewer.pk}).status_code == 404


def test_canned_replies_are_created_edited_and_deleted(cast):
    client = signed_in(cast.owner)
    client.post("/desk/settings/canned/", {"title": "问候", "body": "{{客户姓名}}您好"})
    reply = CannedReply.objects.get(workspace=cast.shop, title="问候")
    unknown = client.post("/desk/settings/canned/", {"title": "错", "body": "{{生日}}快乐"})
    taken = client.post("/desk/settings/canned/", {"title": "问候", "body": "又一条"})
    client.post(f"/desk/settings/canned/{reply.pk}/", {"title": "问候语", "body": "您好"})
    assert unknown.status_code == 422 and "未知的变量" in unknown.content.decode()
    assert taken.status_code == 409
    reply.refresh_from_db()
    assert (reply.title, reply.body) == ("问候语", "您好")
    client.post(f"/desk/settings/canned/{reply.pk}/delete/")
    assert not CannedReply.objects.filter(workspace=cast.shop).exists()


def test_tone_word_lists_are_saved_one_entry_per_line_and_used_by_the_check(cast):
    from xiaonuo.testing import make_ticket

    client = signed_in(cast.owner)
    client.post(
        "/desk/settings/tone/",
        {
            "forbidden_promises": "保证明天到=>预计明天送达\n\n  全额赔偿 ",
            "rude": "",
            "sensitive": "",
            "allowed": "",
        },
    )
    words = DeskSettings.objects.get(workspace=cast.shop).tone_words
    assert words["forbidden_promises"] == ["保证明天到=>预计明天送达", "全额赔偿"]
    assert "全额赔偿" in client.get("/desk/settings/tone/").content.decode()
    ticket = make_ticket(workspace=cast.shop)
    held = signed_in(cast.agent).post(f"/desk/tickets/{ticket.pk}/reply/", {"text": "保证明天到"})
    assert "预计明天送达" in held.content.decode()
    too_long = client.post("/desk/settings/tone/", {"rude": "长" * 51})
    assert too_long.status_code == 422


def test_teams_are_created_with_agents_and_edited(cast):
    helper = make_staff(workspace=cast.shop, display_name="周客服")
    client = signed_in(cast.owner)
    client.post("/desk/settings/teams/", {"name": "售后", "members": [cast.agent.pk]})
    team = Team.objects.get(workspace=cast.shop, name="售后")
    not_an_agent = client.post(
        "/desk/settings/teams/", {"name": "运营组", "members": [cast.viewer.pk]}
    )
    duplicate = client.post("/desk/settings/teams/", {"name": "售后"})
    client.post(f"/desk/settings/teams/{team.pk}/", {"name": "售后组", "members": [helper.pk]})

    assert not_an_agent.status_code == 422 and duplicate.status_code == 409
    team.refresh_from_db()
    assert team.name == "售后组" and list(team.members.all()) == [helper]
    client.post(f"/desk/settings/teams/{team.pk}/delete/")
    assert not Team.objects.filter(workspace=cast.shop).exists()


def test_the_canned_reply_body_is_escaped_on_the_settings_page(cast):
    make_canned_reply(workspace=cast.shop, title="<b>x</b>", body="<script>alert(1)</script>")
    body = signed_in(cast.owner).get("/desk/settings/canned/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
