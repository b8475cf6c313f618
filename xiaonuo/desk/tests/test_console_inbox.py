"""The inbox page and its live update, driven with plain GET/POST (no JavaScript)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xiaonuo.desk.models import AgentPresence
from xiaonuo.testing import make_channel, make_customer, make_ticket, receive, signed_in

pytestmark = pytest.mark.django_db


def _poll_params(html: str) -> str:
    """The query string of the page's live poll, as htmx would request it."""
    match = re.search(r'id="inbox-poller"[^>]*hx-get="/desk/live/\?([^"]*)"', html)
    assert match, "the page has no live poll"
    return match.group(1).replace("&amp;", "&")


def test_the_inbox_lists_tickets_with_customer_channel_excerpt_assignee_and_priority(cast):
    chen = make_customer(workspace=cast.shop, name="陈静", phone="13812341234")
    ticket = make_ticket(
        workspace=cast.shop,
        identities={"phone": "13812341234"},
        text="我的订单三天了还没发货",
        assignee=cast.agent,
        priority=4,
    )
    assert ticket.customer_id == chen.pk
    anonymous = make_ticket(workspace=cast.shop, identities={"phone": "13900001111"})

    body = signed_in(cast.viewer).get("/desk/").content.decode()

    assert "陈静" in body
    assert "我的订单三天了还没发货" in body
    assert "李客服" in body
    assert "紧急" in body
    assert "网页聊天" in body or "网页" in body
    # a customer without a name is shown by a masked identity, for every role
    assert "139****1111" in body and "13900001111" not in body
    assert f"/desk/tickets/{anonymous.pk}/" in body


def test_html_in_a_customer_message_is_shown_as_text(cast):
    make_ticket(workspace=cast.shop, text="<script>alert(1)</script><b>粗体</b>")

    body = signed_in(cast.agent).get("/desk/").content.decode()

    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;粗体&lt;/b&gt;" in body


def test_the_filters_narrow_the_list(cast):
    wechat = make_channel(workspace=cast.shop, kind="wechat_oa", name="公众号")
    mine = make_ticket(workspace=cast.shop, text="我的工单", assignee=cast.agent, tags=["物流"])
    other = make_ticket(workspace=cast.shop, text="公众号来的", channel=wechat)
    solved = make_ticket(workspace=cast.shop, text="已经解决的", status="solved")
    urgent = make_ticket(workspace=cast.shop, text="很急的", priority=4)
    client = signed_in(cast.agent)

    def shown(query: str) -> set[int]:
        rows = client.get(f"/desk/?{query}").context["rows"]
        return {row["ticket"].pk for row in rows}

    assert shown("") == {mine.pk, other.pk, urgent.pk}
    assert shown("view=mine") == {mine.pk}
    assert shown("view=unassigned") == {other.pk, urgent.pk}
    assert shown(f"channel={wechat.pk}") == {other.pk}
    assert shown("status=solved") == {solved.pk}
    assert shown("status=any") == {mine.pk, other.pk, solved.pk, urgent.pk}
    assert shown("tag=物流") == {mine.pk}
    assert shown("priority=4") == {urgent.pk}
    # nonsense filters are dropped, not an error page
    assert client.get("/desk/?priority=9&channel=x&after=zz").status_code == 200


def test_the_empty_states_say_what_happens_next(cast):
    client = signed_in(cast.agent)
    assert "还没有会话" in client.get("/desk/").content.decode()
    make_ticket(workspace=cast.shop, status="solved")
    assert "都处理完了" in client.get("/desk/").content.decode()
    assert "没有符合条件的工单" in client.get("/desk/?priority=4").content.decode()


def test_pages_follow_on_by_keyset_without_repeats(cast):
    tickets = [make_ticket(workspace=cast.shop) for _ in range(53)]
    client = signed_in(cast.agent)

    first = client.get("/desk/")
    second = client.get(f"/desk/?after={first.context['next_after']}")

    ids = [r["ticket"].pk for r in first.context["rows"]] + [
        r["ticket"].pk for r in second.context["rows"]
    ]
    assert ids == [t.pk for t in reversed(tickets)]
    assert second.context["next_after"] == ""


def test_a_new_customer_message_reaches_an_open_inbox_through_the_live_poll(cast):
    first = make_ticket(workspace=cast.shop, text="第一条")
    client = signed_in(cast.agent)
    params = _poll_params(client.get("/desk/").content.decode())

    quiet = client.get(f"/desk/live/?{params}")
    assert quiet.status_code == 204

    receive(
        workspace=cast.shop,
        conversation_id=first.conversation_id,
        channel=first.channel,
        text="还在吗？急！",
    )
    response = client.get(f"/desk/live/?{params}")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="inbox-list" hx-swap-oob="true"' in body
    assert "还在吗？急！" in body
    # the new poll knows what it has seen: asking again is quiet
    assert client.get(f"/desk/live/?{_poll_params(body)}").status_code == 204


