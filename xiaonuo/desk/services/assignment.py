"""Automatic assignment, agents' presence and capacity, the desk's settings.

Rules (docs/decisions/0006-desk-model.md):
- Only OPEN tickets count against an agent's capacity: pending, on-hold and solved ones wait on
  someone else. Only ONLINE members whose role may handle conversations are given tickets.
- Round robin gives the next ticket to the eligible agent assigned longest ago; load-balanced to
  the one with the lowest share of their capacity in use (ties: assigned longest ago).
- A new ticket is assigned in the transaction that creates it. When capacity frees (a ticket
  leaves OPEN or is unassigned, an agent comes online or gets more capacity), the oldest waiting
  unassigned tickets are assigned after the commit, by ``fill_free_capacity``.
- Every automatic assignment holds the workspace's ``DeskSettings`` row locked, so two of them
  never give out the same free slot.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from xiaonuo.accounts.models import Membership, User, Workspace
from xiaonuo.accounts.permissions import Perm, roles_with
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import (
    AgentPresence,
    AssignmentMode,
    DeskSettings,
    HistoryField,
    PresenceStatus,
    Ticket,
    TicketStatus,
)
from xiaonuo.desk.services._common import SYSTEM, record, who
from xiaonuo.lib.errors import ServiceError

MAX_CAPACITY = 100  # open tickets at once; beyond this a number is a typo


@dataclass
class _Candidate:
    user_id: int
    capacity: int
    load: int
    last_assigned_at: datetime | None


def _lock_settings(*, workspace: Workspace) -> DeskSettings:
    """The workspace's settings row, created on first use, locked: the assignment lock."""
    if not DeskSettings.objects.filter(workspace=workspace).exists():
        try:
            with transaction.atomic():
                DeskSettings.objects.create(workspace=workspace)
        except IntegrityError:
            pass  # created by a concurrent first use
    return DeskSettings.objects.select_for_update().get(workspace=workspace)


def _candidates(*, workspace: Workspace, settings: DeskSettings) -> list[_Candidate]:
    """Online members who may handle conversations and have a free slot."""
    presences = list(
        AgentPresence.objects.filter(
            workspace=workspace,
            status=PresenceStatus.ONLINE,
            user_id__in=Membership.objects.filter(
                workspace=workspace, role__in=roles_with(Perm.HANDLE_CONVERSATIONS)
            ).values("user_id"),
        )
    )
    if not presences:
        return []  # nobody online: no loads to count
    loads = desk_selectors.open_loads(workspace=workspace)
    found = []
    for p in presences:
        capacity = settings.default_capacity if p.capacity is None else p.capacity
        load = loads.get(p.user_id, 0)
        if load < capacity:
            found.append(_Candidate(p.user_id, capacity, load, p.last_assigned_at))
    return found


def _pick(mode: str, candidates: list[_Candidate]) -> _Candidate | None:
    free = [c for c in candidates if c.load < c.capacity]
    if not free:
        return None

    def longest_ago(c: _Candidate) -> tuple[float, int]:
        return (c.last_assigned_at.timestamp() if c.last_assigned_at else 0.0, c.user_id)

    if mode == AssignmentMode.ROUND_ROBIN:
        return min(free, key=longest_ago)
    return min(free, key=lambda c: (c.load / c.capacity, *longest_ago(c)))


def _give(workspace: Workspace, candidate: _Candidate, now: datetime) -> None:
    candidate.load += 1
    candidate.last_assigned_at = now
    AgentPresence.objects.filter(workspace=workspace, user_id=candidate.user_id).update(
        last_assigned_at=now
    )


