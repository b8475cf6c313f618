"""Automatic assignment: round robin, load-balanced by capacity, and the waiting queue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import Ticket, TicketChange
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import go_online, make_staff, make_ticket, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(cast):
    """李客服 plus two more agents of 茶语."""
    return [
        cast.agent,
        make_staff(workspace=cast.shop, role=Role.AGENT, display_name="周客服"),
        make_staff(workspace=cast.shop, role=Role.AGENT, display_name="吴客服"),
    ]


def _mode(cast, mode, **more):
    desk_services.update_desk_settings(workspace=cast.shop, assignment_mode=mode, **more)


def _assignees(tickets):
    return [Ticket.objects.get(pk=t.pk).assignee_id for t in tickets]


def test_round_robin_takes_turns_among_online_agents(cast, team):
    _mode(cast, "round_robin")
    for agent in team:
        go_online(workspace=cast.shop, user=agent)

    tickets = [receive(workspace=cast.shop).ticket for _ in range(6)]

    ids = [a.pk for a in team]
    assert _assignees(tickets) == ids + ids
    history = TicketChange.objects.get(ticket=tickets[0], field="assignee")
    assert (history.actor_kind, history.new_value) == ("system", str(ids[0]))


def test_load_balancing_gives_the_ticket_to_the_agent_with_most_room(cast, team):
    _mode(cast, "load_balanced")
    li, zhou, wu = team
    go_online(workspace=cast.shop, user=li, capacity=2)
    go_online(workspace=cast.shop, user=zhou, capacity=6)
    # 吴 is away: keeps what they have, gets nothing new
    desk_services.set_presence(workspace=cast.shop, user=wu, status="away")

    tickets = [receive(workspace=cast.shop).ticket for _ in range(4)]

    # 0/2 vs 0/6 → 李 (tie, assigned longest ago = never, lower id); then 周 (0/6 < 1/2)
    # twice … each time the lower share of capacity in use wins.
    assigned = _assignees(tickets)
    assert assigned.count(li.pk) == 1
    assert assigned.count(zhou.pk) == 3
    assert wu.pk not in assigned


def test_nobody_gets_more_open_tickets_than_their_capacity_and_the_rest_wait(cast, team):
    _mode(cast, "load_balanced")
    go_online(workspace=cast.shop, user=cast.agent, capacity=2)

    tickets = [receive(workspace=cast.shop).ticket for _ in range(4)]

    assert _assignees(tickets) == [cast.agent.pk, cast.agent.pk, None, None]
    states = {s.user.pk: s for s in desk_selectors.list_agents(workspace=cast.shop)}
    assert (states[cast.agent.pk].open_tickets, states[cast.agent.pk].free) == (2, 0)


def test_when_an_agent_solves_a_ticket_the_oldest_waiting_one_is_assigned(
    cast, team, django_capture_on_commit_callbacks
):
    # Given 李 at capacity and two tickets waiting, the older first
    _mode(cast, "load_balanced")
    go_online(workspace=cast.shop, user=cast.agent, capacity=1)
    busy = receive(workspace=cast.shop).ticket
    older = receive(workspace=cast.shop).ticket
    newer = receive(workspace=cast.shop).ticket
    Ticket.objects.filter(pk=older.pk).update(waiting_since=timezone.now() - timedelta(hours=1))

    # When 李 solves her ticket
    with django_capture_on_commit_callbacks(execute=True):
        desk_services.set_ticket_status(
            workspace=cast.shop, ticket_id=busy.pk, status="solved", actor=Actor(user=cast.agent)
        )

    # Then the oldest waiting ticket is hers, and the newer one still waits
    assert _assignees([older, newer]) == [cast.agent.pk, None]


def test_an_agent_coming_online_takes_the_waiting_queue_up_to_capacity(
    cast, team, django_capture_on_commit_callbacks
):
    _mode(cast, "round_robin")
    waiting = [receive(workspace=cast.shop).ticket for _ in range(3)]
    assert _assignees(waiting) == [None, None, None]

    with django_capture_on_commit_callbacks(execute=True):
        go_online(workspace=cast.shop, user=cast.agent, capacity=2)

    assert _assignees(waiting) == [cast.agent.pk, cast.agent.pk, None]


def test_pending_and_on_hold_tickets_do_not_count_against_capacity(
    cast, team, django_capture_on_commit_callbacks
):
    _mode(cast, "load_balanced")
    go_online(workspace=cast.shop, user=cast.agent, capacity=1)
    first = receive(workspace=cast.shop).ticket
    second = receive(workspace=cast.shop).ticket
    assert _assignees([first, second]) == [cast.agent.pk, None]

    with django_capture_on_commit_callbacks(execute=True):
        desk_services.reply_to_ticket(
            workspace=cast.shop, ticket_id=first.pk, text="请稍等", actor=Actor(user=cast.agent)
        )

    assert _assignees([first, second]) == [cast.agent.pk, cast.agent.pk]


def test_in_manual_mode_nothing_is_assigned_automatically(
    cast, team, django_capture_on_commit_callbacks
):
    _mode(cast, "manual")
    with django_capture_on_commit_callbacks(execute=True):
        go_online(workspace=cast.shop, user=cast.agent)
    ticket = receive(workspace=cast.shop).ticket

    assert desk_services.fill_free_capacity(workspace=cast.shop) == 0
    assert _assignees([ticket]) == [None]


def test_operators_are_never_given_tickets_even_if_marked_online(cast):
    _mode(cast, "round_robin")
    desk_services.set_presence(workspace=cast.shop, user=cast.operator, status="online")

    ticket = receive(workspace=cast.shop).ticket

    assert _assignees([ticket]) == [None]


def test_another_workspaces_agents_are_never_given_this_workspaces_tickets(cast):
    _mode(cast, "round_robin")
    go_online(workspace=cast.other_shop, user=cast.other_owner)

    ticket = receive(workspace=cast.shop).ticket

    assert _assignees([ticket]) == [None]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (
            lambda c: desk_services.update_desk_settings(workspace=c.shop, assignment_mode="x"),
            "assignment_mode_invalid",
        ),
        (
            lambda c: desk_services.update_desk_settings(workspace=c.shop, default_capacity=101),
            "capacity_invalid",
        ),
        (
            lambda c: desk_services.set_presence(workspace=c.shop, user=c.agent, status="busy"),
            "presence_invalid",
        ),
        (
            lambda c: desk_services.set_capacity(
                workspace=c.shop, user_id=c.agent.pk, capacity=-1, actor=Actor()
            ),
            "capacity_invalid",
        ),
        (
            lambda c: desk_services.set_capacity(
                workspace=c.shop, user_id=c.viewer.pk, capacity=3, actor=Actor()
            ),
            "assignee_invalid",
        ),
    ],
)
def test_bad_settings_are_refused(cast, call, code):
    with pytest.raises(ServiceError) as refused:
        call(cast)
    assert refused.value.code == code


def test_ticket_builder_still_makes_unassigned_tickets_when_nobody_is_online(cast):
    assert make_ticket(workspace=cast.shop).assignee_id is None
