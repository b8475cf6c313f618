"""What a channel that answers in its own reply (the WeChat Official Account) needs from
auto-reply, and how it reaches it.

WeChat gives a callback five seconds to answer in the HTTP response itself (a *passive* reply);
after that the answer must go through the customer-service message API. So the WeChat callback
asks auto-reply for an answer while the request is open:

1. ``respond`` stores the customer's message in the desk (through
   ``desk.services.receive_message``), decides — keyword rules, then the matcher — and either
   returns a ``BotAnswer`` (the answer is stored in the conversation as an outbound message) or
   ``None`` (handed to a person, or nothing to say).
2. With a ``PassiveReply`` (the WeChat callback), everything is one write transaction:
   ``claim`` records the channel's delivery first (a copy stores and answers nothing), and
   ``in_time`` decides, just before the answer is stored, whether it goes in the HTTP response
   (stored DELIVERED, ``BotAnswer.in_reply``) or is pushed later through the channel's pusher
   (customer-service message API) like any staff reply. On SQLite every write transaction holds
   the whole database, so one per message instead of three is what lets several web processes
   keep up (docs/decisions/0016-wechat-channel.md).
3. Without one, the answer is PENDING and the channel calls ``settle(delivered_in_reply=…)``
   after its response.

``subscription`` records a follow / unfollow on the customer (openid, unionid) and returns the
welcome reply for a follow; ``click`` answers a custom-menu click by its key (a keyword rule).

Auto-reply sits above channels in the layer order (DESIGN.md §4), so channels may not import it:
the link is made in ``xiaonuo/listeners.py`` under ``CHANNEL_AUTOREPLY``, read by name, as for
``CHANNEL_DESK`` (``desk_port.py``).
"""

from collections.abc import Callable, Mapping
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
    # Stored as delivered in the channel's own response (``PassiveReply.in_time`` said yes): the
    # channel must send it there. False: PENDING (settle it) or already queued for a push.
    in_reply: bool = False


@dataclass(frozen=True)
class PassiveReply:
    """A channel answering inside its own HTTP response, as ``respond`` sees it."""

    # Called first inside ``respond``'s transaction: records the channel's identity of the
    # message (WeChat's MsgId) and returns False for a copy already recorded — then nothing is
    # stored or answered. Rolled back with everything else if the message cannot be stored.
    claim: Callable[[], bool]
    # Called with the answer (message_id 0) just before it is stored: True when the response
    # can still carry it (stored DELIVERED), False to push it later (stored PENDING, pushed on
    # commit).
    in_time: Callable[[BotAnswer], bool]


class Respond(Protocol):
    def __call__(
        self, *, workspace: Workspace, inbound: InboundMessage, passive: PassiveReply | None = None
    ) -> BotAnswer | None: ...


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