def test_a_poll_is_one_index_probe_when_nothing_changed_and_two_when_another_view_changed(cast):
    make_ticket(workspace=cast.shop, assignee=cast.agent)
    client = signed_in(cast.agent)
    params = _poll_params(client.get("/desk/?view=mine").content.decode())
    client.get(f"/desk/live/?{params}")  # the session is warm

    with CaptureQueriesContext(connection) as quiet:
        assert client.get(f"/desk/live/?{params}").status_code == 204
    # a ticket outside "mine" changes: the page's keys are compared, nothing is rendered
    make_ticket(workspace=cast.shop)
    with CaptureQueriesContext(connection) as elsewhere:
        response = client.get(f"/desk/live/?{params}")

    desk_queries = [q["sql"] for q in quiet.captured_queries if '"desk_' in q["sql"]]
    assert len(desk_queries) == 1
    desk_queries = [q["sql"] for q in elsewhere.captured_queries if '"desk_' in q["sql"]]
    assert len(desk_queries) == 2
    assert 'id="inbox-poller" hx-swap-oob="true"' in response.content.decode()
    assert "inbox-list" not in response.content.decode()


def test_a_later_page_is_not_reordered_by_the_live_update_but_offers_the_first_page(cast):
    for _ in range(51):
        make_ticket(workspace=cast.shop)
    client = signed_in(cast.agent)
    after = client.get("/desk/").context["next_after"]
    params = _poll_params(client.get(f"/desk/?after={after}").content.decode())
    assert f"after={after}" in params

    make_ticket(workspace=cast.shop, text="新的一条")
    body = client.get(f"/desk/live/?{params}").content.decode()

    assert "inbox-news" in body and "新的一条" not in body


def test_an_agent_goes_online_and_away_from_the_desk_bar(cast):
    client = signed_in(cast.agent)
    assert "上线接待" in client.get("/desk/").content.decode()

    response = client.post("/desk/presence/", {"status": "online", "next": "/desk/?view=mine"})

    assert response.status_code == 302 and response["Location"] == "/desk/?view=mine"
    presence = AgentPresence.objects.get(workspace=cast.shop, user=cast.agent)
    assert presence.status == "online"
    client.post("/desk/presence/", {"status": "away", "next": "https://evil.example/"})
    presence.refresh_from_db()
    assert presence.status == "away"
    assert "设为离开" not in client.get("/desk/").content.decode()


def test_viewers_read_the_inbox_but_have_no_presence_and_may_not_set_one(cast):
    client = signed_in(cast.viewer)
    assert "上线接待" not in client.get("/desk/").content.decode()
    assert client.post("/desk/presence/", {"status": "online"}).status_code == 403
    assert not AgentPresence.objects.filter(user=cast.viewer).exists()


def test_the_search_box_finds_tickets_by_message_text_with_the_words_marked(cast):
    from xiaonuo.desk.search import services as search_services

    late = make_ticket(workspace=cast.shop, text="我的杨枝甘露<还没送到>")
    make_ticket(workspace=cast.shop, text="芝士莓莓太甜了")
    make_ticket(workspace=cast.other_shop, text="别家的杨枝甘露也没送到")
    search_services.catch_up_index()
    client = signed_in(cast.agent)

    response = client.get("/desk/?q=杨枝甘露")

    body = response.content.decode()
    assert [r["ticket"].pk for r in response.context["results"]] == [late.pk]
    assert "<mark>杨枝甘露</mark>" in body
    assert "&lt;还没送到&gt;" in body  # the snippet is escaped around the marks
    assert "没有找到相关消息" in client.get("/desk/?q=不存在的词语").content.decode()


def test_each_row_and_the_ticket_page_show_the_tickets_sla_state(cast):
    from xiaonuo.desk.sla import services as sla_services

    sla_services.create_policy(
        workspace=cast.shop,
        data=sla_services.PolicyInput(name="全部", first_response_minutes=30, clock="calendar"),
    )
    ticket = make_ticket(workspace=cast.shop)
    client = signed_in(cast.agent)

    inbox = client.get("/desk/")
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()

    assert inbox.context["rows"][0]["sla"].state == "ok"
    assert "xn-sla-ok" in inbox.content.decode() and "xn-sla-ok" in page
