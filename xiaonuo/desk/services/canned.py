"""Canned replies with variables, rendered safely.

A body names variables in double braces, in Chinese or English: ``{{客户姓名}}`` or
``{{customer_name}}``. Rendering is a plain substitution from a fixed list of variables —
never a template engine, so a body (or a customer's name) cannot run code or read anything
else — and the result is message text, escaped wherever it is shown like any other message.
Unknown variable names are refused when the reply is saved, not discovered when it is sent.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import MAX_MESSAGE_CHARS, CannedReply
from xiaonuo.lib.errors import ServiceError

_VARIABLE = re.compile(r"\{\{\s*([^{}\s]{1,30})\s*\}\}")

# Canonical name → the names a body may use for it.
VARIABLES: dict[str, tuple[str, ...]] = {
    "customer_name": ("customer_name", "客户姓名", "客户名"),
    "agent_name": ("agent_name", "客服姓名", "客服名"),
    "shop_name": ("shop_name", "店铺名称", "店名"),
    "ticket_id": ("ticket_id", "工单号"),
    # Not stored by Xiaonuo: given by the agent when inserting (or the customer's attribute
    # ``order_number`` if the workspace declared one).
    "order_number": ("order_number", "订单号"),
}
_ALIASES = {alias: name for name, aliases in VARIABLES.items() for alias in aliases}


@dataclass(frozen=True)
class RenderedReply:
    text: str
    # Canonical names of variables without a value: left in the text as written, so the agent
    # sees what to fill in before sending.
    missing: list[str]


def create_canned_reply(
    *, workspace: Workspace, title: str, body: str, actor: Actor
) -> CannedReply:
    title, body = _check(title=title, body=body)
    try:
        with transaction.atomic():
            return CannedReply.objects.create(
                workspace=workspace, title=title, body=body, created_by=actor.user
            )
    except IntegrityError:
        raise _title_taken() from None


def update_canned_reply(
    *, workspace: Workspace, canned_reply_id: int, title: str, body: str
) -> CannedReply:
    title, body = _check(title=title, body=body)
    reply = desk_selectors.get_canned_reply(workspace=workspace, canned_reply_id=canned_reply_id)
    reply.title, reply.body = title, body
    try:
        with transaction.atomic():
            reply.save(update_fields=["title", "body", "updated_at"])
    except IntegrityError:
        raise _title_taken() from None
    return reply


def delete_canned_reply(*, workspace: Workspace, canned_reply_id: int) -> None:
    desk_selectors.get_canned_reply(workspace=workspace, canned_reply_id=canned_reply_id).delete()


def render_canned_reply(
    *,
    workspace: Workspace,
    canned_reply_id: int,
    ticket_id: int,
    actor: Actor,
    values: Mapping[str, str] | None = None,
) -> RenderedReply:
    """The reply's text for one ticket. ``values`` (canonical names) fill or override
    variables, e.g. ``{"order_number": "E20250101"}`` typed by the agent."""
    reply = desk_selectors.get_canned_reply(workspace=workspace, canned_reply_id=canned_reply_id)
    ticket = desk_selectors.get_ticket(workspace=workspace, ticket_id=ticket_id)
    known: dict[str, str] = {
        "customer_name": ticket.customer.name,
        "agent_name": (actor.user.display_name or actor.user.username) if actor.user else "",
        "shop_name": workspace.name,
        "ticket_id": str(ticket.pk),
        "order_number": str(ticket.customer.attributes.get("order_number", "")),
    }
    known.update({k: str(v) for k, v in (values or {}).items() if k in VARIABLES})
    return render_text(reply.body, known)


def render_text(body: str, values: Mapping[str, str]) -> RenderedReply:
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = _ALIASES.get(match.group(1))
        value = values.get(name, "") if name else ""
        if not value:
            if name and name not in missing:
                missing.append(name)
            return match.group(0)
        return value

    return RenderedReply(text=_VARIABLE.sub(substitute, body), missing=missing)


def _check(*, title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").replace("\x00", "").strip()
    if not title or len(title) > 100 or not body or len(body) > MAX_MESSAGE_CHARS:
        raise ServiceError(
            DeskError.CANNED_REPLY_INVALID,
            f"A canned reply needs a title (up to 100 characters) and a body (up to "
            f"{MAX_MESSAGE_CHARS})",
            status=422,
        )
    unknown = sorted({m.group(1) for m in _VARIABLE.finditer(body)} - _ALIASES.keys())
    if unknown:
        raise ServiceError(
            DeskError.CANNED_VARIABLE_UNKNOWN,
            f"Unknown variable {{{{{unknown[0]}}}}}; known: {', '.join(sorted(_ALIASES))}",
            status=422,
            field="body",
            unknown=unknown,
        )
    return title, body


def _title_taken() -> ServiceError:
    return ServiceError(
        DeskError.CANNED_TITLE_TAKEN,
        "Another canned reply has this title",
        status=409,
        field="title",
    )
