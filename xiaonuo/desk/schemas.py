"""Request and response shapes of the desk's API (the API channel)."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class IdentitiesIn(Schema):
    """Who the customer is: any one (or more) of their identities."""

    external_id: str | None = Field(None, max_length=200, description="your own user id")
    phone: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=200)
    openid: str | None = Field(None, max_length=200)
    unionid: str | None = Field(None, max_length=200)
    qq: str | None = Field(None, max_length=200)
    anonymous_id: str | None = Field(None, max_length=200, description="a device or browser id")


class ConversationIn(Schema):
    customer: IdentitiesIn
    name: str | None = Field(None, max_length=100, description="fills an empty customer name")
    # Length and emptiness are checked by the desk (codes message_empty / message_too_long).
    text: str = Field(description="the customer's first message, as plain text")
    message_id: str | None = Field(
        None, max_length=200, description="your id for the message: a retry is stored once"
    )


class MessageIn(Schema):
    text: str = Field(description="plain text; HTML is stored and returned as text")
    author: Literal["customer", "agent"] = Field(
        "customer",
        description="customer: the customer wrote it. agent: a reply by the staff member "
        "agent_id, written in your own agent tool",
    )
    agent_id: int | None = Field(None, description="required for author=agent")
    status: Literal["open", "pending", "on_hold", "solved"] | None = Field(
        None, description="author=agent: the ticket's status after the reply (default pending)"
    )
    sent_despite_tone_warning: bool = Field(
        False, description="author=agent: the tone check warned and the agent sent anyway"
    )
    message_id: str | None = Field(
        None, max_length=200, description="author=customer: a retry is stored once"
    )


class ChannelOut(Schema):
    id: int
    kind: str
    name: str


class AgentOut(Schema):
    id: int
    name: str


class MessageOut(Schema):
    id: int
    kind: Literal["inbound", "outbound"]
    author: Literal["customer", "staff", "system"]
    agent: AgentOut | None
    text: str
    created_at: datetime
    delivery_status: str


class TicketSummaryOut(Schema):
    id: int
    status: str
    priority: int
    assignee_id: int | None


class ConversationOut(Schema):
    id: int
    channel: ChannelOut
    customer_id: int
    ticket: TicketSummaryOut | None
    created_at: datetime
    last_message_at: datetime | None
    messages: list[MessageOut]
    has_more: bool = Field(description="more messages follow: ask again with after=<last id>")


class ToneCheckIn(Schema):
    # Emptiness and length are checked by the desk (codes message_empty / message_too_long),
    # like a reply's text, so a draft that passes here is one the desk would accept.
    text: str = Field(description="the draft reply, plain text")


class ToneFindingOut(Schema):
    kind: str = Field(description="rude, dismissive, blame, forbidden_promise, sensitive …")
    start: int = Field(description="offset of the finding in the draft (characters)")
    end: int = Field(description="end offset, exclusive")
    text: str = Field(description="the words found")
    explanation: str = Field(description="why it is a problem, in the request's language")
    suggestion: str = Field(description="gentler words for this span ('' = drop them)")


class ToneCheckOut(Schema):
    ok: bool = Field(description="true: nothing found; the draft can go out as it is")
    findings: list[ToneFindingOut]
    gentler: str = Field(description="the draft with every suggestion applied (= text when ok)")
