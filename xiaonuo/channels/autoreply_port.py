"""What a channel that answers in its own reply (the WeChat Official Account) needs from
auto-reply, and how it reaches it.

WeChat gives a callback five seconds to answer in the HTTP response itself (a *passive* reply);
after that the answer must go through the customer-service message API. So the WeChat callback
asks auto-reply for an answer while the request is open:

1. ``respond`` stores the customer's message in the desk (through
   ``desk.services.receive_message``), decides — keyword rules, then the matcher — and either
   returns a ``BotAnswer`` (the answer is stored in the conversation as an outbound message,
   PENDING) or ``None`` (handed to a person, or nothing to say).
2. The channel sends the answer in its HTTP response when there is still time, and calls
   ``settle(delivered_in_reply=True)``; when time ran out it replies ``success`` and calls
   ``settle(delivered_in_reply=False)``, and the desk pushes the message through the channel's
   pusher (customer-service message API) like any staff reply.

``subscription`` records a follow / unfollow on the customer (openid, unionid) and returns the
welcome reply for a follow; ``click`` answers a custom-menu click by its key (a keyword rule).

Auto-reply sits above channels in the layer order (DESIGN.md §4), so channels may not import it:
the link is made in ``xiaonuo/listeners.py`` under ``CHANNEL_AUTOREPLY``, read by name, as for
``CHANNEL_DESK`` (``desk_port.py``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Protocol, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels.inbound import InboundMessage


@dataclass(frozen=True)
class BotAnswer:
    # The desk message that holds the answer (PENDING until ``settle``); 0 when nothing was
    # stored (a menu click or welcome outside any conversation).
    message_id: int
    # "text" | "link" | "image" | "article": how the channel renders it.
    kind: str
    # The answer as text (all of it for text and link answers; a caption otherwise).
    text: str
    # image: {"media_id": …, "url": …}; article: {"title", "description", "url", "picurl"}.
    payload: Mapping[str, str] = field(default_factory=dict)


class Respond(Protocol):
    def __call__(self, *, workspace: Workspace, inbound: InboundMessage) -> BotAnswer | None: ...


class Subscription(Protocol):
    def __call__(
        self,
        *,
        workspace: Workspace,
        channel_id: int,
        identities: Mapping[str, str],
        subscribed: bool,
    ) -> BotAnswer | None: ...


class Click(Protocol):
    def __call__(
        self, *, workspace: Workspace, channel_id: int, identities: Mapping[str, str], key: str
    ) -> BotAnswer | None: ...


class Settle(Protocol):
    def __call__(
        self, *, workspace: Workspace, message_id: int, delivered_in_reply: bool
    ) -> None: ...


WIRING_NAME = "CHANNEL_AUTOREPLY"


def _wiring() -> dict[str, object]:
    module = import_module(settings.XIAONUO_LISTENERS_MODULE)
    wiring = getattr(module, WIRING_NAME, None)
    if not isinstance(wiring, dict):
        raise ImproperlyConfigured(
            f"{settings.XIAONUO_LISTENERS_MODULE} has no {WIRING_NAME}: the WeChat channel cannot "
            "reach auto-reply (see xiaonuo/channels/autoreply_port.py)"
        )
    return wiring


def respond() -> Respond:
    return cast(Respond, _wiring()["respond"])


def subscription() -> Subscription:
    return cast(Subscription, _wiring()["subscription"])


def click() -> Click:
    return cast(Click, _wiring()["click"])


def settle() -> Settle:
    return cast(Settle, _wiring()["settle"])
