"""The desk's sub-apps as the console pages see them: message search and SLA state.

They are separate apps of the same layer (``xiaonuo.desk.search``, ``xiaonuo.desk.sla``); the
pages show what they offer and keep working, with a plain note, where an installation has
switched one off.
"""

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from types import ModuleType
from typing import Any

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk.models import Ticket

SEARCH_LIMIT = 50


def _module(path: str, attribute: str) -> ModuleType | None:
    try:
        module = import_module(path)
    except ImportError:
        return None
    return module if hasattr(module, attribute) else None


def search_available() -> bool:
    return _module("xiaonuo.desk.search.selectors", "search_tickets") is not None


def search(*, workspace: Workspace, query: str, before: int | None = None) -> list[Any]:
    """Tickets with a message matching ``query``, newest match first: hits with ``ticket_id``,
    ``message_id`` (the next page's ``before``), ``message_kind``, ``snippet`` (escaped, the
    words in <mark>) and ``matched_at``."""
    module = _module("xiaonuo.desk.search.selectors", "search_tickets")
    if module is None:
        return []
    return list(
        module.search_tickets(workspace=workspace, query=query, limit=SEARCH_LIMIT, before=before)
    )


@dataclass(frozen=True)
class SlaBadge:
    """What an inbox row or a ticket page shows of a ticket's SLA."""

    state: str  # ok | warning | breached | paused | met
    due_at: datetime | None
    targets: list[Any]


def sla_states(*, workspace: Workspace, tickets: list[Ticket]) -> dict[int, SlaBadge]:
    module = _module("xiaonuo.desk.sla.selectors", "sla_states")
    if module is None or not tickets:
        return {}
    # Three queries whatever the number of tickets (the SLA app's selector).
    states = module.sla_states(workspace=workspace, ticket_ids=[t.pk for t in tickets])
    return {
        ticket_id: SlaBadge(
            state=str(state.state), due_at=state.next_due_at, targets=list(state.targets)
        )
        for ticket_id, state in states.items()
        if state is not None
    }
