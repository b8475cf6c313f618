"""How the desk hands a reply to a channel for delivery.

Two ways, chosen by channel kind:

- **Stored delivery** (web widget, API): the reply is delivered by being committed; the
  widget or the company's front end fetches it. ``requires_push`` is False and the desk marks
  the message delivered in the transaction that stores it.
- **Pushed delivery** (WeChat Official Account, WeCom, QQ …, later): the desk commits the reply
  as pending and, after the commit, a job calls the channel's ``Pusher.push`` (by ids), which
  calls the third party and raises ``DeliveryFailed`` on refusal or time-out. The job records
  the outcome on the message; a push is retried by the job's own retry policy.

A channel app registers its pusher with ``register_pusher(kind, pusher)`` when it is built.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from xiaonuo.channels.models import STORED_DELIVERY_KINDS, Channel
from xiaonuo.lib.errors import ServiceError


@dataclass(frozen=True)
class OutboundMessage:
    message_id: int  # the desk's message id (for the channel's logs and idempotency)
    conversation_id: int
    text: str
    # The customer's identities (kind → value) the channel may address: WeChat needs "openid".
    recipient: Mapping[str, str]


class DeliveryFailed(ServiceError):
    """The channel's service refused the message or did not answer in time."""

    status = 502

    def __init__(self, message: str, *, retry: bool = True, **details: Any) -> None:
        super().__init__("delivery_failed", message, retry=retry, **details)
        self.retry = retry  # False when trying again cannot help (user unsubscribed, 48 h window)


class Pusher(Protocol):
    def push(self, *, channel: Channel, message: OutboundMessage) -> str:
        """Send ``message``; return the channel's id for it (may be empty). Raise
        ``DeliveryFailed`` when it did not go out."""
        ...


_PUSHERS: dict[str, Pusher] = {}


def register_pusher(kind: str, pusher: Pusher) -> None:
    _PUSHERS[kind] = pusher


def requires_push(channel: Channel) -> bool:
    return channel.kind not in STORED_DELIVERY_KINDS


def push(*, channel: Channel, message: OutboundMessage) -> str:
    """Deliver through the channel's registered pusher (called by the desk's delivery job)."""
    pusher = _PUSHERS.get(channel.kind)
    if pusher is None:
        raise DeliveryFailed(f"No sender for {channel.kind} channels is installed", retry=False)
    return pusher.push(channel=channel, message=message)
