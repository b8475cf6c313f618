"""What every desk use case shares: text checks, the ticket lock, the history writer."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.permissions import Perm, can
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import (
    MAX_MESSAGE_CHARS,
    AuthorKind,
    HistoryField,
    Message,
    Ticket,
    TicketChange,
    TicketStatus,
)
from xiaonuo.desk.search import services as search_services
from xiaonuo.lib.dispatch import dispatch_on_commit
from xiaonuo.lib.errors import ServiceError

SYSTEM = Actor()  # Xiaonuo itself: automatic assignment, the auto-close job


def announce_created(message: Message, *, index_now: bool = False) -> None:
    """``desk.message_created`` once the caller's transaction commits. The payload carries what
    the reactions need (kind, author, text), so they neither re-read the row just written nor
    queue work for a message they ignore (enrichment reads customers' messages only).

    ``index_now``: the search index row is written in this transaction (the caller's, which
    holds the write lock anyway: auto-reply's live path), and the reaction skips it."""
    if index_now:
        search_services.index_in_transaction(message_id=message.pk, text=message.text)
    dispatch_on_commit(
        "desk.message_created",
        workspace_id=message.workspace_id,
        message_id=message.pk,
        kind=message.kind,
        author_kind=message.author_kind,
        text=message.text,
        indexed=index_now,
    )


def clean_text(text: str | None) -> str:
    """Message text as stored: surrounding whitespace trimmed, NUL removed (PostgreSQL cannot
    store it), everything else verbatim — HTML stays text and is escaped where it is shown."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ServiceError(
            DeskError.MESSAGE_EMPTY, "The message is empty", status=422, field="text"
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise ServiceError(
            DeskError.MESSAGE_TOO_LONG,
            f"A message has at most {MAX_MESSAGE_CHARS} characters",
            status=422,
            field="text",
            max_chars=MAX_MESSAGE_CHARS,
        )
    return text


def lock_ticket(*, workspace: Workspace, ticket_id: int) -> Ticket:
    """The ticket row, locked until the end of the caller's transaction (SQLite: the whole
    database is, by the IMMEDIATE transaction mode). Every change of a ticket starts here."""
    ticket = Ticket.objects.select_for_update().filter(workspace=workspace, pk=ticket_id).first()
    if ticket is None:
        raise desk_selectors.ticket_not_found()
    return ticket


def refuse_if_closed(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.CLOSED:
        raise ServiceError(
            DeskError.TICKET_CLOSED,
            "The ticket is closed; a new customer message opens a follow-up ticket",
            status=409,
            ticket_id=ticket.pk,
            merged_into=ticket.merged_into_id,
        )


def touch(ticket: Ticket, *, now: datetime | None = None) -> None:
    """Mark a locked ticket changed: newest activity, and a new version for stale-page checks.

    The row is locked (``lock_ticket``) or was created in this transaction, so the version
    read with it is the stored one and the next is known without reading it back."""
    ticket.last_activity_at = now or timezone.now()
    version = ticket.version
    ticket.version = version + 1 if isinstance(version, int) else F("version") + 1


def save_ticket(ticket: Ticket) -> Ticket:
    ticket.save()
    if not isinstance(ticket.version, int):
        ticket.refresh_from_db(fields=["version"])  # F() expression → the stored number
    return ticket


@dataclass(frozen=True)
class Who:
    """Who caused a change, as the history records it."""

    kind: str
    user_id: int | None = None
    api_key_id: int | None = None


CUSTOMER = Who(kind=AuthorKind.CUSTOMER)


def who(actor: Actor) -> Who:
    if actor.user is not None:
        return Who(
            kind=AuthorKind.STAFF,
            user_id=actor.user.pk,
            api_key_id=actor.api_key.pk if actor.api_key else None,
        )
    return Who(kind=AuthorKind.SYSTEM, api_key_id=actor.api_key.pk if actor.api_key else None)


def record(
    ticket: Ticket,
    *,
    field: HistoryField,
    old: object,
    new: object,
    by: Who,
    now: datetime | None = None,
) -> TicketChange:
    return TicketChange.objects.create(
        workspace_id=ticket.workspace_id,
        ticket_id=ticket.pk,
        actor_kind=by.kind,
        actor_id=by.user_id,
        api_key_id=by.api_key_id,
        field=field,
        old_value=_as_text(old),
        new_value=_as_text(new),
        created_at=now or timezone.now(),
    )


def _as_text(value: object) -> str:
    return "" if value is None else str(value)


def actor_may(*, workspace: Workspace, actor: Actor, perm: Perm) -> bool:
    """Data-dependent permission checks inside a service (the entrypoint has checked the rest).
    API keys act for their whole workspace; so does Xiaonuo itself."""
    if actor.user is None:
        return True
    role = desk_selectors.get_role(workspace=workspace, user=actor.user)
    return role is not None and can(role, perm)
