"""Ticket status transitions, properties, manual assignment, merging and auto-close."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import (
    Message,
    Ticket,
    TicketChange,
    TicketPriority,
    TicketStatus,
)
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_channel, make_complaint, make_staff, make_ticket, receive

pytestmark = pytest.mark.django_db


def _history(ticket):
    return list(
        TicketChange.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("field", "old_value", "new_value")
    )


# --- Status ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "stamps"),
    [
        (["pending", "open"], set()),
        (["on_hold", "pending", "solved"], {"solved_at"}),
        (["solved", "closed"], {"solved_at", "closed_at"}),
        (["solved", "open"], set()),
    ],
)
def test_each_allowed_transition_is_recorded_with_who_and_when(cast, path, stamps):
    ticket = make_ticket(workspace=cast.shop)

    for status in path:
        desk_services.set_ticket_status(
            workspace=cast.shop, ticket_id=ticket.pk, status=status, actor=Actor(user=cast.agent)
        )

    ticket.refresh_from_db()
    assert ticket.status == path[-1]
    assert {name for name in ("solved_at", "closed_at") if getattr(ticket, name)} == stamps
    steps = [
        (old, new)
        for field, old, new in _history(ticket)
        if field == "status" and old  # the first line is the ticket's opening
    ]
    assert steps == list(zip(["open", *path[:-1]], path, strict=True))
    assert TicketChange.objects.filter(ticket=ticket, actor=cast.agent).count() == len(path)
    assert ticket.version == 1 + len(path)


@pytest.mark.parametrize(
    ("start", "target"),
    [("open", "closed"), ("pending", "closed"), ("closed", "open"), ("closed", "solved")],
)
def test_transitions_outside_the_state_machine_are_refused(cast, start, target):
    ticket = make_ticket(workspace=cast.shop, status=start)

    with pytest.raises(ServiceError) as refused:
        desk_services.set_ticket_status(
            workspace=cast.shop, ticket_id=ticket.pk, status=target, actor=Actor(user=cast.agent)
        )

    assert refused.value.code == "transition_not_allowed"
    assert Ticket.objects.get(pk=ticket.pk).status == start


def test_an_unknown_status_is_refused(cast):
    ticket = make_ticket(workspace=cast.shop)
    with pytest.raises(ServiceError) as refused:
        desk_services.set_ticket_status(
            workspace=cast.shop, ticket_id=ticket.pk, status="done", actor=Actor()
        )
    assert refused.value.code == "status_invalid"


def test_setting_the_status_a_ticket_already_has_changes_nothing(cast):
    ticket = make_ticket(workspace=cast.shop, status="solved")
    before = _history(ticket)

    desk_services.set_ticket_status(
        workspace=cast.shop, ticket_id=ticket.pk, status="solved", actor=Actor()
    )

    assert _history(ticket) == before


# --- Properties --------------------------------------------------------------------------------


def test_priority_subject_and_tags_changes_are_each_a_line_of_history(cast):
    ticket = make_ticket(workspace=cast.shop, tags=["物流"])

    desk_services.update_ticket(
        workspace=cast.shop,
        ticket_id=ticket.pk,
        actor=Actor(user=cast.agent),
        subject="包裹破损",
        priority=TicketPriority.URGENT,
        tags=["物流", " 破损 ", ""],
    )

    ticket = desk_selectors.get_ticket(workspace=cast.shop, ticket_id=ticket.pk)
    assert (ticket.subject, ticket.priority) == ("包裹破损", TicketPriority.URGENT)
    assert [t.name for t in ticket.tags.all()] == ["物流", "破损"]
    history = _history(ticket)
    assert ("subject", "你好，我的订单三天了还没发货", "包裹破损") in history
    assert ("priority", "2", "4") in history
    assert ("tags", "物流", "物流,破损") in history


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"priority": 9}, "priority_invalid"),
        ({"subject": "长" * 201}, "subject_too_long"),
        ({"tags": ["好" * 51]}, "tag_invalid"),
        ({"tags": ["a,b"]}, "tag_invalid"),
    ],
)
def test_bad_properties_are_refused_and_nothing_changes(cast, changes, code):
    ticket = make_ticket(workspace=cast.shop)
    before = _history(ticket)

    with pytest.raises(ServiceError) as refused:
        desk_services.update_ticket(
            workspace=cast.shop, ticket_id=ticket.pk, actor=Actor(), **changes
        )

    assert refused.value.code == code
    assert _history(ticket) == before


def test_a_closed_ticket_is_read_only(cast):
    ticket = make_ticket(workspace=cast.shop, status="closed")
    calls = [
        lambda: desk_services.update_ticket(
            workspace=cast.shop, ticket_id=ticket.pk, actor=Actor(), priority=3
        ),
        lambda: desk_services.assign_ticket(
            workspace=cast.shop, ticket_id=ticket.pk, assignee_id=cast.agent.pk, actor=Actor()
        ),
        lambda: desk_services.add_note(
            workspace=cast.shop, ticket_id=ticket.pk, text="备注", actor=Actor()
        ),
    ]
    for call in calls:
        with pytest.raises(ServiceError) as refused:
            call()
        assert refused.value.code == "ticket_closed"


# --- Manual assignment -------------------------------------------------------------------------


def test_an_agent_may_take_an_unassigned_ticket_and_hand_it_back(cast):
    ticket = make_ticket(workspace=cast.shop)
    me = Actor(user=cast.agent)

    desk_services.assign_ticket(
        workspace=cast.shop, ticket_id=ticket.pk, assignee_id=cast.agent.pk, actor=me
    )
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == cast.agent.pk
    desk_services.assign_ticket(
        workspace=cast.shop, ticket_id=ticket.pk, assignee_id=None, actor=me
    )

    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    assert [h for h in _history(ticket) if h[0] == "assignee"] == [
        ("assignee", "", str(cast.agent.pk)),
        ("assignee", str(cast.agent.pk), ""),
    ]


def test_an_agent_may_not_assign_to_others_or_take_a_colleagues_ticket(cast):
    colleague = make_staff(workspace=cast.shop, role=Role.AGENT, display_name="周客服")
    ticket = make_ticket(workspace=cast.shop, assignee=colleague)
    unassigned = make_ticket(workspace=cast.shop)

    for ticket_id, assignee in ((ticket.pk, cast.agent.pk), (unassigned.pk, colleague.pk)):
        with pytest.raises(ServiceError) as refused:
            desk_services.assign_ticket(
                workspace=cast.shop,
                ticket_id=ticket_id,
                assignee_id=assignee,
                actor=Actor(user=cast.agent),
            )
        assert refused.value.code == "assign_others_forbidden"
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == colleague.pk


def test_a_supervisor_assigns_to_anyone_who_handles_conversations_and_no_one_else(cast):
    ticket = make_ticket(workspace=cast.shop)
    boss = Actor(user=cast.owner)

    desk_services.assign_ticket(
        workspace=cast.shop, ticket_id=ticket.pk, assignee_id=cast.agent.pk, actor=boss
    )
    for not_an_agent in (cast.operator, cast.viewer, cast.other_owner):
        with pytest.raises(ServiceError) as refused:
            desk_services.assign_ticket(
                workspace=cast.shop, ticket_id=ticket.pk, assignee_id=not_an_agent.pk, actor=boss
            )
        assert refused.value.code == "assignee_invalid"

    assert Ticket.objects.get(pk=ticket.pk).assignee_id == cast.agent.pk


# --- Opening directly ----------------------------------------------------------------------------


def test_a_ticket_opened_from_a_conversation_takes_its_next_messages(cast):
    widget = make_channel(workspace=cast.shop)
    first = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "v1"})

    split = desk_services.open_ticket(
        workspace=cast.shop,
        customer_id=first.ticket.customer_id,
        actor=Actor(user=cast.agent),
        subject="另开：发票问题",
        conversation_id=first.conversation.pk,
        priority=TicketPriority.HIGH,
        tags=["发票"],
    )
    later = receive(workspace=cast.shop, channel=widget, identities={"anonymous_id": "v1"})

    assert later.ticket.pk == split.pk
    assert split.channel_id == widget.pk
    assert [t.name for t in split.tags.all()] == ["发票"]


# --- Merge -------------------------------------------------------------------------------------


def test_merging_a_duplicate_moves_messages_history_tags_and_complaints(cast):
    # Given one customer who wrote on WeChat and on the widget about the same parcel
    wechat = make_channel(workspace=cast.shop, kind="wechat_oa")
    widget = make_channel(workspace=cast.shop)
    first = receive(
        workspace=cast.shop, channel=wechat, identities={"external_id": "M7"}, text="快递丢了"
    )
    dup = receive(
        workspace=cast.shop, channel=widget, identities={"external_id": "M7"}, text="快递还没到"
    )
    desk_services.update_ticket(
        workspace=cast.shop, ticket_id=dup.ticket.pk, actor=Actor(), tags=["物流"], priority=4
    )
    complaint = make_complaint(workspace=cast.shop, ticket=dup.ticket)
    dup_history = TicketChange.objects.filter(ticket=dup.ticket).count()

    # When a supervisor merges the second into the first
    survivor = desk_services.merge_tickets(
        workspace=cast.shop,
        survivor_id=first.ticket.pk,
        merged_id=dup.ticket.pk,
        actor=Actor(user=cast.owner),
    )

    # Then the survivor holds it all, and the duplicate is closed, pointing at it
    assert set(Message.objects.filter(ticket=survivor).values_list("text", flat=True)) == {
        "快递丢了",
        "快递还没到",
    }
    merged = Ticket.objects.get(pk=dup.ticket.pk)
    assert (merged.status, merged.merged_into_id) == (TicketStatus.CLOSED, survivor.pk)
    assert [t.name for t in survivor.tags.all()] == ["物流"]
    assert survivor.priority == 4
    assert TicketChange.objects.get(ticket=survivor, field="merged").new_value == str(dup.ticket.pk)
    assert TicketChange.objects.filter(ticket=survivor).count() >= dup_history + 1
    assert list(TicketChange.objects.filter(ticket=merged).values_list("field", "new_value")) == [
        ("status", "closed"),
        ("merged", str(survivor.pk)),
    ]
    from xiaonuo.desk.models import Complaint

    assert Complaint.objects.get(pk=complaint.pk).ticket_id == survivor.pk
    # … and the widget thread's next message joins the survivor, not a new ticket
    again = receive(workspace=cast.shop, channel=widget, identities={"external_id": "M7"})
    assert again.ticket.pk == survivor.pk


def test_merging_tickets_of_two_customers_or_a_ticket_into_itself_is_refused(cast):
    a = make_ticket(workspace=cast.shop)
    b = make_ticket(workspace=cast.shop)
    closed = make_ticket(workspace=cast.shop, status="closed")
    theirs = make_ticket(workspace=cast.other_shop)
    cases = [
        (a.pk, b.pk, "merge_customer_mismatch"),
        (a.pk, a.pk, "merge_same"),
        (a.pk, theirs.pk, "ticket_not_found"),
        (closed.pk, a.pk, "ticket_closed"),
    ]
    for survivor_id, merged_id, code in cases:
        with pytest.raises(ServiceError) as refused:
            desk_services.merge_tickets(
                workspace=cast.shop, survivor_id=survivor_id, merged_id=merged_id, actor=Actor()
            )
        assert refused.value.code == code
    assert Ticket.objects.get(pk=b.pk).status == TicketStatus.OPEN


# --- Auto-close --------------------------------------------------------------------------------


def test_solved_tickets_close_after_the_workspaces_delay_unless_reopened(cast):
    old = make_ticket(workspace=cast.shop, status="solved")
    recent = make_ticket(workspace=cast.shop, status="solved")
    Ticket.objects.filter(pk=old.pk).update(solved_at=timezone.now() - timedelta(days=5))

    closed = desk_services.close_solved_tickets(workspace=cast.shop)

    assert closed == 1
    assert Ticket.objects.get(pk=old.pk).status == TicketStatus.CLOSED
    assert Ticket.objects.get(pk=recent.pk).status == TicketStatus.SOLVED
    last = TicketChange.objects.filter(ticket=old).order_by("-id").first()
    assert (last.new_value, last.actor_kind, last.actor_id) == ("closed", "system", None)
    assert desk_services.close_solved_tickets(workspace=cast.shop) == 0  # idempotent
