"""Ticket use cases: open, status transitions, assignment by hand, properties, merge, auto-close.

Each change locks the ticket row (``lock_ticket``), checks, writes the ticket and its history in
one transaction, and announces status changes (``desk.notify``).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xiaonuo.accounts.models import Membership, Workspace
from xiaonuo.accounts.permissions import Perm, roles_with
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.desk import notify
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import (
    SUBJECT_MAX_CHARS,
    TICKET_TRANSITIONS,
    Complaint,
    Conversation,
    DeskSettings,
    HistoryField,
    Message,
    MessageKind,
    Ticket,
    TicketChange,
    TicketPriority,
    TicketStatus,
    TicketTag,
)
from xiaonuo.desk.services import _common, assignment
from xiaonuo.desk.services._common import (
    SYSTEM,
    actor_may,
    clean_text,
    lock_ticket,
    record,
    refuse_if_closed,
    touch,
    who,
)
from xiaonuo.lib.errors import ServiceError

MAX_TAGS_PER_TICKET = 20


def check_transition(ticket: Ticket, new: str) -> None:
    if new not in TicketStatus.values:
        raise ServiceError(
            DeskError.STATUS_INVALID, f"Unknown ticket status {new!r}", status=422, field="status"
        )
    if new not in TICKET_TRANSITIONS[ticket.status]:
        raise ServiceError(
            DeskError.TRANSITION_NOT_ALLOWED,
            f"A ticket cannot go from {ticket.status} to {new}",
            status=409,
            current=ticket.status,
        )


def enter_status(ticket: Ticket, new: str, *, now: datetime) -> None:
    """Set the status of a locked ticket and the timestamps that go with it (no checks)."""
    ticket.status = new
    if new == TicketStatus.OPEN:
        ticket.solved_at = None
        if ticket.waiting_since is None:
            ticket.waiting_since = now
    else:
        ticket.waiting_since = None
    if new == TicketStatus.SOLVED:
        ticket.solved_at = now
    if new == TicketStatus.CLOSED:
        ticket.closed_at = now


def open_ticket(
    *,
    workspace: Workspace,
    customer_id: int,
    actor: Actor,
    subject: str,
    note: str = "",
    priority: int = TicketPriority.NORMAL,
    tags: Iterable[str] = (),
    assignee_id: int | None = None,
    conversation_id: int | None = None,
) -> Ticket:
    """A ticket opened by staff: directly (a phone call: notes only, no conversation), or from a
    conversation, whose next messages and replies then belong to it."""
    subject = _clean_subject(subject)
    note = clean_text(note) if note.strip() else ""
    _check_priority(priority)
    tag_names = _clean_tags(tags)
    now = timezone.now()
    by = who(actor)
    with transaction.atomic():
        customer = customers_selectors.get_customer(workspace=workspace, customer_id=customer_id)
        conversation = None
        if conversation_id is not None:
            conversation = (
                Conversation.objects.select_for_update()
                .filter(workspace=workspace, pk=conversation_id, customer=customer)
                .first()
            )
            if conversation is None:
                raise desk_selectors.conversation_not_found()
        if assignee_id is not None:
            _check_assignee(workspace=workspace, assignee_id=assignee_id)
        ticket = Ticket.objects.create(
            workspace=workspace,
            customer=customer,
            conversation=conversation,
            channel_id=conversation.channel_id if conversation else None,
            subject=subject,
            priority=priority,
            assignee_id=assignee_id,
            last_activity_at=now,
            waiting_since=now,
        )
        record(ticket, field=HistoryField.STATUS, old=None, new=TicketStatus.OPEN, by=by, now=now)
        if tag_names:
            _set_tags(ticket, tag_names, by=by, now=now)
        if conversation is not None:
            Conversation.objects.filter(pk=conversation.pk).update(ticket=ticket)
        if note:
            Message.objects.create(
                workspace=workspace,
                conversation=conversation,
                ticket=ticket,
                kind=MessageKind.NOTE,
                author_kind=by.kind,
                staff=actor.user,
                text=note,
                created_at=now,
            )
        if assignee_id is not None:
            record(ticket, field=HistoryField.ASSIGNEE, old=None, new=assignee_id, by=by, now=now)
        else:
            assignment.assign_new_ticket(workspace=workspace, ticket=ticket)
        notify.status_changed(ticket, old=None, new=TicketStatus.OPEN)
    return ticket


def set_ticket_status(*, workspace: Workspace, ticket_id: int, status: str, actor: Actor) -> Ticket:
    """Move a ticket along ``TICKET_TRANSITIONS`` (solve, put on hold, reopen, close …)."""
    now = timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(workspace=workspace, ticket_id=ticket_id)
        old = ticket.status
        if status == old:
            return ticket  # idempotent: a second click on "solved" is not an error
        check_transition(ticket, status)
        enter_status(ticket, status, now=now)
        record(ticket, field=HistoryField.STATUS, old=old, new=status, by=who(actor), now=now)
        touch(ticket, now=now)
        _common.save_ticket(ticket)
        notify.status_changed(ticket, old=old, new=status)
        if ticket.assignee_id is not None and old == TicketStatus.OPEN:
            assignment.fill_free_capacity_on_commit(workspace_id=workspace.pk)  # a slot freed
        if ticket.assignee_id is None and status == TicketStatus.OPEN:
            assignment.fill_free_capacity_on_commit(workspace_id=workspace.pk)
    return ticket


def assign_ticket(
    *, workspace: Workspace, ticket_id: int, assignee_id: int | None, actor: Actor
) -> Ticket:
    """Assign by hand, or unassign (None). Agents may take a ticket for themselves or hand back
    their own; assigning to someone else needs ``assign_tickets`` (supervisors)."""
    now = timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(workspace=workspace, ticket_id=ticket_id)
        refuse_if_closed(ticket)
        old = ticket.assignee_id
        if assignee_id == old:
            return ticket
        _check_may_assign(workspace=workspace, actor=actor, old=old, new=assignee_id)
        if assignee_id is not None:
            _check_assignee(workspace=workspace, assignee_id=assignee_id)
        ticket.assignee_id = assignee_id
        record(
            ticket, field=HistoryField.ASSIGNEE, old=old, new=assignee_id, by=who(actor), now=now
        )
        touch(ticket, now=now)
        _common.save_ticket(ticket)
        if ticket.status == TicketStatus.OPEN and (old is not None or assignee_id is None):
            assignment.fill_free_capacity_on_commit(workspace_id=workspace.pk)
    return ticket


def _check_may_assign(
    *, workspace: Workspace, actor: Actor, old: int | None, new: int | None
) -> None:
    if actor_may(workspace=workspace, actor=actor, perm=Perm.ASSIGN_TICKETS):
        return
    me = actor.user.pk if actor.user is not None else None
    taking = new == me and old is None
    handing_back = new is None and old == me
    if not (taking or handing_back):
        raise ServiceError(
            DeskError.ASSIGN_OTHERS_FORBIDDEN,
            "Only supervisors assign tickets to others or take them from others",
            status=403,
        )


def _check_assignee(*, workspace: Workspace, assignee_id: int) -> None:
    if not Membership.objects.filter(
        workspace=workspace,
        user_id=assignee_id,
        role__in=roles_with(Perm.HANDLE_CONVERSATIONS),
    ).exists():
        raise ServiceError(
            DeskError.ASSIGNEE_INVALID,
            "The assignee must be a member of this workspace who handles conversations",
            status=422,
            field="assignee_id",
        )


def update_ticket(
    *,
    workspace: Workspace,
    ticket_id: int,
    actor: Actor,
    subject: str | None = None,
    priority: int | None = None,
    tags: Iterable[str] | None = None,
) -> Ticket:
    """Change a ticket's subject, priority and/or tags (None = leave as is); each change is a
    line of history."""
    subject = _clean_subject(subject) if subject is not None else None
    if priority is not None:
        _check_priority(priority)
    tag_names = _clean_tags(tags) if tags is not None else None
    now = timezone.now()
    by = who(actor)
    with transaction.atomic():
        ticket = lock_ticket(workspace=workspace, ticket_id=ticket_id)
        refuse_if_closed(ticket)
        changed = False
        if subject is not None and subject != ticket.subject:
            record(ticket, field=HistoryField.SUBJECT, old=ticket.subject, new=subject, by=by)
            ticket.subject, changed = subject, True
        if priority is not None and priority != ticket.priority:
            record(ticket, field=HistoryField.PRIORITY, old=ticket.priority, new=priority, by=by)
            ticket.priority, changed = priority, True
        if tag_names is not None:
            changed = _set_tags(ticket, tag_names, by=by, now=now) or changed
        if changed:
            touch(ticket, now=now)
            _common.save_ticket(ticket)
    return ticket


def _set_tags(ticket: Ticket, names: list[str], *, by: _common.Who, now: datetime) -> bool:
    current = sorted(ticket.tags.values_list("name", flat=True))
    if current == names:
        return False
    tags = [
        TicketTag.objects.get_or_create(workspace_id=ticket.workspace_id, name=name)[0]
        for name in names
    ]
    ticket.tags.set(tags)
    record(ticket, field=HistoryField.TAGS, old=",".join(current), new=",".join(names), by=by)
    return True


def _clean_subject(subject: str) -> str:
    subject = (subject or "").strip()
    if len(subject) > SUBJECT_MAX_CHARS:
        raise ServiceError(
            DeskError.SUBJECT_TOO_LONG,
            f"A subject has at most {SUBJECT_MAX_CHARS} characters",
            status=422,
            field="subject",
        )
    return subject


def _check_priority(priority: int) -> None:
    if priority not in TicketPriority.values:
        raise ServiceError(
            DeskError.PRIORITY_INVALID,
            "Priority is 1 (low), 2 (normal), 3 (high) or 4 (urgent)",
            status=422,
            field="priority",
        )


def _clean_tags(names: Iterable[str]) -> list[str]:
    cleaned = sorted({(name or "").strip() for name in names} - {""})
    if any(len(name) > 50 or "," in name for name in cleaned):
        raise ServiceError(
            DeskError.TAG_INVALID,
            "A tag has at most 50 characters and no comma",
            status=422,
            field="tags",
        )
    if len(cleaned) > MAX_TAGS_PER_TICKET:
        raise ServiceError(
            DeskError.TAG_INVALID,
            f"At most {MAX_TAGS_PER_TICKET} tags per ticket",
            status=422,
            field="tags",
        )
    return cleaned


# --- Merge -----------------------------------------------------------------------------------


def merge_tickets(
    *, workspace: Workspace, survivor_id: int, merged_id: int, actor: Actor
) -> Ticket:
    """Fold a duplicate ticket into another of the same customer: its messages, history, tags,
    complaints and conversations move to the survivor; it is closed and points at the survivor.
    Tickets of two customers are refused: merge the customers first (then they are one)."""
    if survivor_id == merged_id:
        raise ServiceError(DeskError.MERGE_SAME, "A ticket cannot be merged into itself")
    now = timezone.now()
    by = who(actor)
    with transaction.atomic():
        # Both rows locked in id order, so two crossing merges cannot deadlock.
        locked = {
            t.pk: t
            for t in Ticket.objects.select_for_update()
            .filter(workspace=workspace, pk__in=[survivor_id, merged_id])
            .order_by("pk")
        }
        if survivor_id not in locked or merged_id not in locked:
            raise desk_selectors.ticket_not_found()
        survivor, merged = locked[survivor_id], locked[merged_id]
        refuse_if_closed(survivor)
        refuse_if_closed(merged)
        if survivor.customer_id != merged.customer_id:
            raise ServiceError(
                DeskError.MERGE_CUSTOMER_MISMATCH,
                "The tickets belong to different customers; merge the customers first",
                status=409,
            )
        Message.objects.filter(ticket=merged).update(ticket=survivor)
        TicketChange.objects.filter(ticket=merged).update(ticket=survivor)
        Complaint.objects.filter(ticket=merged).update(ticket=survivor)
        Conversation.objects.filter(ticket=merged).update(ticket=survivor)
        Ticket.objects.filter(merged_into=merged).update(merged_into=survivor)
        survivor.tags.add(*merged.tags.all())
        _absorb(survivor, merged)
        record(survivor, field=HistoryField.MERGED, old=None, new=merged.pk, by=by, now=now)
        old_status = merged.status
        enter_status(merged, TicketStatus.CLOSED, now=now)
        merged.merged_into = survivor
        record(merged, field=HistoryField.STATUS, old=old_status, new=merged.status, by=by, now=now)
        record(merged, field=HistoryField.MERGED, old=None, new=survivor.pk, by=by, now=now)
        touch(merged, now=now)
        touch(survivor, now=now)
        _common.save_ticket(merged)
        _common.save_ticket(survivor)
        notify.status_changed(merged, old=old_status, new=TicketStatus.CLOSED)
        if merged.assignee_id is not None and old_status == TicketStatus.OPEN:
            assignment.fill_free_capacity_on_commit(workspace_id=workspace.pk)
    return survivor


def _absorb(survivor: Ticket, merged: Ticket) -> None:
    """The survivor keeps its own values; the merged ticket fills gaps and raises urgency."""
    survivor.priority = max(survivor.priority, merged.priority)
    if survivor.conversation_id is None:
        survivor.conversation_id, survivor.channel_id = merged.conversation_id, merged.channel_id
    waits = [w for w in (survivor.waiting_since, merged.waiting_since) if w is not None]
    if waits and survivor.status == TicketStatus.OPEN:
        survivor.waiting_since = min(waits)
    firsts = [f for f in (survivor.first_response_at, merged.first_response_at) if f is not None]
    survivor.first_response_at = min(firsts) if firsts else None


# --- Auto-close ------------------------------------------------------------------------------

CLOSE_BATCH = 500


def close_solved_tickets(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Close tickets solved longer ago than the workspace's ``close_solved_after_days`` with no
    customer message since (one would have reopened them). Idempotent; each ticket is claimed
    by a conditional UPDATE, so a ticket reopened meanwhile stays open."""
    now = now or timezone.now()
    days = (
        DeskSettings.objects.filter(workspace=workspace)
        .values_list("close_solved_after_days", flat=True)
        .first()
    )
    cutoff = now - timedelta(
        days=days if days is not None else DeskSettings().close_solved_after_days
    )
    closed = 0
    while True:
        ids = list(
            Ticket.objects.filter(
                workspace=workspace, status=TicketStatus.SOLVED, solved_at__lt=cutoff
            ).values_list("pk", flat=True)[:CLOSE_BATCH]
        )
        if not ids:
            return closed
        for ticket_id in ids:
            with transaction.atomic():
                done = Ticket.objects.filter(pk=ticket_id, status=TicketStatus.SOLVED).update(
                    status=TicketStatus.CLOSED, closed_at=now, version=F("version") + 1
                )
                if done:
                    ticket = Ticket.objects.get(pk=ticket_id)
                    record(
                        ticket,
                        field=HistoryField.STATUS,
                        old=TicketStatus.SOLVED,
                        new=TicketStatus.CLOSED,
                        by=_common.who(SYSTEM),
                        now=now,
                    )
                    notify.status_changed(ticket, old=TicketStatus.SOLVED, new=TicketStatus.CLOSED)
                    closed += 1
