"""What the desk tells the outside world: outgoing webhooks (``accounts.webhooks``).

Events and their payloads are a public contract (docs/decisions/0006-desk-model.md):

- ``message.created`` — a customer message or a reply was stored (internal notes are not
  announced: they never leave the building).
- ``conversation.status_changed`` — the status of a conversation's ticket changed (a new
  ticket counts as ``null`` → ``open``).

``publish`` records the deliveries in the caller's transaction and enqueues them on commit, so a
rolled-back change announces nothing.
"""

from typing import Any

from xiaonuo.accounts import webhooks as accounts_webhooks
from xiaonuo.desk.models import Message, Ticket


def message_created(
    message: Message,
    *,
    ticket: Ticket | None,
    status_from: str | None = None,
    status_changed: bool = False,
) -> None:
    """``message.created``; with ``status_changed``, ``conversation.status_changed`` (from
    ``status_from`` to the ticket's status) after it — the same change, so the workspace's
    endpoints are looked up once for both."""
    events = [("message.created", message_payload(message, ticket=ticket))]
    if status_changed and ticket is not None:
        events.append(
            (
                "conversation.status_changed",
                _status_payload(ticket, old=status_from, new=ticket.status),
            )
        )
    accounts_webhooks.publish_all(workspace_id=message.workspace_id, events=events)


def status_changed(ticket: Ticket, *, old: str | None, new: str) -> None:
    accounts_webhooks.publish(
        workspace_id=ticket.workspace_id,
        event="conversation.status_changed",
        payload=_status_payload(ticket, old=old, new=new),
    )


def _status_payload(ticket: Ticket, *, old: str | None, new: str) -> dict[str, Any]:
    return {
        "conversation_id": ticket.conversation_id,
        "ticket_id": ticket.pk,
        "customer_id": ticket.customer_id,
        "old_status": old,
        "status": new,
        "assignee_id": ticket.assignee_id,
        "merged_into": ticket.merged_into_id,
    }


def message_payload(message: Message, *, ticket: Ticket | None) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "ticket_id": message.ticket_id,
        "customer_id": ticket.customer_id if ticket is not None else None,
        "kind": message.kind,
        "author": message.author_kind,
        "staff_id": message.staff_id,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }
