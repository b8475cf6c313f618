"""The ticket page: thread, reply box (canned replies, tone check), notes, controls, merge,
history and live updates — driven with plain GET/POST, and with htmx headers where the page
swaps parts in place."""

import re

import pytest

from xiaonuo.desk.models import Message, Ticket, TicketChange
from xiaonuo.testing import (
    make_canned_reply,
    make_customer,
    make_staff,
    make_ticket,
    receive,
    signed_in,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def ticket(cast):
    make_customer(workspace=cast.shop, name="陈静", phone="13812341234", tags=["老客"])
    return make_ticket(
        workspace=cast.shop, identities={"phone": "13812341234"}, text="快递三天没动了"
    )


def _replies(ticket):
    return Message.objects.filter(ticket=ticket, kind="outbound")


def test_the_page_shows_the_thread_notes_apart_and_the_customer_masked(cast, ticket):
    client = signed_in(cast.agent)
    client.post(f"/desk/tickets/{ticket.pk}/note/", {"text": "已联系仓库"})

    body = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()

    assert "快递三天没动了" in body
    assert 'class="xn-msg xn-msg-inbound"' in body
    assert 'class="xn-msg xn-msg-note"' in body and "已联系仓库" in body
    assert "陈静" in body and "138****1234" in body and "13812341234" not in body
    assert "老客" in body
    assert f"/customers/{ticket.customer_id}/" in body


def test_html_in_messages_is_text(cast):
    ticket = make_ticket(workspace=cast.shop, text='<img src=x onerror="alert(1)">')
    body = signed_in(cast.agent).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body


def test_an_agent_replies_and_the_reply_is_stored_and_shown(cast, ticket):
    client = signed_in(cast.agent)

    response = client.post(f"/desk/tickets/{ticket.pk}/reply/", {"text": "您好，马上为您查询"})

    assert response.status_code == 302
    reply = _replies(ticket).get()
    assert reply.text == "您好，马上为您查询" and reply.staff == cast.agent
    ticket.refresh_from_db()
    assert ticket.status == "pending" and ticket.assignee == cast.agent
    assert "您好，马上为您查询" in client.get(f"/desk/tickets/{ticket.pk}/").content.decode()


def test_an_htmx_reply_swaps_a_fresh_reply_box_and_asks_the_poll_to_run(cast, ticket):
    response = signed_in(cast.agent).post(
        f"/desk/tickets/{ticket.pk}/reply/",
        {"text": "好的，已为您催促", "status": "on_hold"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "xn-ticket-changed"
    assert 'id="reply-box"' in response.content.decode()
    assert "回复已发送" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "on_hold"


@pytest.mark.parametrize(
    ("text", "status", "says"),
    [
        ("   ", 422, "内容不能为空"),
        ("好" * 5001, 422, "内容太长了"),
    ],
)
def test_an_empty_or_oversized_reply_is_refused_with_the_draft_kept(
    cast, ticket, text, status, says
):
    response = signed_in(cast.agent).post(f"/desk/tickets/{ticket.pk}/reply/", {"text": text})

    assert response.status_code == status
    body = response.content.decode()
    assert says in body
    assert not _replies(ticket).exists()
    if text.strip():
        assert text in body  # the draft is still in the box


def test_a_reply_to_a_closed_ticket_says_so_and_stores_nothing(cast):
    ticket = make_ticket(workspace=cast.shop, status="closed")
    client = signed_in(cast.agent)

    response = client.post(f"/desk/tickets/{ticket.pk}/reply/", {"text": "还在吗"})
    htmx = client.post(f"/desk/tickets/{ticket.pk}/reply/", {"text": "还在吗"}, headers=HTMX)

    assert response.status_code == htmx.status_code == 409
    assert "工单已关闭" in response.content.decode()
    assert "工单已关闭" in htmx.content.decode()
    assert not _replies(ticket).exists()
    assert "工单已关闭，不能再回复" in client.get(f"/desk/tickets/{ticket.pk}/").content.decode()


def test_a_rude_reply_is_held_with_findings_and_a_gentler_wording(cast, ticket):
    client = signed_in(cast.agent)

    response = client.post(f"/desk/tickets/{ticket.pk}/reply/", {"text": "爱买不买，你自己看说明"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "tone-warning" in body
    assert re.search(r"<mark [^>]*>爱买不买</mark>", body)
    assert "tone-gentler" in body
    assert not _replies(ticket).exists()


def test_the_gentler_wording_is_taken_with_one_click_and_nothing_is_sent(cast, ticket):
    response = signed_in(cast.agent).post(
        f"/desk/tickets/{ticket.pk}/reply/",
        {"text": "爱买不买", "action": "use_gentler"},
        headers=HTMX,
    )

    body = response.content.decode()
    draft = re.search(r'<textarea name="text" id="reply-text"[^>]*>(.*?)</textarea>', body, re.S)
    assert draft and draft.group(1).strip() and "爱买不买" not in draft.group(1)
    assert not _replies(ticket).exists()


def test_send_anyway_sends_and_records_the_warning(cast, ticket):
    signed_in(cast.agent).post(
        f"/desk/tickets/{ticket.pk}/reply/", {"text": "爱买不买", "send_anyway": "1"}
    )

    reply = _replies(ticket).get()
    assert reply.sent_despite_tone_warning is True
    assert reply.tone_findings and reply.tone_findings[0]["text"] == "爱买不买"
    body = signed_in(cast.owner).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "提示后仍发送" in body


def test_a_canned_reply_is_inserted_with_its_variables_filled(cast, ticket):
    canned = make_canned_reply(
        workspace=cast.shop,
        title="发货",
        body="{{客户姓名}}您好，订单 {{订单号}} 已发出。{{客服姓名}}",
    )
    client = signed_in(cast.agent)

    response = client.post(
        f"/desk/tickets/{ticket.pk}/reply/",
        {"text": "", "action": "insert_canned", "canned": canned.pk, "order_number": "E2025"},
    )
    missing = client.post(
        f"/desk/tickets/{ticket.pk}/reply/",
        {"text": "先说一句。", "action": "insert_canned", "canned": canned.pk},
        headers=HTMX,
    )

    assert "陈静您好，订单 E2025 已发出。李客服" in response.content.decode()
    body = missing.content.decode()
    assert "先说一句。\n陈静您好，订单 {{订单号}} 已发出。李客服" in body.replace("&#x27;", "'")
    assert "order_number" in body  # named as still to fill in
    assert not _replies(ticket).exists()


def test_an_internal_note_is_stored_and_an_empty_one_refused(cast, ticket):
    client = signed_in(cast.agent)
    assert client.post(f"/desk/tickets/{ticket.pk}/note/", {"text": "  "}).status_code == 422
    client.post(f"/desk/tickets/{ticket.pk}/note/", {"text": "客户很着急"})
    assert list(
        Message.objects.filter(ticket=ticket, kind="note").values_list("text", flat=True)
    ) == ["客户很着急"]


def test_status_priority_tags_and_subject_are_changed_and_recorded_in_the_history(cast, ticket):
    client = signed_in(cast.agent)
    client.post(f"/desk/tickets/{ticket.pk}/status/", {"status": "on_hold"})
    client.post(
        f"/desk/tickets/{ticket.pk}/properties/",
        {"subject": "物流延误", "priority": "3", "tags": "物流，加急"},
    )

    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.subject) == ("on_hold", 3, "物流延误")
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["加急", "物流"]
    history = signed_in(cast.viewer).get(f"/desk/tickets/{ticket.pk}/").context["history"]
    lines = [(h["field"], h["old"], h["new"], h["actor"]) for h in history]
    assert ("状态", "待处理", "挂起", "李客服") in lines
    assert ("优先级", "普通", "高", "李客服") in lines
    assert ("标签", "—", "加急,物流", "李客服") in lines


def test_a_transition_the_machine_forbids_is_explained(cast):
    ticket = make_ticket(workspace=cast.shop, status="solved")
    response = signed_in(cast.agent).post(
        f"/desk/tickets/{ticket.pk}/status/", {"status": "on_hold"}
    )
    assert response.status_code == 409
    assert "不能从当前状态" in response.content.decode()


def test_agents_take_and_hand_back_tickets_and_supervisors_assign_others(cast, ticket):
    agent_client = signed_in(cast.agent)
    agent_client.post(f"/desk/tickets/{ticket.pk}/assign/", {"assignee": cast.agent.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == cast.agent
    other_agent = make_staff(workspace=cast.shop, display_name="周客服")
    refused = agent_client.post(f"/desk/tickets/{ticket.pk}/assign/", {"assignee": other_agent.pk})
    assert refused.status_code == 403
    assert "只有主管" in refused.content.decode()

    signed_in(cast.owner).post(f"/desk/tickets/{ticket.pk}/assign/", {"assignee": other_agent.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == other_agent
    history = signed_in(cast.owner).get(f"/desk/tickets/{ticket.pk}/").context["history"]
    assert ("处理人", "李客服", "周客服") in [(h["field"], h["old"], h["new"]) for h in history]


def test_a_ticket_is_given_to_a_team(cast, ticket):
    from xiaonuo.accounts.services import Actor
    from xiaonuo.desk import services as desk_services

    team = desk_services.create_team(
        workspace=cast.shop, name="售后", member_ids=[cast.agent.pk], actor=Actor()
    )
    client = signed_in(cast.agent)
    client.post(f"/desk/tickets/{ticket.pk}/team/", {"team": team.pk})
    ticket.refresh_from_db()
    assert ticket.team == team
    body = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="my-teams"' in body and "售后" in body
    client.post(f"/desk/tickets/{ticket.pk}/team/", {"team": ""})
    ticket.refresh_from_db()
    assert ticket.team is None


def test_merging_a_duplicate_asks_for_confirmation_first(cast):
    first = make_ticket(workspace=cast.shop, identities={"phone": "13812341234"})
    duplicate = make_ticket(
        workspace=cast.shop, identities={"phone": "13812341234"}, start_new=True
    )
    client = signed_in(cast.owner)

    confirm = client.get(f"/desk/tickets/{first.pk}/merge/?merged={duplicate.pk}")
    assert confirm.status_code == 200
    assert "merge-confirm" in confirm.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.status == "open"

    client.post(f"/desk/tickets/{first.pk}/merge/", {"merged": duplicate.pk})
    duplicate.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.merged_into_id == first.pk


def test_agents_may_not_merge_and_viewers_may_not_reply(cast, ticket):
    assert signed_in(cast.agent).get(f"/desk/tickets/{ticket.pk}/merge/").status_code == 403
    viewer = signed_in(cast.viewer)
    assert viewer.get(f"/desk/tickets/{ticket.pk}/").status_code == 200
    assert viewer.post(f"/desk/tickets/{ticket.pk}/reply/", {"text": "你好"}).status_code == 403
    assert viewer.post(f"/desk/tickets/{ticket.pk}/note/", {"text": "你好"}).status_code == 403
    assert not Message.objects.filter(ticket=ticket).exclude(kind="inbound").exists()


def test_a_complaint_is_registered_from_the_ticket(cast, ticket):
    response = signed_in(cast.agent).post(
        f"/desk/tickets/{ticket.pk}/complaint/",
        {"severity": "3", "category": "logistics", "description": "包裹丢了"},
    )
    assert response.status_code == 302
    assert TicketChange.objects.filter(ticket=ticket, field="complaint").exists()


def test_the_live_poll_brings_a_new_customer_message_to_an_open_ticket_page(cast, ticket):
    client = signed_in(cast.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    poll = (
        re.search(r'hx-get="(/desk/tickets/\d+/live/\?[^"]*)"', page).group(1).replace("&amp;", "&")
    )
    assert client.get(poll).status_code == 204

    receive(
        workspace=cast.shop,
        conversation_id=ticket.conversation_id,
        channel=ticket.channel,
        text="<i>在吗</i>",
    )
    response = client.get(poll)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#thread"' in body
    assert "&lt;i&gt;在吗&lt;/i&gt;" in body
    assert "快递三天没动了" not in body  # only what is new
    next_poll = re.search(r'hx-get="(/desk/tickets/\d+/live/\?[^"]*)"', body).group(1)
    assert client.get(next_poll.replace("&amp;", "&")).status_code == 204
    assert Ticket.objects.get(pk=ticket.pk).version > int(
        re.search(r"version=(\d+)", poll).group(1)
    )


def test_an_unchanged_ticket_page_poll_is_one_primary_key_read(cast, ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(cast.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    poll = (
        re.search(r'hx-get="(/desk/tickets/\d+/live/\?[^"]*)"', page).group(1).replace("&amp;", "&")
    )

    with CaptureQueriesContext(connection) as queries:
        assert client.get(poll).status_code == 204

    assert len([q for q in queries.captured_queries if '"desk_' in q["sql"]]) == 1
