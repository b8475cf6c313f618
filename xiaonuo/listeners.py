"""Every reaction of one app to what happened in another, in one explicit list (no signals).

Lower apps announce with ``xiaonuo.lib.dispatch``; this module, read by name, says who reacts.
Keep each entry's reason beside it.
"""

from collections.abc import Callable
from typing import Any

from xiaonuo.desk import services as desk_services
from xiaonuo.events import services as events_services

LISTENERS: dict[str, list[Callable[..., Any]]] = {
    # A merge keeps everything the two people did: events follow the survivor (same transaction),
    # and so do their conversations, tickets and complaints.
    "customer.merged": [
        events_services.move_events_to_survivor,
        desk_services.move_desk_to_survivor,
    ],
    # A privacy erasure removes the person's behaviour too, not only the profile, and every
    # message they exchanged with the desk.
    "customer.erased": [
        events_services.erase_customer_events,
        desk_services.erase_customer_desk_data,
    ],
}
