"""Message search for the inbox: which tickets mention something, newest first.

``search_tickets`` is the public read (the console's inbox search calls it). Results are tickets,
each once, at its newest matching message, with a snippet of that message.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.safestring import SafeString

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk.models import Message
from xiaonuo.desk.search import engines, text

MAX_LIMIT = 100
# Matching messages read per round. A ticket's conversation often repeats the words searched
# for (the customer asks about a refund, the agent answers about it), so several messages map to
# one ticket; 200 usually fills a page of 50 tickets in one round.
_ROUND = 200


@dataclass(frozen=True)
class TicketHit:
    ticket_id: int
    message_id: int  # the ticket's newest message that matches; the next page's ``before``
    message_kind: str  # desk.MessageKind: a customer's message, a reply or an internal note
    snippet: SafeString  # escaped text around the match, the query's words in <mark>
    matched_at: datetime  # when that message was written


def search_tickets(
    *, workspace: Workspace, query: str, limit: int = 50, before: int | None = None
) -> list[TicketHit]:
    """Tickets of ``workspace`` with a message holding every word of ``query`` (Chinese words,
    order or phone numbers, English), newest match first, each ticket once.

    Page on with ``before`` = the last hit's ``message_id``: the next page holds tickets whose
    newest match is older than that (a ticket never appears on two pages). Any text is a valid
    query; one with no letters or digits finds nothing."""
    parsed = text.parse_query(query)
    if not parsed:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    hits: list[TicketHit] = []
    seen: set[int] = set()
    cursor = before
    while len(hits) < limit:
        ids = engines.matching_message_ids(
            workspace_id=workspace.pk, query=parsed, before=cursor, limit=_ROUND
        )
        if not ids:
            break
        rows = {
            row[0]: row
            for row in Message.objects.filter(
                workspace=workspace, pk__in=ids, ticket__isnull=False
            ).values_list("pk", "ticket_id", "kind", "created_at", "text")
        }
        newest: dict[int, int] = {}  # ticket → its newest matching message in this round
        for message_id in ids:
            row = rows.get(message_id)
            if row is None or row[1] in seen or row[1] in newest:
                continue
            if text.contains_every_word(row[4], parsed):
                newest[row[1]] = message_id
        seen.update(newest)
        if before is not None and newest:
            # On a later page, a ticket whose newer message matched was on an earlier one.
            for ticket_id in _tickets_matching_since(workspace, parsed, set(newest), before):
                del newest[ticket_id]
        for message_id in newest.values():
            _, ticket_id, kind, created_at, body = rows[message_id]
            hits.append(
                TicketHit(
                    ticket_id=ticket_id,
                    message_id=message_id,
                    message_kind=kind,
                    snippet=text.snippet(body, parsed),
                    matched_at=created_at,
                )
            )
            if len(hits) == limit:
                break
        if len(ids) < _ROUND:
            break
        cursor = ids[-1]
    return hits


def _tickets_matching_since(
    workspace: Workspace, query: text.Query, ticket_ids: set[int], since: int
) -> set[int]:
    """Of ``ticket_ids``, those with a matching message at or after the message ``since``.
    Their messages from there on are few; their text is checked here."""
    found: set[int] = set()
    rows = Message.objects.filter(
        workspace=workspace, ticket_id__in=ticket_ids, pk__gte=since
    ).values_list("ticket_id", "text")
    for ticket_id, body in rows:
        if ticket_id not in found and text.contains_every_word(body, query):
            found.add(ticket_id)
    return found