def assign_new_ticket(*, workspace: Workspace, ticket: Ticket) -> None:
    """Assign a ticket created in the caller's transaction, if the workspace assigns
    automatically and someone has a free slot; otherwise it waits in the queue."""
    settings = desk_selectors.get_desk_settings(workspace=workspace)
    if settings.assignment_mode == AssignmentMode.MANUAL:
        return  # no need to queue behind other assignments for nothing
    if settings.pk is None or connection.features.has_select_for_update:
        # The assignment lock. On SQLite the caller's IMMEDIATE transaction already holds the
        # whole database, so the row just read is current and stays so.
        settings = _lock_settings(workspace=workspace)
        if settings.assignment_mode == AssignmentMode.MANUAL:
            return
    chosen = _pick(settings.assignment_mode, _candidates(workspace=workspace, settings=settings))
    if chosen is None:
        return
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(assignee_id=chosen.user_id)
    ticket.assignee_id = chosen.user_id
    record(ticket, field=HistoryField.ASSIGNEE, old=None, new=chosen.user_id, by=who(SYSTEM))
    _give(workspace, chosen, now)


def fill_free_capacity_on_commit(*, workspace_id: int) -> None:
    from xiaonuo.desk import tasks as desk_tasks  # the task module imports these services

    transaction.on_commit(lambda: desk_tasks.fill_free_capacity(workspace_id))


def fill_free_capacity(*, workspace: Workspace) -> int:
    """Assign the oldest waiting unassigned OPEN tickets to agents with free slots; returns how
    many were assigned. Safe to run any time, twice, or concurrently (it serialises on the
    assignment lock and claims each ticket with a conditional UPDATE)."""
    assigned = 0
    with transaction.atomic():
        settings = _lock_settings(workspace=workspace)
        if settings.assignment_mode == AssignmentMode.MANUAL:
            return 0
        candidates = _candidates(workspace=workspace, settings=settings)
        slots = sum(c.capacity - c.load for c in candidates)
        if slots <= 0:
            return 0
        waiting = list(
            Ticket.objects.filter(
                workspace=workspace, status=TicketStatus.OPEN, assignee__isnull=True
            )
            .order_by(F("waiting_since").asc(nulls_last=True), "id")
            .values_list("pk", flat=True)[:slots]
        )
        now = timezone.now()
        for ticket_id in waiting:
            chosen = _pick(settings.assignment_mode, candidates)
            if chosen is None:
                break
            claimed = Ticket.objects.filter(
                pk=ticket_id, status=TicketStatus.OPEN, assignee__isnull=True
            ).update(
                assignee_id=chosen.user_id,
                version=F("version") + 1,
                updated_at=now,
                # A change like any other: the ticket moves up the inbox, and open inboxes
                # notice it (their live update watches the newest activity).
                last_activity_at=now,
            )
            if claimed:
                ticket = Ticket(pk=ticket_id, workspace_id=workspace.pk)
                record(
                    ticket,
                    field=HistoryField.ASSIGNEE,
                    old=None,
                    new=chosen.user_id,
                    by=who(SYSTEM),
                )
                _give(workspace, chosen, now)
                assigned += 1
    return assigned


# --- Presence, capacity, settings --------------------------------------------------------------


def set_presence(*, workspace: Workspace, user: User, status: str) -> AgentPresence:
    """An agent goes online, away or offline. Going online may fill their free slots."""
    if status not in PresenceStatus.values:
        raise ServiceError(
            DeskError.PRESENCE_INVALID, f"Unknown presence {status!r}", status=422, field="status"
        )
    with transaction.atomic():
        presence = _presence_for_update(workspace=workspace, user_id=user.pk)
        if presence.status != status:
            presence.status = status
            presence.status_changed_at = timezone.now()
            presence.save(update_fields=["status", "status_changed_at"])
            if status == PresenceStatus.ONLINE:
                fill_free_capacity_on_commit(workspace_id=workspace.pk)
    return presence


