"""What ``xiaonuo/listeners.py`` needs for the widget, for these tests while the platform module
does not have it yet (see ``xiaonuo/channels/desk_port.py``; the lead adds it there). Once it
does, ``conftest.py`` uses the platform module and this one is unused."""

from xiaonuo import listeners as platform
from xiaonuo.channels import widget as channels_widget
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services

CHANNEL_DESK = getattr(platform, "CHANNEL_DESK", None) or {
    "receive_message": desk_services.receive_message,
    "list_thread": desk_selectors.list_thread,
}

WIDGET_REACTIONS = {
    "customer.merged": channels_widget.move_visitors_to_survivor,
    "customer.erased": channels_widget.erase_customer_visitors,
}

LISTENERS = {event: list(reactions) for event, reactions in platform.LISTENERS.items()}
for _event, _reaction in WIDGET_REACTIONS.items():
    if _reaction not in LISTENERS.setdefault(_event, []):
        LISTENERS[_event].append(_reaction)


def platform_is_wired() -> bool:
    return hasattr(platform, "CHANNEL_DESK") and all(
        reaction in platform.LISTENERS.get(event, [])
        for event, reaction in WIDGET_REACTIONS.items()
    )
