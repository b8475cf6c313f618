"""The one shape in which every channel hands a customer's message to the desk.

A channel adapter (the WeChat callback, the widget's endpoint, the API) parses its own format,
builds an ``InboundMessage`` and calls ``desk.services.receive_message``. The desk never sees a
channel's wire format, and a channel never touches desk tables.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class InboundMessage:
    channel_id: int
    text: str
    # Who wrote, as identity kind → value (``customers.IdentityKind``): {"openid": "oX…"} from
    # WeChat, {"anonymous_id": …} from a widget visitor, plus {"external_id": …} once the site
    # identifies them. Unknown people become customers; identities naming two customers merge
    # them (the rule of the identify API). May be empty when ``conversation_id`` is given.
    identities: Mapping[str, str] = field(default_factory=dict)
    # Continue this conversation (widget, API). Without it the customer's latest conversation on
    # the channel continues, or a first one starts; ``start_new`` always starts a new one.
    conversation_id: int | None = None
    start_new: bool = False
    # The channel's own id of the message (WeChat MsgId, the API caller's message_id): a
    # redelivery with the same id is recognised and stored once.
    external_id: str = ""
    # A display name the channel knows (WeChat nickname); fills an empty customer name only.
    customer_name: str = ""
    sent_at: datetime | None = None  # when the customer sent it, if the channel says
