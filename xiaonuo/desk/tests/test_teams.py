"""Teams: named groups of agents; a ticket may belong to one."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import TicketChange
from xiaonuo.lib.errors import NotFound, ServiceError
from xiaonuo.testing import make_staff, make_ticket

pytestmark = pytest.mark.django_db


def test_a_team_has_agents_and_an_agent_sees_their_teams(cast):
    team = desk_services.create_team(
        workspace=cast.shop, name="售前", member_ids=[cast.agent.pk, cast.owner.pk], actor=Actor()
    )
    desk_services.create_team(workspace=cast.shop, name="投诉专席", actor=Actor())

    assert [
        t.name for t in desk_selectors.list_user_teams(workspace=cast.shop, user=cast.agent)
    ] == ["售前"]
    assert set(team.members.all()) == {cast.agent, cast.owner}
    assert [t.name for t in desk_selectors.list_teams(workspace=cast.shop)] == ["售前", "投诉专席"]


@pytest.mark.parametrize("name", ["", "   ", "长" * 51])
def test_a_team_needs_a_reasonable_name(cast, name):
    with pytest.raises(ServiceError) as error:
        desk_services.create_team(workspace=cast.shop, name=name, actor=Actor())
    assert error.value.code == "team_invalid"


def test_members_are_agents_of_this_workspace(cast):
    for user in (cast.viewer, cast.other_owner):
        with pytest.raises(ServiceError) as error:
            desk_services.create_team(
                workspace=cast.shop, name="售后", member_ids=[user.pk], actor=Actor()
            )
        assert error.value.code == "team_invalid"


def test_a_ticket_joins_a_team_with_a_line_of_history(cast):
    team = desk_services.create_team(workspace=cast.shop, name="售后", actor=Actor())
    ticket = make_ticket(workspace=cast.shop)

    desk_services.set_ticket_team(
        workspace=cast.shop, ticket_id=ticket.pk, team_id=team.pk, actor=Actor(user=cast.agent)
    )

    ticket.refresh_from_db()
    assert ticket.team_id == team.pk
    change = TicketChange.objects.get(ticket=ticket, field="team")
    assert (change.old_value, change.new_value, change.actor) == ("", str(team.pk), cast.agent)


def test_another_workspaces_team_is_not_found(cast):
    theirs = desk_services.create_team(workspace=cast.other_shop, name="别家售后", actor=Actor())
    ticket = make_ticket(workspace=cast.shop)
    with pytest.raises(NotFound):
        desk_services.set_ticket_team(
            workspace=cast.shop, ticket_id=ticket.pk, team_id=theirs.pk, actor=Actor()
        )
    with pytest.raises(NotFound):
        desk_services.update_team(
            workspace=cast.shop, team_id=theirs.pk, name="偷改", member_ids=[], actor=Actor()
        )
    theirs.refresh_from_db()
    assert theirs.name == "别家售后"


def test_deleting_a_team_leaves_its_tickets_without_one(cast):
    helper = make_staff(workspace=cast.shop)
    team = desk_services.create_team(
        workspace=cast.shop, name="售后", member_ids=[helper.pk], actor=Actor()
    )
    ticket = make_ticket(workspace=cast.shop)
    desk_services.set_ticket_team(
        workspace=cast.shop, ticket_id=ticket.pk, team_id=team.pk, actor=Actor()
    )

    desk_services.delete_team(workspace=cast.shop, team_id=team.pk, actor=Actor())

    ticket.refresh_from_db()
    assert ticket.team_id is None
