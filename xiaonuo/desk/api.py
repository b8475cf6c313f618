"""The API channel: companies with their own front end talk to the desk through these.

- ``POST /conversations`` — a customer (named by any identity) starts a conversation.
- ``GET /conversations/{id}`` — the conversation and its messages (never internal notes),
  oldest first, ``after``/``limit`` to page or poll.
- ``POST /conversations/{id}/messages`` — ``author: "customer"`` (default) adds the customer's
  next message; ``author: "agent"`` with ``agent_id`` posts a reply by that staff member, for
  companies that build their own agent tool. The API key acts for its whole workspace; the
  agent must be a member who handles conversations.
- ``POST /tone-check`` — a draft reply in; what the tone check finds with the workspace's word
  lists, and a gentler wording, out. Nothing is stored.

Every endpoint calls one desk service or selector; errors carry the desk's stable codes.
"""

from ninja import Query, Router, Schema, Status
from pydantic import Field

from xiaonuo.accounts.auth import ApiRequest
from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.channels import services as channels_services
from xiaonuo.channels.inbound import InboundMessage
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import Conversation, Message
from xiaonuo.desk.schemas import (
    ConversationIn,
    ConversationOut,
    MessageIn,
    MessageOut,
    ToneCheckIn,
    ToneCheckOut,
)
from xiaonuo.lib.errors import ServiceError

router = Router(tags=["desk"])


class ThreadQuery(Schema):
    after: int | None = Field(None, description="only messages with a larger id")
    limit: int = Field(100, ge=1, le=desk_selectors.MAX_THREAD_PAGE)


def message_out(message: Message) -> dict:
    staff = message.staff
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": message.author_kind,
        "agent": {"id": staff.pk, "name": staff.display_name or staff.username} if staff else None,
        "text": message.text,
        "created_at": message.created_at,
        "delivery_status": message.delivery_status,
    }


def _conversation_out(
    workspace: Workspace, conversation: Conversation, after: int | None, limit: int
) -> dict:
    messages, more = desk_selectors.list_thread(
        workspace=workspace, conversation_id=conversation.pk, after=after, limit=limit
    )
    ticket = conversation.ticket
    return {
        "id": conversation.pk,
        "channel": {
            "id": conversation.channel.pk,
            "kind": conversation.channel.kind,
            "name": conversation.channel.name,
        },
        "customer_id": conversation.customer_id,
        "ticket": {
            "id": ticket.pk,
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee_id": ticket.assignee_id,
        }
        if ticket is not None
        else None,
        "created_at": conversation.created_at,
        "last_message_at": conversation.last_message_at,
        "messages": [message_out(m) for m in messages],
        "has_more": more,
    }


@router.post(
    "/conversations",
    response={201: ConversationOut},
    summary="Start a conversation: a customer's first message",
)
def start_conversation(request: ApiRequest, payload: ConversationIn) -> Status:
    workspace = request.auth.workspace
    channel = channels_services.get_or_create_api_channel(workspace=workspace)
    received = desk_services.receive_message(
        workspace=workspace,
        inbound=InboundMessage(
            channel_id=channel.pk,
            text=payload.text,
            identities={k: v for k, v in payload.customer.dict().items() if v},
            start_new=True,
            external_id=payload.message_id or "",
            customer_name=payload.name or "",
        ),
    )
    conversation = desk_selectors.get_conversation(
        workspace=workspace, conversation_id=received.conversation.pk
    )
    return Status(201, _conversation_out(workspace, conversation, None, 100))


@router.get(
    "/conversations/{conversation_id}",
    response=ConversationOut,
    summary="A conversation with its messages, oldest first",
)
def get_conversation(request: ApiRequest, conversation_id: int, query: Query[ThreadQuery]) -> dict:
    workspace = request.auth.workspace
    conversation = desk_selectors.get_conversation(
        workspace=workspace, conversation_id=conversation_id
    )
    return _conversation_out(workspace, conversation, query.after, query.limit)


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: MessageOut},
    summary="Add the customer's next message, or an agent's reply",
)
def post_message(request: ApiRequest, conversation_id: int, payload: MessageIn) -> Status:
    workspace = request.auth.workspace
    conversation = desk_selectors.get_conversation(
        workspace=workspace, conversation_id=conversation_id
    )
    if payload.author == "agent":
        message = _agent_reply(request, conversation, payload)
    else:
        message = desk_services.receive_message(
            workspace=workspace,
            inbound=InboundMessage(
                channel_id=conversation.channel_id,
                conversation_id=conversation.pk,
                text=payload.text,
                external_id=payload.message_id or "",
            ),
        ).message
    return Status(201, message_out(message))


def _agent_reply(request: ApiRequest, conversation: Conversation, payload: MessageIn) -> Message:
    workspace = request.auth.workspace
    agent = (
        desk_selectors.get_agent(workspace=workspace, user_id=payload.agent_id)
        if payload.agent_id is not None
        else None
    )
    if agent is None:
        raise ServiceError(
            DeskError.AGENT_INVALID,
            "author=agent needs agent_id: a member of this workspace who handles conversations",
            status=422,
            field="agent_id",
        )
    if conversation.ticket_id is None:
        raise ServiceError(
            DeskError.TICKET_CLOSED, "The conversation has no open ticket", status=409
        )
    return desk_services.reply_to_ticket(
        workspace=workspace,
        ticket_id=conversation.ticket_id,
        conversation_id=conversation.pk,
        text=payload.text,
        actor=Actor(user=agent, api_key=request.auth),
        status=payload.status,
        sent_despite_tone_warning=payload.sent_despite_tone_warning,
    )


@router.post(
    "/tone-check",
    response=ToneCheckOut,
    summary="Check a draft reply's tone with the workspace's word lists",
)
def tone_check(request: ApiRequest, payload: ToneCheckIn) -> dict:
    """The same check a reply goes through before it is sent (``reply_to_ticket``): rude or
    dismissive phrasing, promises the company forbids, sensitive words. Explanations follow
    the request's language (``Accept-Language``)."""
    report = desk_selectors.check_reply_tone(
        workspace=request.auth.workspace, text=desk_services.clean_text(payload.text)
    )
    return {
        "ok": report.ok,
        "findings": [
            {
                "kind": f.kind,
                "start": f.start,
                "end": f.end,
                "text": f.text,
                "explanation": f.explanation,
                "suggestion": f.suggestion,
            }
            for f in report.findings
        ],
        "gentler": report.gentler,
    }
