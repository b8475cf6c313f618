"""The SLA job records warnings, breaches and met targets once, and the console's selector reads
the timers of a page of tickets in three queries. Tickets are made through the desk's services;
the job and the selector are given the moment to judge at (``now``)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import TicketPriority
from xiaonuo.desk.sla import selectors as sla_selectors
from xiaonuo.desk.sla import services as sla_services
from xiaonuo.desk.sla import tasks as sla_tasks
from xiaonuo.desk.sla.models import SlaEvent
from xiaonuo.desk.sla.services import PolicyInput
from xiaonuo.testing import make_channel, make_ticket

pytestmark = pytest.mark.django_db


def calendar_time_policy(workspace, **overrides):
    values = {
        "name": "默认",
        "first_response_minutes": 60,
        "resolution_minutes": 240,
        "clock": "calendar",
        "warn_percent": 80,
    }
    values.update(overrides)
    return sla_services.create_policy(workspace=workspace, data=PolicyInput(**values))


def events(ticket):
    return sorted(
        SlaEvent.objects.filter(ticket=ticket).values_list("target", "kind", "notify_user_id")
    )


def test_a_breach_is_recorded_once_and_alerts_the_assignee_however_often_the_job_runs(cast):
    calendar_time_policy(cast.shop)
    ticket = make_ticket(workspace=cast.shop, assignee=cast.agent)
    late = ticket.created_at + timedelta(minutes=61)

    first = sla_services.record_sla_events(workspace=cast.shop, now=late)
    second = sla_services.record_sla_events(workspace=cast.shop, now=late + timedelta(minutes=1))

    assert (first.breaches, second.breaches, second.total) == (1, 0, 0)
    assert events(ticket) == [("first_response", "breached", cast.agent.pk)]
    breach = SlaEvent.objects.get(ticket=ticket)
    assert breach.due_at == ticket.created_at + timedelta(minutes=60)
    assert breach.workspace_id == cast.shop.pk
    assert list(sla_selectors.list_alerts(workspace=cast.shop, user=cast.agent)) == [breach]


def test_the_periodic_task_covers_every_workspace_with_a_policy(cast):
    calendar_time_policy(cast.shop, first_response_minutes=1, warn_percent=None)
    make_ticket(workspace=cast.shop)
    make_ticket(workspace=cast.other_shop)  # no policy there: no SLA
    # The ticket is seconds old; nothing is due yet, and a second run changes nothing.
    assert sla_tasks.record_sla_events.call_local() == 0
    assert SlaEvent.objects.count() == 0


def test_a_warning_first_then_the_breach_each_once(cast):
    calendar_time_policy(cast.shop)
    ticket = make_ticket(workspace=cast.shop, assignee=cast.agent)
    created = ticket.created_at

    for minute in (47, 48, 49, 59, 61, 62):
        sla_services.record_sla_events(workspace=cast.shop, now=created + timedelta(minutes=minute))

    assert events(ticket) == [
        ("first_response", "breached", cast.agent.pk),
        ("first_response", "warning", cast.agent.pk),
    ]
    warning = SlaEvent.objects.get(ticket=ticket, kind="warning")
    assert warning.occurred_at == created + timedelta(minutes=48)


def test_answered_in_time_records_met_and_alerts_nobody(cast):
    calendar_time_policy(cast.shop)
    ticket = make_ticket(workspace=cast.shop, assignee=cast.agent)
    desk_services.reply_to_ticket(
        workspace=cast.shop,
        ticket_id=ticket.pk,
        text="您好，马上为您查询",
        actor=Actor(user=cast.agent),
    )

    sla_services.record_sla_events(workspace=cast.shop, now=timezone.now())
    sla_services.record_sla_events(workspace=cast.shop, now=timezone.now() + timedelta(hours=2))

    # Pending (waiting on the customer) pauses the resolution clock: no resolution event yet.
    assert events(ticket) == [("first_response", "met", None)]


def test_solved_in_time_records_met_for_both_targets_although_the_ticket_left_the_inbox(cast):
    calendar_time_policy(cast.shop)
    ticket = make_ticket(workspace=cast.shop, status="solved")

    sla_services.record_sla_events(workspace=cast.shop, now=timezone.now())

    assert events(ticket) == [("first_response", "met", None), ("resolution", "met", None)]


def test_a_ticket_closed_by_merging_gets_no_outcome(cast):
    calendar_time_policy(cast.shop)
    channel = make_channel(workspace=cast.shop)
    ids = {"anonymous_id": "visitor-merge"}
    kept = make_ticket(workspace=cast.shop, channel=channel, identities=ids)
    duplicate = desk_services.open_ticket(
        workspace=cast.shop,
        customer_id=kept.customer_id,
        actor=Actor(user=cast.owner),
        subject="重复",
    )
    desk_services.merge_tickets(
        workspace=cast.shop,
        survivor_id=kept.pk,
        merged_id=duplicate.pk,
        actor=Actor(user=cast.owner),
    )

    sla_services.record_sla_events(workspace=cast.shop, now=timezone.now() + timedelta(days=1))

    assert events(duplicate) == []
    assert [kind for _, kind, _ in events(kept)] == ["breached", "breached"]


def test_a_changed_policy_applies_to_open_tickets_at_once(cast):
    policy = calendar_time_policy(cast.shop, first_response_minutes=120, warn_percent=None)
    ticket = make_ticket(workspace=cast.shop, assignee=cast.agent)
    forty = ticket.created_at + timedelta(minutes=40)
    sla_services.record_sla_events(workspace=cast.shop, now=forty)
    assert events(ticket) == []

    # Tightened to 30 minutes: the ticket is overdue since minute 30, and recorded so once.
    sla_services.update_policy(
        workspace=cast.shop,
        policy_id=policy.pk,
        data=PolicyInput(name="默认", first_response_minutes=30, clock="calendar"),
    )
    state = sla_selectors.sla_states(workspace=cast.shop, ticket_ids=[ticket.pk], now=forty)
    assert state[ticket.pk].first_response.due_at == ticket.created_at + timedelta(minutes=30)
    assert state[ticket.pk].state == "breached"
    sla_services.record_sla_events(workspace=cast.shop, now=forty)
    sla_services.record_sla_events(workspace=cast.shop, now=forty)
    breach = SlaEvent.objects.get(ticket=ticket)
    assert (breach.kind, breach.target_minutes) == ("breached", 30)
    assert breach.due_at == ticket.created_at + timedelta(minutes=30)

    # Loosened again: the timer follows, the recorded breach stays (it was told to the agent).
    sla_services.update_policy(
        workspace=cast.shop,
        policy_id=policy.pk,
        data=PolicyInput(name="默认", first_response_minutes=600, clock="calendar"),
    )
    state = sla_selectors.sla_states(workspace=cast.shop, ticket_ids=[ticket.pk], now=forty)
    assert state[ticket.pk].first_response.state == "ok"
    assert SlaEvent.objects.filter(ticket=ticket).count() == 1


def test_a_priority_policy_outranks_the_default_for_urgent_tickets(cast):
    calendar_time_policy(cast.shop, name="默认", first_response_minutes=240)
    urgent = calendar_time_policy(
        cast.shop, name="紧急", priority=TicketPriority.URGENT, first_response_minutes=15
    )
    normal = make_ticket(workspace=cast.shop)
    hot = make_ticket(workspace=cast.shop, priority=TicketPriority.URGENT)

    states = sla_selectors.sla_states(workspace=cast.shop, ticket_ids=[normal.pk, hot.pk])

    assert states[hot.pk].policy_id == urgent.pk
    assert states[hot.pk].first_response.target_duration == timedelta(minutes=15)
    assert states[normal.pk].first_response.target_duration == timedelta(minutes=240)


def test_pending_shows_the_resolution_clock_paused(cast):
    calendar_time_policy(cast.shop)
    ticket = make_ticket(workspace=cast.shop, status="pending")

    state = sla_selectors.sla_states(
        workspace=cast.shop, ticket_ids=[ticket.pk], now=timezone.now() + timedelta(days=3)
    )[ticket.pk]

    assert state.resolution.state == "paused"
    assert state.resolution.due_at is None
    assert timedelta(minutes=239) < state.resolution.remaining <= timedelta(minutes=240)


def test_a_page_of_fifty_tickets_costs_three_queries_and_other_workspaces_are_left_out(cast):
    calendars = sla_services.create_calendar(workspace=cast.shop, name="办公时间")
    sla_services.create_policy(
        workspace=cast.shop,
        data=PolicyInput(name="默认", first_response_minutes=60, calendar_id=calendars.pk),
    )
    calendar_time_policy(cast.shop, name="紧急", priority=TicketPriority.URGENT)
    channel = make_channel(workspace=cast.shop)
    ids = [
        make_ticket(
            workspace=cast.shop,
            channel=channel,
            status=("open", "pending", "solved")[i % 3],
            priority=TicketPriority.URGENT if i % 5 == 0 else None,
        ).pk
        for i in range(50)
    ]
    foreign = make_ticket(workspace=cast.other_shop).pk

    with CaptureQueriesContext(connection) as queries:
        states = sla_selectors.sla_states(workspace=cast.shop, ticket_ids=[*ids, foreign])

    assert len(queries) == 3
    assert sorted(states) == sorted(ids)
    assert foreign not in states


def test_marking_alerts_read_touches_only_ones_own(cast):
    calendar_time_policy(cast.shop, warn_percent=None)
    mine = make_ticket(workspace=cast.shop, assignee=cast.agent)
    theirs = make_ticket(workspace=cast.shop, assignee=cast.owner)
    sla_services.record_sla_events(workspace=cast.shop, now=timezone.now() + timedelta(hours=2))

    assert sla_services.mark_alerts_read(workspace=cast.shop, user=cast.agent) == 1

    assert SlaEvent.objects.get(ticket=mine).read_at is not None
    assert SlaEvent.objects.get(ticket=theirs).read_at is None
    assert list(sla_selectors.list_alerts(workspace=cast.shop, user=cast.agent)) == []
