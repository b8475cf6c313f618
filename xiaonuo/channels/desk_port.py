"""What the widget's public endpoints need from the desk, and how they reach it.

The widget is a channel adapter: it hands a visitor's message to ``desk.services.receive_message``
and reads the thread back with ``desk.selectors.list_thread``. The desk sits above channels in
the layer order (DESIGN.md §4) — it imports channels' models and ``InboundMessage`` — so
channels may not import it. As for every other upward call, the link is made in the one module
of cross-app wiring, ``xiaonuo/listeners.py`` (read by name, like ``xiaonuo.lib.dispatch``
does), which names the two desk functions::

    CHANNEL_DESK = {
        "receive_message": desk_services.receive_message,
        "list_thread": desk_selectors.list_thread,
    }

The shapes below are the parts of the desk's results the widget uses (duck-typed: the desk's
``Received`` and ``Message`` fit them).
"""

from collections.abc import Sequence
from datetime import datetime
from importlib import import_module
from typing import Protocol, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels.inbound import InboundMessage


class StaffLike(Protocol):
    @property
    def display_name(self) -> str: ...


class ThreadMessage(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def author_kind(self) -> str: ...  # "customer" | "staff" | "system"
    @property
    def text(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def staff(self) -> StaffLike | None: ...


class ConversationLike(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def customer_id(self) -> int: ...


class ReceivedLike(Protocol):
    @property
    def message(self) -> ThreadMessage: ...
    @property
    def conversation(self) -> ConversationLike: ...


class ReceiveMessage(Protocol):
    def __call__(self, *, workspace: Workspace, inbound: InboundMessage) -> ReceivedLike: ...


class ListThread(Protocol):
    def __call__(
        self, *, workspace: Workspace, conversation_id: int, after: int | None, limit: int
    ) -> tuple[Sequence[ThreadMessage], bool]: ...


WIRING_NAME = "CHANNEL_DESK"


def _wiring() -> dict[str, object]:
    module = import_module(settings.XIAONUO_LISTENERS_MODULE)
    wiring = getattr(module, WIRING_NAME, None)
    if not isinstance(wiring, dict):
        raise ImproperlyConfigured(
            f"{settings.XIAONUO_LISTENERS_MODULE} has no {WIRING_NAME}: the web widget cannot "
            "reach the desk (see xiaonuo/channels/desk_port.py)"
        )
    return wiring


def receive_message() -> ReceiveMessage:
    return cast(ReceiveMessage, _wiring()["receive_message"])


def list_thread() -> ListThread:
    return cast(ListThread, _wiring()["list_thread"])


def is_wired() -> bool:
    try:
        _wiring()
    except ImproperlyConfigured:
        return False
    return True
