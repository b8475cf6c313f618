"""Messages in and out: the one entry point from every channel, agents' replies, internal notes."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.channels import outbound as channels_outbound
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.inbound import InboundMessage
from xiaonuo.channels.models import Channel
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.exceptions import CustomersError
from xiaonuo.customers.identities import normalise
from xiaonuo.customers.models import Customer, Identity, IdentityKind
from xiaonuo.customers.services import CustomerChanges
from xiaonuo.desk import notify
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import (
    SUBJECT_MAX_CHARS,
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
from xiaonuo.desk.services._common import CUSTOMER, clean_text, lock_ticket, record, touch, who
from xiaonuo.desk.services.tickets import check_transition, enter_status
from xiaonuo.lib.errors import NotFound, ServiceError

# Which identity names a person best, when a channel gives several: the company's own id first,
# then WeChat's cross-app id, … and a browser's anonymous id last.
_IDENTITY_ORDER = (
    IdentityKind.EXTERNAL_ID,
    IdentityKind.UNIONID,
    IdentityKind.OPENID,
    IdentityKind.PHONE,
    IdentityKind.EMAIL,
    IdentityKind.QQ,
    IdentityKind.ANONYMOUS_ID,
)


@dataclass(frozen=True)
class Received:
    message: Message
    conversation: Conversation
    ticket: Ticket
    duplicate: bool  # the channel delivered a message already stored; nothing was changed
    new_conversation: bool = False  # this message started the conversation


def receive_message(
    *, workspace: Workspace, inbound: InboundMessage, savepoint: bool = True
) -> Received:
    """Store a customer's message from any channel — the single entry point (DESIGN.md §3).

    Finds or creates the customer by identity, finds or starts the conversation, joins the
    conversation's ticket (reopening a solved or pending one) or opens a new ticket (a follow-up
    when the last one is closed), assigns a new ticket when the workspace assigns
    automatically, and announces ``message.created``. A redelivery with a known
    ``external_id`` returns the stored message and changes nothing.

    Everything is checked before anything is written; the writes are one transaction. The
    customer's row is locked first, so two messages of one person are taken one after the other
    (one conversation, one ticket), while different people's messages do not wait for each other.
    ``savepoint=False``: inside a caller's transaction that is undone as a whole on any error
    (auto-reply's ``respond``), no savepoint of its own, and the message's search index row is
    written in that transaction too rather than after it (one write per message on SQLite).
    """
    text = clean_text(inbound.text)
    channel = channels_selectors.get_channel(workspace=workspace, channel_id=inbound.channel_id)
    if not channel.enabled:
        raise ServiceError(
            ChannelsError.CHANNEL_DISABLED, "This channel is switched off", status=409
        )
    identities = _normalised_identities(inbound.identities)
    if inbound.conversation_id is None and not identities:
        raise ServiceError(
            DeskError.SENDER_UNKNOWN,
            "An inbound message needs an identity of its sender or a conversation id",
            status=422,
        )
    now = timezone.now()
    with transaction.atomic(savepoint=savepoint):
        conversation, customer = _find_thread(
            workspace=workspace, channel=channel, inbound=inbound, identities=identities
        )
        # Only a person who already has a conversation here can have sent this one before (a
        # new thread asked for, ``start_new``, may follow one).
        if inbound.external_id and (conversation is not None or inbound.start_new):
            known = _already_stored(channel=channel, customer=customer, inbound=inbound)
            if known is not None:
                return known
        started = conversation is None
        if conversation is None:
            conversation = Conversation.objects.create(
                workspace=workspace, channel=channel, customer=customer
            )
        conversation.channel = channel  # its own row: read above, no need to fetch it again
        if inbound.customer_name.strip() and not customer.name:
            customers_services.update_customer(
                workspace=workspace,
                customer_id=customer.pk,
                changes=CustomerChanges(name=inbound.customer_name.strip()[:100]),
            )
        ticket, old_status = _ticket_for_inbound(
            workspace=workspace, conversation=conversation, text=text, now=now
        )
        message = Message.objects.create(
            workspace=workspace,
            conversation=conversation,
            ticket=ticket,
            kind=MessageKind.INBOUND,
            author_kind=AuthorKind.CUSTOMER,
            text=text,
            created_at=now,
            external_id=inbound.external_id[:200],
        )
        Conversation.objects.filter(pk=conversation.pk).update(ticket=ticket, last_message_at=now)
        conversation.ticket, conversation.last_message_at = ticket, now
        notify.message_created(
            message,
            ticket=ticket,
            status_from=old_status,
            status_changed=old_status != ticket.status,
        )
        _common.announce_created(message, index_now=not savepoint)
    return Received(
        message=message,
        conversation=conversation,
        ticket=ticket,
        duplicate=False,
        new_conversation=started,
    )


def _normalised_identities(identities: Mapping[str, str]) -> dict[str, str]:
    """kind → canonical value, in ``_IDENTITY_ORDER``; ``identity_invalid`` for a bad one."""
    unknown = set(identities) - set(IdentityKind.values)
    if unknown:
        kind = sorted(unknown)[0]
        raise ServiceError(
            CustomersError.IDENTITY_INVALID, f"Unknown identity kind {kind!r}", field=kind
        )
    return {
        kind: normalise(kind, identities[kind]) for kind in _IDENTITY_ORDER if identities.get(kind)
    }


def _find_thread(
    *,
    workspace: Workspace,
    channel: Channel,
    inbound: InboundMessage,
    identities: dict[str, str],
) -> tuple[Conversation | None, Customer]:
    """The conversation the message continues (None: start one) and its customer, locked."""
    if inbound.conversation_id is not None:
        conversation = Conversation.objects.filter(
            workspace=workspace, pk=inbound.conversation_id, channel=channel
        ).first()
        if conversation is None:
            raise desk_selectors.conversation_not_found()
        customer_id = conversation.customer_id
        # A widget visitor the site has just identified: link the identities (merging a
        # customer already known by them into this one, as the identify API does).
        for kind, value in identities.items():
            customer_id = customers_services.link_identity(
                workspace=workspace,
                customer_id=customer_id,
                kind=IdentityKind(kind),
                value=value,
                actor=Actor(),
            )
        customer = _lock_customer(workspace=workspace, customer_id=customer_id)
        conversation.refresh_from_db()  # a merge above moves it to the surviving customer
        return conversation, customer
    customer = _lock_customer(
        workspace=workspace, customer_id=_customer_for(workspace=workspace, identities=identities)
    )
    if inbound.start_new:
        return None, customer  # created after the redelivery check, so a retry creates none
    conversation = (
        Conversation.objects.filter(workspace=workspace, customer=customer, channel=channel)
        .order_by("-id")
        .first()
    )
    return conversation, customer


def _customer_for(*, workspace: Workspace, identities: dict[str, str]) -> int:
    """The customer these identities name, created if none does; identities naming two
    customers merge them into the one named by the best identity (``_IDENTITY_ORDER``)."""
    owner: int | None = None
    named_by = ""  # the identity kind that named ``owner``: linking it again changes nothing
    for kind, value in identities.items():  # normalised already: a plain look-up of the id
        found = (
            Identity.objects.filter(workspace=workspace, kind=kind, value=value)
            .values_list("customer_id", flat=True)
            .first()
        )
        if found is not None:
            owner, named_by = found, kind
            break
    if owner is None:
        kind, value = next(iter(identities.items()))
        # Race-safe: two first messages of one new person create one customer.
        owner = customers_services.ensure_customers_for_identities(
            workspace=workspace, kind=IdentityKind(kind), values=[value]
        )[value]
        named_by = kind
    for kind, value in identities.items():
        if kind == named_by:
            continue
        owner = customers_services.link_identity(
            workspace=workspace,
            customer_id=owner,
            kind=IdentityKind(kind),
            value=value,
            actor=Actor(),
        )
    return owner


def _lock_customer(*, workspace: Workspace, customer_id: int) -> Customer:
    try:
        return customers_selectors.get_customer(
            workspace=workspace, customer_id=customer_id, for_update=True
        )
    except NotFound as exc:
        # Merged into another between the look-up and the lock: the survivor is this person.
        survivor = exc.details.get("merged_into")
        if exc.code != CustomersError.CUSTOMER_MERGED or survivor is None:
            raise
        return customers_selectors.get_customer(
            workspace=workspace, customer_id=int(str(survivor)), for_update=True
        )


def _already_stored(
    *, channel: Channel, customer: Customer, inbound: InboundMessage
) -> Received | None:
    conversations = Conversation.objects.filter(customer=customer, channel=channel)
    # A probe first (the usual answer is "no"), the rows only for a redelivery.
    found = (
        Message.objects.filter(
            conversation__in=conversations, external_id=inbound.external_id[:200]
        )
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        return None
    message = Message.objects.filter(pk=found).select_related("conversation", "ticket").first()
    if message is None or message.conversation is None or message.ticket is None:
        return None
    return Received(
        message=message, conversation=message.conversation, ticket=message.ticket, duplicate=True
    )


def _ticket_for_inbound(
    *, workspace: Workspace, conversation: Conversation, text: str, now: datetime
) -> tuple[Ticket, str | None]:
    """The ticket a customer message joins, and its status before (None for a new ticket)."""
    current = (
        lock_ticket(workspace=workspace, ticket_id=conversation.ticket_id)
        if conversation.ticket_id is not None
        else None
    )
    if current is None or current.status == TicketStatus.CLOSED:
        ticket = Ticket.objects.create(
            workspace=workspace,
            customer_id=conversation.customer_id,
            conversation=conversation,
            channel_id=conversation.channel_id,
            subject=subject_from(text),
            last_activity_at=now,
            waiting_since=now,
            follow_up_of=current,
        )
        record(ticket, field=HistoryField.STATUS, old=None, new=TicketStatus.OPEN, by=CUSTOMER)
        # A ticket nobody else can see yet: assigning it now cannot deadlock with the
        # assignment job (docs/decisions/0006-desk-model.md, "Locks").
        assignment.assign_new_ticket(workspace=workspace, ticket=ticket)
        return ticket, None
    old = current.status
    if old != TicketStatus.OPEN:
        enter_status(current, TicketStatus.OPEN, now=now)
        record(current, field=HistoryField.STATUS, old=old, new=TicketStatus.OPEN, by=CUSTOMER)
        if current.assignee_id is None:
            assignment.fill_free_capacity_on_commit(workspace_id=workspace.pk)
    if current.waiting_since is None:
        current.waiting_since = now
    touch(current, now=now)
    _common.save_ticket(current)
    return current, old


def subject_from(text: str) -> str:
    """A ticket's subject from its first message: the first line, shortened."""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    if len(first_line) > 60:
        return first_line[:59] + "…"
    return first_line[:SUBJECT_MAX_CHARS]


# --- Replies and notes -----------------------------------------------------------------------


def reply_to_ticket(
    *,
    workspace: Workspace,
    ticket_id: int,
    text: str,
    actor: Actor,
    status: str | None = None,
    sent_despite_tone_warning: bool = False,
    conversation_id: int | None = None,
) -> Message:
    """An agent's (or Xiaonuo's) reply to the customer, through the ticket's conversation.

    ``status`` is the ticket's status after the reply; by default an OPEN ticket becomes
    PENDING (answered, waiting on the customer) and other statuses stay. An unassigned ticket is
    assigned to the staff member who answers it. Closed tickets refuse with ``ticket_closed``.

    A staff member's reply is tone-checked first (``nlp.tone`` with the workspace's word
    lists): if it is flagged, it is refused with ``tone_warning`` (the findings and a gentler
    wording in the error's details) unless ``sent_despite_tone_warning`` — then it is sent, and
    the message records that and what was found.

    The reply goes to the ticket's conversation, or to ``conversation_id``: another thread of
    the ticket (after a merge, a customer may write on two channels about one case).
    """
    text = clean_text(text)
    findings = _tone_findings(
        workspace=workspace, text=text, actor=actor, send_anyway=sent_despite_tone_warning
    )
    now = timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(workspace=workspace, ticket_id=ticket_id)
        _common.refuse_if_closed(ticket)
        thread = _reply_thread(ticket, conversation_id)
        channel = thread.channel
        push = channels_outbound.requires_push(channel)
        old = ticket.status
        new = status or (TicketStatus.PENDING if old == TicketStatus.OPEN else old)
        if new != old:
            check_transition(ticket, new)
        by = who(actor)
        message = Message.objects.create(
            workspace=workspace,
            conversation=thread,
            ticket=ticket,
            kind=MessageKind.OUTBOUND,
            author_kind=by.kind,
            staff=actor.user,
            text=text,
            created_at=now,
            delivery_status=DeliveryStatus.PENDING if push else DeliveryStatus.DELIVERED,
            sent_despite_tone_warning=bool(findings),
            tone_findings=findings,
        )
        if ticket.assignee_id is None and actor.user is not None:
            record(ticket, field=HistoryField.ASSIGNEE, old=None, new=actor.user.pk, by=by, now=now)
            ticket.assignee = actor.user
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.waiting_since = None
        if new != old:
            enter_status(ticket, new, now=now)
            record(ticket, field=HistoryField.STATUS, old=old, new=new, by=by, now=now)
        touch(ticket, now=now)
        _common.save_ticket(ticket)
        Conversation.objects.filter(pk=thread.pk).update(last_message_at=now)
        notify.message_created(message, ticket=ticket)
        _common.announce_created(message)
        if new != old:
            notify.status_changed(ticket, old=old, new=new)
            if old == TicketStatus.OPEN:
                assignment.fill_free_capacity_on_commit(workspace_id=workspace.pk)
        if push:
            _push_on_commit(message.pk)
    return message


def _tone_findings(
    *, workspace: Workspace, text: str, actor: Actor, send_anyway: bool
) -> list[dict[str, Any]]:
    """The tone check's findings for a staff reply the agent sends anyway; refuses a flagged
    reply otherwise. Replies by Xiaonuo itself (auto-reply) are the workspace's own approved
    texts and are not checked."""
    if actor.user is None:
        return []
    report = desk_selectors.check_reply_tone(workspace=workspace, text=text)
    if report.ok:
        return []
    findings = [asdict(finding) for finding in report.findings]
    if not send_anyway:
        raise ServiceError(
            DeskError.TONE_WARNING,
            "The reply may sound rude, promise what the company forbids or contain sensitive "
            "words; reword it, or send it anyway",
            status=422,
            findings=findings,
            gentler=report.gentler,
        )
    return findings


def _reply_thread(ticket: Ticket, conversation_id: int | None) -> Conversation:
    wanted = conversation_id if conversation_id is not None else ticket.conversation_id
    if wanted is None:
        raise ServiceError(
            DeskError.TICKET_HAS_NO_CONVERSATION,
            "This ticket has no conversation to reply through; add a note instead",
            status=409,
        )
    thread = (
        Conversation.objects.select_related("channel")
        .filter(workspace_id=ticket.workspace_id, pk=wanted)
        .first()
    )
    if thread is None or (conversation_id is not None and thread.ticket_id != ticket.pk):
        raise desk_selectors.conversation_not_found()
    return thread


def _push_on_commit(message_id: int) -> None:
    from xiaonuo.desk import tasks as desk_tasks  # the task module imports these services

    transaction.on_commit(lambda: desk_tasks.push_message(message_id))


def add_note(*, workspace: Workspace, ticket_id: int, text: str, actor: Actor) -> Message:
    """An internal note: staff only, never shown to the customer or sent through a channel."""
    text = clean_text(text)
    now = timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(workspace=workspace, ticket_id=ticket_id)
        _common.refuse_if_closed(ticket)
        message = Message.objects.create(
            workspace=workspace,
            conversation_id=ticket.conversation_id,
            ticket=ticket,
            kind=MessageKind.NOTE,
            author_kind=who(actor).kind,
            staff=actor.user,
            text=text,
            created_at=now,
        )
        touch(ticket, now=now)
        _common.save_ticket(ticket)
        _common.announce_created(message)
    return message


def push_message(*, message_id: int) -> str:
    """Deliver a pending reply through a pushing channel (WeChat …) and record the outcome.
    Idempotent: only a PENDING message is sent, claimed by a conditional UPDATE."""
    message = Message.objects.filter(pk=message_id).select_related("conversation").first()
    if message is None or message.conversation is None:
        return "gone"
    # A job delivered twice sends once: only the run that moves PENDING → SENDING sends.
    claimed = Message.objects.filter(pk=message_id, delivery_status=DeliveryStatus.PENDING).update(
        delivery_status=DeliveryStatus.SENDING
    )
    if claimed != 1:
        return "not pending"
    channel = Channel.objects.get(pk=message.conversation.channel_id)
    recipient = dict(
        Identity.objects.filter(customer_id=message.conversation.customer_id)
        .order_by("id")
        .values_list("kind", "value")
    )
    try:
        channels_outbound.push(
            channel=channel,
            message=channels_outbound.OutboundMessage(
                message_id=message.pk,
                conversation_id=message.conversation.pk,
                text=message.text,
                recipient=recipient,
            ),
        )
    except channels_outbound.DeliveryFailed as exc:
        Message.objects.filter(pk=message_id).update(
            delivery_status=DeliveryStatus.FAILED, delivery_error=exc.message[:200]
        )
        return "failed"
    Message.objects.filter(pk=message_id).update(
        delivery_status=DeliveryStatus.DELIVERED, delivery_error=""
    )
    return "delivered"
