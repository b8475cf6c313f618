"""The desk's reactions to what happens to customers (wired in ``xiaonuo/listeners.py``)."""

from django.db import transaction

from xiaonuo.desk.models import Complaint, Conversation, Message, Ticket, TicketChange


def move_desk_to_survivor(*, workspace_id: int, survivor_id: int, merged_id: int) -> None:
    """A customer merge (same transaction): the merged person's tickets, conversations and
    complaints belong to the survivor. Tickets first, then conversations: the order every desk
    use case locks them in."""
    Ticket.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )
    Conversation.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )
    Complaint.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )


def erase_customer_desk_data(*, workspace_id: int, customer_id: int) -> None:
    """A privacy erasure: every message of the person's conversations and tickets (theirs and
    the replies to them, which quote them), the tickets with their history and tags, the
    conversations and the complaints. Bulk deletes, children first."""
    tickets = Ticket.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
    conversations = Conversation.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
    with transaction.atomic():
        Message.objects.filter(workspace_id=workspace_id, conversation__in=conversations).delete()
        Message.objects.filter(workspace_id=workspace_id, ticket__in=tickets).delete()
        TicketChange.objects.filter(workspace_id=workspace_id, ticket__in=tickets).delete()
        Complaint.objects.filter(workspace_id=workspace_id, customer_id=customer_id).delete()
        Ticket.tags.through.objects.filter(ticket__in=tickets).delete()
        # The rows point at each other; cut the links so the deletes need no cascade.
        conversations.update(ticket=None)
        tickets.update(conversation=None, merged_into=None, follow_up_of=None)
        tickets.delete()
        conversations.delete()
