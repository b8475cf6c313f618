"""Teams: a workspace's named groups of agents, and the team a ticket belongs to."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from xiaonuo.accounts.models import Membership, Workspace
from xiaonuo.accounts.permissions import Perm, roles_with
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import HistoryField, Team
from xiaonuo.desk.services import _common
from xiaonuo.desk.services._common import lock_ticket, record, refuse_if_closed, touch, who
from xiaonuo.lib.errors import ServiceError

TEAM_NAME_MAX = 50


def create_team(
    *, workspace: Workspace, name: str, member_ids: Iterable[int] = (), actor: Actor
) -> Team:
    name = _clean_name(name)
    members = _check_members(workspace=workspace, member_ids=member_ids)
    try:
        with transaction.atomic():
            team = Team.objects.create(workspace=workspace, name=name)
            team.members.set(members)
    except IntegrityError:
        raise _name_taken() from None
    return team


def update_team(
    *, workspace: Workspace, team_id: int, name: str, member_ids: Iterable[int], actor: Actor
) -> Team:
    """Rename a team and set its members (the whole list: who is not named leaves)."""
    name = _clean_name(name)
    members = _check_members(workspace=workspace, member_ids=member_ids)
    try:
        with transaction.atomic():
            team = Team.objects.select_for_update().filter(workspace=workspace, pk=team_id).first()
            if team is None:
                raise desk_selectors.team_not_found()
            team.name = name
            team.save(update_fields=["name"])
            team.members.set(members)
    except IntegrityError:
        raise _name_taken() from None
    return team


def delete_team(*, workspace: Workspace, team_id: int, actor: Actor) -> None:
    """Delete a team; its tickets keep their history and belong to no team."""
    desk_selectors.get_team(workspace=workspace, team_id=team_id).delete()


def set_ticket_team(
    *, workspace: Workspace, ticket_id: int, team_id: int | None, actor: Actor
) -> None:
    """Give a ticket to a team, or to none (None); a line of history."""
    if team_id is not None:
        desk_selectors.get_team(workspace=workspace, team_id=team_id)
    now = timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(workspace=workspace, ticket_id=ticket_id)
        refuse_if_closed(ticket)
        old = ticket.team_id
        if old == team_id:
            return
        ticket.team_id = team_id
        record(ticket, field=HistoryField.TEAM, old=old, new=team_id, by=who(actor), now=now)
        touch(ticket, now=now)
        _common.save_ticket(ticket)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > TEAM_NAME_MAX:
        raise ServiceError(
            DeskError.TEAM_INVALID,
            f"A team needs a name of at most {TEAM_NAME_MAX} characters",
            status=422,
            field="name",
        )
    return name


def _check_members(*, workspace: Workspace, member_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(member_ids))
    agents = set(
        Membership.objects.filter(
            workspace=workspace,
            user_id__in=wanted,
            role__in=roles_with(Perm.HANDLE_CONVERSATIONS),
        ).values_list("user_id", flat=True)
    )
    if agents != set(wanted):
        raise ServiceError(
            DeskError.TEAM_INVALID,
            "Team members are members of this workspace who handle conversations",
            status=422,
            field="member_ids",
        )
    return wanted


def _name_taken() -> ServiceError:
    return ServiceError(
        DeskError.TEAM_NAME_TAKEN, "Another team has this name", status=409, field="name"
    )