def set_capacity(
    *, workspace: Workspace, user_id: int, capacity: int | None, actor: Actor
) -> AgentPresence:
    """An agent's own capacity (None = the workspace default). Needs ``manage_desk``."""
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        raise ServiceError(
            DeskError.CAPACITY_INVALID,
            f"Capacity is between 0 and {MAX_CAPACITY}",
            status=422,
            field="capacity",
        )
    if not Membership.objects.filter(
        workspace=workspace, user_id=user_id, role__in=roles_with(Perm.HANDLE_CONVERSATIONS)
    ).exists():
        raise ServiceError(
            DeskError.ASSIGNEE_INVALID,
            "Not a member of this workspace who handles conversations",
            status=422,
            field="user_id",
        )
    with transaction.atomic():
        presence = _presence_for_update(workspace=workspace, user_id=user_id)
        presence.capacity = capacity
        presence.save(update_fields=["capacity"])
        fill_free_capacity_on_commit(workspace_id=workspace.pk)
    return presence


def _presence_for_update(*, workspace: Workspace, user_id: int) -> AgentPresence:
    presence, _ = AgentPresence.objects.get_or_create(workspace=workspace, user_id=user_id)
    return AgentPresence.objects.select_for_update().get(pk=presence.pk)


def update_desk_settings(
    *,
    workspace: Workspace,
    assignment_mode: str | None = None,
    default_capacity: int | None = None,
    close_solved_after_days: int | None = None,
) -> DeskSettings:
    if assignment_mode is not None and assignment_mode not in AssignmentMode.values:
        raise ServiceError(
            DeskError.ASSIGNMENT_MODE_INVALID,
            f"Unknown assignment mode {assignment_mode!r}",
            status=422,
            field="assignment_mode",
        )
    if default_capacity is not None and not 0 <= default_capacity <= MAX_CAPACITY:
        raise ServiceError(
            DeskError.CAPACITY_INVALID,
            f"Capacity is between 0 and {MAX_CAPACITY}",
            status=422,
            field="default_capacity",
        )
    if close_solved_after_days is not None and not 1 <= close_solved_after_days <= 365:
        raise ServiceError(
            DeskError.CAPACITY_INVALID,
            "Solved tickets close after 1 to 365 days",
            status=422,
            field="close_solved_after_days",
        )
    with transaction.atomic():
        settings = _lock_settings(workspace=workspace)
        if assignment_mode is not None:
            settings.assignment_mode = assignment_mode
        if default_capacity is not None:
            settings.default_capacity = default_capacity
        if close_solved_after_days is not None:
            settings.close_solved_after_days = close_solved_after_days
        settings.save()
        fill_free_capacity_on_commit(workspace_id=workspace.pk)
    return settings


MAX_TONE_WORDS = 500  # per list; a longer list is an import mistake, not a policy
MAX_TONE_WORD_CHARS = 50


def set_tone_words(*, workspace: Workspace, lists: dict[str, list[str]]) -> DeskSettings:
    """Replace the workspace's tone-check word lists named in ``lists`` (``rude``,
    ``forbidden_promises``, ``sensitive``, ``allowed``). An entry may carry its own gentler
    wording: "保证明天到=>预计明天送达" (see docs/decisions/0008-tone-check.md)."""
    unknown = set(lists) - set(desk_selectors.TONE_LISTS)
    cleaned: dict[str, list[str]] = {}
    for name, words in lists.items():
        entries = sorted({(w or "").strip() for w in words} - {""})
        if (
            name in unknown
            or len(entries) > MAX_TONE_WORDS
            or any(len(w) > MAX_TONE_WORD_CHARS for w in entries)
        ):
            raise ServiceError(
                DeskError.TONE_WORDS_INVALID,
                f"Lists are {', '.join(desk_selectors.TONE_LISTS)}, each of at most "
                f"{MAX_TONE_WORDS} entries of at most {MAX_TONE_WORD_CHARS} characters",
                status=422,
                field=name,
            )
        cleaned[name] = entries
    with transaction.atomic():
        settings = _lock_settings(workspace=workspace)
        settings.tone_words = {**(settings.tone_words or {}), **cleaned}
        settings.save(update_fields=["tone_words"])
    return settings
