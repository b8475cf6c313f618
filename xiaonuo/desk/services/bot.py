"""What auto-reply needs from the desk: Xiaonuo's own reply in a conversation, its delivery, and
the hand-off to a person.

Xiaonuo's reply is stored like any reply (OUTBOUND, author SYSTEM) but PENDING and without a
push: a channel that answers inside its own HTTP response (WeChat's passive reply) settles it
afterwards — delivered, or pushed through the customer-service API when time ran out.
"""

from django.db import transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels import outbound as channels_outbound
from xiaonuo.desk import notify
from xiaonuo.desk.models import (
    AuthorKind,
    Conversation,
    DeliveryStatus,
    HistoryField,
    Message,
    MessageKind,
    Ticket,
    TicketStatus,
)
from xiaonuo.desk.services import _common, assignment
from xiaonuo.desk.services._common import SYSTEM, clean_text, lock_ticket, record, touch, who
from xiaonuo.desk.services.messages import Received, _push_on_commit, _reply_thread
from xiaonuo.desk.services.tickets import enter_status


def record_bot_reply(
    *,
    workspace: Workspace,
    ticket_id: int,
    text: str,
    just_received: Received | None = None,
    delivered_in_reply: bool | None = None,
) -> Message:
    """Xiaonuo's answer in the ticket's conversation; the ticket becomes SOLVED.

    Solved, not pending: a question the bot answered needs nobody, so it leaves the inbox at
    once, and the customer's next message reopens it (SOLVED → OPEN) like any solved ticket;
    unanswered for the workspace's auto-close delay, it closes. The message is PENDING on a
    pushing channel (WeChat) until ``settle_bot_reply``; a channel whose clients fetch messages
    (widget, API) has it DELIVERED at once.

    ``just_received``: what ``receive_message`` returned in the caller's still open transaction
    (auto-reply answers in the transaction that stored the question): its ticket and
    conversation are already locked and current, so they are not read again.

    ``delivered_in_reply``: the channel already knows how it delivers the answer (the WeChat
    callback decides in this transaction), so it is settled as it is stored — True: DELIVERED
    in the channel's response; False: pushed on commit — instead of in a transaction of its own
    afterwards. None: PENDING until ``settle_bot_reply``.

    With ``just_received`` no savepoint is taken (the caller's transaction is open and has its
    own): an error here undoes the caller's savepoint as a whole; the search index row is
    written in that transaction (see ``receive_message``'s ``savepoint``).
    """
    text = clean_text(text)
    now = timezone.now()
    with transaction.atomic(savepoint=just_received is None):
        ticket = _locked_ticket(workspace=workspace, ticket_id=ticket_id, received=just_received)
        _common.refuse_if_closed(ticket)
        thread = (
            just_received.conversation
            if just_received is not None and just_received.ticket is ticket
            else _reply_thread(ticket, None)
        )
        push = channels_outbound.requires_push(thread.channel)
        message = Message.objects.create(
            workspace=workspace,
            conversation=thread,
            ticket=ticket,
            kind=MessageKind.OUTBOUND,
            author_kind=AuthorKind.SYSTEM,
            text=text,
            created_at=now,
            delivery_status=(
                DeliveryStatus.PENDING
                if push and not delivered_in_reply
                else DeliveryStatus.DELIVERED
            ),
        )
        if push and delivered_in_reply is False:
            _push_on_commit(message.pk)
        old = ticket.status
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.waiting_since = None
        if old in (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD):
            enter_status(ticket, TicketStatus.SOLVED, now=now)
            record(ticket, field=HistoryField.STATUS, old=old, new=ticket.status, by=who(SYSTEM))
        touch(ticket, now=now)
        _common.save_ticket(ticket)
        Conversation.objects.filter(pk=thread.pk).update(last_message_at=now)
        notify.message_created(
            message, ticket=ticket, status_from=old, status_changed=old != ticket.status
        )
        _common.announce_created(message, index_now=just_received is not None)
    return message


def settle_bot_reply(*, workspace: Workspace, message_id: int, delivered_in_reply: bool) -> None:
    """The channel sent Xiaonuo's reply in its HTTP response (DELIVERED), or could not in time:
    then the desk's push job delivers it like a staff reply. Idempotent: only a PENDING
    message of this workspace changes, and the push job claims it once."""
    pending = Message.objects.filter(
        workspace=workspace, pk=message_id, delivery_status=DeliveryStatus.PENDING
    )
    if delivered_in_reply:
        pending.update(delivery_status=DeliveryStatus.DELIVERED, delivery_error="")
        return
    if pending.exists():
        with transaction.atomic():
            _push_on_commit(message_id)


def hand_off_ticket(
    *,
    workspace: Workspace,
    ticket_id: int,
    note: str,
    priority: int,
    just_received: Received | None = None,
) -> Ticket:
    """Auto-reply gives the case to a person: the ticket is OPEN (reopened if the bot had solved
    it), its priority raised to at least ``priority``, and a system note says why. The bot's
    earlier answers are already in the thread, so the agent sees what the customer was told.
    ``just_received`` as for ``record_bot_reply``."""
    note = clean_text(note)
    now = timezone.now()
    by = who(SYSTEM)
    with transaction.atomic(savepoint=just_received is None):  # as record_bot_reply
        ticket = _locked_ticket(workspace=workspace, ticket_id=ticket_id, received=just_received)
        _common.refuse_if_closed(ticket)
        old_status, old_priority = ticket.status, ticket.priority
        if old_status != TicketStatus.OPEN:
            enter_status(ticket, TicketStatus.OPEN, now=now)
            record(ticket, field=HistoryField.STATUS, old=old_status, new=ticket.status, by=by)
        if priority > old_priority:
            ticket.priority = priority
            record(ticket, field=HistoryField.PRIORITY, old=old_priority, new=priority, by=by)
        note_message = Message.objects.create(
            workspace=workspace,
            conversation_id=ticket.conversation_id,
            ticket=ticket,
            kind=MessageKind.NOTE,
            author_kind=AuthorKind.SYSTEM,
            text=note,
            created_at=now,
        )
        touch(ticket, now=now)
        _common.save_ticket(ticket)
        _common.announce_created(note_message, index_now=just_received is not None)
        if old_status != ticket.status:
            notify.status_changed(ticket, old=old_status, new=ticket.status)
            if ticket.assignee_id is None:
                assignment.fill_free_capacity_on_commit(workspace_id=workspace.pk)
    return ticket


def _locked_ticket(*, workspace: Workspace, ticket_id: int, received: Received | None) -> Ticket:
    if (
        received is not None
        and not received.duplicate
        and received.ticket.pk == ticket_id
        and received.ticket.workspace_id == workspace.pk
        and transaction.get_connection().in_atomic_block
    ):
        return received.ticket  # locked by receive_message in this same transaction
    return lock_ticket(workspace=workspace, ticket_id=ticket_id)
