"""The demo's service desk: believable conversations, tickets, notes and complaints for 茶小满,
searchable at once."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, QuerySet

from xiaonuo.accounts.models import Membership, Workspace
from xiaonuo.autoreply.models import ReplyLog
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.models import Complaint, Conversation, Message, Ticket, TicketChange
from xiaonuo.desk.search.selectors import search_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> Workspace:
    call_command(
        "demo",
        *("--customers", "200", "--events", "500"),
        *("--tickets", "400", "--messages", "6000", "--agents", "6"),
        stdout=io.StringIO(),
    )
    return Workspace.objects.get(slug="chaxiaoman")


def the_bots(demo: Workspace) -> QuerySet:
    """The tickets of the followers' questions to the bot (``test_demo_autoreply``): made by
    the live path, not by the desk's simulation these tests describe."""
    return ReplyLog.objects.filter(workspace=demo).values("ticket_id")


def test_the_demo_desk_has_tickets_in_every_state_with_their_conversations(demo):
    tickets = Ticket.objects.filter(workspace=demo).exclude(pk__in=the_bots(demo))

    assert tickets.count() == 400
    statuses = dict(tickets.values_list("status").annotate(n=Count("id")).order_by())
    assert set(statuses) == {"open", "pending", "on_hold", "solved", "closed"}
    assert statuses["closed"] > statuses["open"]  # most of six months is history
    assert set(tickets.values_list("priority", flat=True)) == {1, 2, 3, 4}
    assert tickets.filter(tags__name="催单").exists() and tickets.filter(tags__name="退款").exists()
    # About 15 messages a ticket, of every kind, each in its ticket's conversation
    messages = Message.objects.filter(workspace=demo).exclude(ticket__in=the_bots(demo))
    assert 4000 < messages.count() < 8000
    kinds = set(messages.values_list("kind", flat=True))
    assert kinds == {"inbound", "outbound", "note"}
    assert not messages.exclude(conversation__ticket__isnull=False).exists()
    for ticket in tickets.order_by("id")[:50]:
        thread = list(Message.objects.filter(ticket=ticket).order_by("id"))
        assert thread[0].kind == "inbound"  # a customer opens every demo ticket
        assert all(m.conversation_id == ticket.conversation_id for m in thread)
        assert [m.created_at for m in thread] == sorted(m.created_at for m in thread)
        assert ticket.subject == thread[0].text.splitlines()[0][:60]
    # Each ticket has its history; conversations point at their latest ticket
    changes = TicketChange.objects.filter(workspace=demo).exclude(ticket__in=the_bots(demo))
    assert changes.values("ticket").distinct().count() == 400
    latest = Conversation.objects.filter(workspace=demo).values_list("ticket_id", flat=True)
    assert None not in set(latest)


def test_the_demo_desk_has_agents_with_chinese_names_and_a_supervisor(demo):
    names = set(
        Membership.objects.filter(workspace=demo, role="agent").values_list(
            "user__display_name", flat=True
        )
    )

    assert {"客服 小林", "客服 小雯", "客服 阿美"} <= names
    assert Membership.objects.filter(
        workspace=demo, user__display_name="客服主管 陈姐", role="admin"
    ).exists()
    assignees = set(Ticket.objects.filter(workspace=demo).values_list("assignee_id", flat=True))
    assert len(assignees - {None}) >= 5
    replies = Message.objects.filter(workspace=demo, kind="outbound")
    assert not replies.exclude(ticket__in=the_bots(demo)).filter(staff__isnull=True).exists()


def test_the_demo_desk_has_complaints_with_outcomes(demo):
    complaints = Complaint.objects.filter(workspace=demo)

    assert complaints.count() >= 15
    assert {"logistics", "product_quality"} <= set(complaints.values_list("category", flat=True))
    assert complaints.filter(status="resolved").exists()
    assert complaints.filter(compensation_amount__gt=0).exists()
    rate = desk_selectors.get_recovery_rate(workspace=demo)
    assert rate.resolved > 0 and rate.rate is not None and 0 < rate.rate < 1
    # A complaint is raised on a ticket of the same customer
    for complaint in complaints.select_related("ticket"):
        assert complaint.ticket.customer_id == complaint.customer_id


def test_the_demo_desk_is_searchable_at_once(demo):
    hits = search_tickets(workspace=demo, query="退款")

    assert len(hits) == 50
    assert all("<mark>退款</mark>" in hit.snippet for hit in hits)
    assert [h.message_id for h in hits] == sorted((h.message_id for h in hits), reverse=True)


def test_the_inbox_of_the_demo_lists_active_tickets_newest_first(demo):
    page, _ = desk_selectors.get_inbox_page(
        workspace=demo, filters=desk_selectors.InboxFilters(), after=None, size=20
    )

    active = Ticket.objects.filter(workspace=demo, status__in=["open", "pending", "on_hold"])
    assert len(page) == min(20, active.count()) > 5
    assert {t.status for t in page} <= {"open", "pending", "on_hold"}
    assert [t.last_activity_at for t in page] == sorted(
        (t.last_activity_at for t in page), reverse=True
    )
