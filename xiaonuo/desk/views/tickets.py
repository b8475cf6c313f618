"""The ticket page: the thread, the reply box with canned replies and the tone check, notes,
status / priority / tags / assignee / team, merging, complaints, history and the customer.

Every action is a plain form POST that works without JavaScript (Post/Redirect/Get, or the page
again with the draft kept and a clear message); with htmx the reply box is swapped in place and
the thread grows through the page's live poll (``ticket_live``).
"""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.forms import (
    AssignForm,
    ComplaintOpenForm,
    MergeForm,
    NoteForm,
    PropertiesForm,
    ReplyForm,
    StatusForm,
    TeamChoiceForm,
)
from xiaonuo.desk.models import (
    TICKET_TRANSITIONS,
    HistoryField,
    Ticket,
    TicketChange,
    TicketPriority,
    TicketStatus,
)
from xiaonuo.desk.views import _common, integrations
from xiaonuo.lib.errors import NotFound, ServiceError

TONE_KIND_LABELS = {
    "rude": gettext_lazy("措辞生硬"),
    "dismissive": gettext_lazy("推诿敷衍"),
    "forbidden_promise": gettext_lazy("不允许的承诺"),
    "sensitive": gettext_lazy("敏感内容"),
}


def _actor(request: ConsoleRequest) -> Actor:
    return Actor(user=request.user)


def _is_htmx(request: ConsoleRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


# --- Reading -----------------------------------------------------------------------------------


@workspace_required(Perm.VIEW_DESK)
def ticket_detail(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    return _render_ticket(request, ticket_id)


def _render_ticket(
    request: ConsoleRequest,
    ticket_id: int,
    *,
    reply: dict[str, Any] | None = None,
    note: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = request.workspace
    ticket = desk_selectors.get_ticket(workspace=workspace, ticket_id=ticket_id)
    thread = list(desk_selectors.list_ticket_messages(workspace=workspace, ticket_id=ticket.pk))
    teams = list(desk_selectors.list_teams(workspace=workspace))
    agents = desk_selectors.list_agents(workspace=workspace)
    can_handle = has_perm(request, Perm.HANDLE_CONVERSATIONS)
    open_here = ticket.status != TicketStatus.CLOSED
    others = [
        t
        for t in desk_selectors.list_customer_tickets(
            workspace=workspace, customer_id=ticket.customer_id
        )[:20]
        if t.pk != ticket.pk
    ]
    context = _common.desk_context(
        request,
        ticket=ticket,
        thread=thread,
        after=thread[-1].pk if thread else 0,
        history=_history(request, ticket, teams),
        profile=_common.customer_summary(request, ticket.customer_id),
        other_tickets=others,
        merge_candidates=[t for t in others if t.status != TicketStatus.CLOSED],
        complaints=list(
            desk_selectors.list_ticket_complaints(workspace=workspace, ticket_id=ticket.pk)
        ),
        agents=agents,
        teams=teams,
        next_statuses=[
            (value, label)
            for value, label in TicketStatus.choices
            if value in TICKET_TRANSITIONS[ticket.status]
        ],
        priorities=TicketPriority.choices,
        tag_text=", ".join(t.name for t in ticket.tags.all()),
        can_reply=can_handle and open_here,
        can_assign_others=has_perm(request, Perm.ASSIGN_TICKETS) and open_here,
        can_merge=has_perm(request, Perm.MERGE_TICKETS) and open_here,
        can_complain=has_perm(request, Perm.HANDLE_COMPLAINTS),
        sla=integrations.sla_states(workspace=workspace, tickets=[ticket]).get(ticket.pk),
        complaint_form=ComplaintOpenForm(),
        **_reply_context(request, ticket, reply or {}),
        note=note or {},
    )
    return render(request, "desk/ticket.html", context, status=status)


def _reply_context(request: ConsoleRequest, ticket: Ticket, reply: dict[str, Any]) -> dict:
    return {
        "canned_replies": list(desk_selectors.list_canned_replies(workspace=request.workspace)),
        "reply": reply,
        "reply_statuses": [
            (value, label)
            for value, label in TicketStatus.choices
            if value in (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)
            or value == TicketStatus.SOLVED
        ],
    }


def _history(request: ConsoleRequest, ticket: Ticket, teams: list) -> list[dict[str, Any]]:
    """Each change as people read it: names for user ids, labels for codes."""
    changes = list(
        desk_selectors.list_ticket_history(workspace=request.workspace, ticket_id=ticket.pk)
    )
    user_ids = sorted(
        {
            int(v)
            for c in changes
            if c.field == HistoryField.ASSIGNEE
            for v in (c.old_value, c.new_value)
            if v.isdigit()
        }
    )
    names = desk_selectors.get_staff_names(workspace=request.workspace, user_ids=user_ids)
    team_names = {str(t.pk): t.name for t in teams}
    return [
        {
            "change": c,
            "actor": _actor_label(c),
            "field": c.get_field_display(),
            "old": _value(c.field, c.old_value, names, team_names),
            "new": _value(c.field, c.new_value, names, team_names),
        }
        for c in changes
    ]


def _actor_label(change: TicketChange) -> str:
    if change.actor is not None:
        return _common.user_name(change.actor)
    if change.actor_kind == "customer":
        return _("客户")
    if change.api_key_id is not None:
        return _("API")
    return _("系统")


def _value(field: str, raw: str, names: dict[int, str], teams: dict[str, str]) -> str:
    if raw == "":
        return "—"
    if field == HistoryField.STATUS:
        return str(TicketStatus(raw).label) if raw in TicketStatus.values else raw
    if field == HistoryField.PRIORITY and raw.isdigit() and int(raw) in TicketPriority.values:
        return str(TicketPriority(int(raw)).label)
    if field == HistoryField.ASSIGNEE and raw.isdigit():
        return names.get(int(raw), f"#{raw}")
    if field == HistoryField.TEAM:
        return teams.get(raw, _("已删除的团队"))
    if field == HistoryField.MERGED:
        return f"#{raw}"
    return raw


@workspace_required(Perm.VIEW_DESK)
def ticket_live(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    """The open ticket page's poll: one primary-key read of the ticket's version; 204 when it
    is the version the page shows. Otherwise the messages after the page's last one, and the
    ticket's summary, swapped in out of band."""
    try:
        version = int(request.GET.get("version", "0"))
        after = int(request.GET.get("after", "0"))
    except ValueError:
        version, after = 0, 0
    current = desk_selectors.get_ticket_version(workspace=request.workspace, ticket_id=ticket_id)
    if current == version:
        return HttpResponse(status=204)
    ticket = desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
    new = list(
        desk_selectors.list_ticket_messages_after(
            workspace=request.workspace, ticket_id=ticket.pk, after=after
        )
    )
    context = dict(
        ticket=ticket,
        new_messages=new,
        after=new[-1].pk if new else after,
        sla=integrations.sla_states(workspace=request.workspace, tickets=[ticket]).get(ticket.pk),
    )
    return render(request, "desk/_ticket_live.html", context)


# --- The reply box -------------------------------------------------------------------------------


def _reply_box(
    request: ConsoleRequest, ticket_id: int, reply: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    if _is_htmx(request):
        ticket = desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
        context = _common.desk_context(
            request, ticket=ticket, can_reply=True, **_reply_context(request, ticket, reply)
        )
        return render(request, "desk/_reply_box.html", context, status=status)
    return _render_ticket(request, ticket_id, reply=reply, status=status)


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def ticket_reply(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    """Send a reply; or, without sending, insert a canned reply or take the gentler wording."""
    form = ReplyForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    draft = request.POST.get("text", "")
    reply: dict[str, Any] = {"draft": draft, "status": data.get("status") or ""}
    action = data.get("action") or "send"
    if action == "insert_canned":
        return _insert_canned(request, ticket_id, reply, data)
    if action == "use_gentler":
        desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
        reply["draft"] = desk_selectors.check_reply_tone(
            workspace=request.workspace, text=draft
        ).gentler
        reply["notice"] = _("已换成建议的措辞，请检查后发送。")
        return _reply_box(request, ticket_id, reply)
    try:
        desk_services.reply_to_ticket(
            workspace=request.workspace,
            ticket_id=ticket_id,
            text=draft,
            actor=_actor(request),
            status=data.get("status") or None,
            sent_despite_tone_warning=bool(data.get("send_anyway")),
        )
    except NotFound:
        raise
    except ServiceError as error:
        if error.code == DeskError.TONE_WARNING:
            reply["tone"] = _tone(draft, error.details)
            return _reply_box(request, ticket_id, reply)
        reply["error"] = _common.error_text(error)
        return _reply_box(request, ticket_id, reply, status=error.status)
    if _is_htmx(request):
        response = _reply_box(request, ticket_id, {"sent": True})
        response["HX-Trigger"] = "xn-ticket-changed"  # the poll fetches the new reply at once
        return response
    messages.success(request, _("回复已发送。"))
    return redirect("desk:ticket", ticket_id=ticket_id)


def _insert_canned(
    request: ConsoleRequest, ticket_id: int, reply: dict[str, Any], data: dict[str, Any]
) -> HttpResponse:
    canned_id = data.get("canned")
    if canned_id is None:
        desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
        reply["error"] = _("请先选择一条快捷回复。")
        return _reply_box(request, ticket_id, reply, status=422)
    order_number = (data.get("order_number") or "").strip()
    rendered = desk_services.render_canned_reply(
        workspace=request.workspace,
        canned_reply_id=canned_id,
        ticket_id=ticket_id,
        actor=_actor(request),
        values={"order_number": order_number} if order_number else None,
    )
    draft = reply["draft"].rstrip()
    reply["draft"] = f"{draft}\n{rendered.text}" if draft else rendered.text
    reply["missing"] = rendered.missing
    return _reply_box(request, ticket_id, reply)


def _tone(draft: str, details: dict[str, Any]) -> dict[str, Any]:
    """The tone check's findings over the draft as sent (the service trims it first): the
    draft cut into plain and flagged pieces, each flagged piece with its explanation."""
    text = draft.replace("\x00", "").strip()
    findings = sorted(details.get("findings", []), key=lambda f: f["start"])
    pieces: list[dict[str, Any]] = []
    at = 0
    for f in findings:
        if f["start"] < at:
            continue  # overlapping spans: the first one is highlighted
        if f["start"] > at:
            pieces.append({"text": text[at : f["start"]]})
        pieces.append(
            {"text": text[f["start"] : f["end"]], "finding": f, "kind": _kind_label(f["kind"])}
        )
        at = f["end"]
    if at < len(text):
        pieces.append({"text": text[at:]})
    return {
        "pieces": pieces,
        "findings": [dict(f, kind_label=_kind_label(f["kind"])) for f in findings],
        "gentler": details.get("gentler", ""),
    }


def _kind_label(kind: str) -> str:
    return str(TONE_KIND_LABELS.get(kind, kind))


# --- Notes and properties ------------------------------------------------------------------------


def _done(request: ConsoleRequest, ticket_id: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("desk:ticket", ticket_id=ticket_id)


def _refused(request: ConsoleRequest, ticket_id: int, error: ServiceError) -> HttpResponse:
    messages.error(request, _common.error_text(error))
    return _render_ticket(request, ticket_id, status=error.status)


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def ticket_note(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    form.is_valid()
    text = request.POST.get("text", "")
    try:
        desk_services.add_note(
            workspace=request.workspace, ticket_id=ticket_id, text=text, actor=_actor(request)
        )
    except NotFound:
        raise
    except ServiceError as error:
        note = {"draft": text, "error": _common.error_text(error)}
        return _render_ticket(request, ticket_id, note=note, status=error.status)
    return _done(request, ticket_id, _("内部备注已添加。"))


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def ticket_status(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    form = StatusForm(request.POST)
    status = form.cleaned_data["status"] if form.is_valid() else request.POST.get("status", "")
    try:
        desk_services.set_ticket_status(
            workspace=request.workspace, ticket_id=ticket_id, status=status, actor=_actor(request)
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _refused(request, ticket_id, error)
    return _done(request, ticket_id, _("状态已更新。"))


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def ticket_properties(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    form = PropertiesForm(request.POST)
    if not form.is_valid():
        desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
        messages.error(request, _("请检查主题、优先级和标签。"))
        return _render_ticket(request, ticket_id, status=422)
    try:
        desk_services.update_ticket(
            workspace=request.workspace,
            ticket_id=ticket_id,
            actor=_actor(request),
            subject=form.cleaned_data["subject"],
            priority=form.cleaned_data["priority"],
            tags=form.tag_names(),
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _refused(request, ticket_id, error)
    return _done(request, ticket_id, _("已保存。"))


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def ticket_assign(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    """Assign to someone (supervisors), take it, or hand it back (the service checks who may)."""
    agent_ids = [a.user.pk for a in desk_selectors.list_agents(workspace=request.workspace)]
    form = AssignForm(request.POST, agent_ids=agent_ids)
    desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
    if not form.is_valid():
        messages.error(request, _common.error_text(ServiceError(DeskError.ASSIGNEE_INVALID, "")))
        return _render_ticket(request, ticket_id, status=422)
    try:
        desk_services.assign_ticket(
            workspace=request.workspace,
            ticket_id=ticket_id,
            assignee_id=form.cleaned_data["assignee"],
            actor=_actor(request),
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _refused(request, ticket_id, error)
    return _done(request, ticket_id, _("处理人已更新。"))


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def ticket_team(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    form = TeamChoiceForm(request.POST)
    team_id = form.cleaned_data.get("team") if form.is_valid() else None
    try:
        desk_services.set_ticket_team(
            workspace=request.workspace, ticket_id=ticket_id, team_id=team_id, actor=_actor(request)
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _refused(request, ticket_id, error)
    return _done(request, ticket_id, _("团队已更新。"))


@require_POST
@workspace_required(Perm.HANDLE_COMPLAINTS)
def ticket_complaint(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    """Register a complaint raised in this ticket."""
    ticket = desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
    form = ComplaintOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择严重程度和类别。"))
        return _render_ticket(request, ticket_id, status=422)
    try:
        complaint = desk_services.open_complaint(
            workspace=request.workspace,
            customer_id=ticket.customer_id,
            ticket_id=ticket.pk,
            severity=form.cleaned_data["severity"],
            category=form.cleaned_data["category"],
            description=form.cleaned_data["description"],
            actor=_actor(request),
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _refused(request, ticket_id, error)
    messages.success(request, _("投诉已登记。"))
    return redirect("desk:complaint", complaint_id=complaint.pk)


# --- Merge ---------------------------------------------------------------------------------------


@workspace_required(Perm.MERGE_TICKETS)
def ticket_merge(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    """Fold a duplicate of the same customer into this ticket. GET ?merged=<id> shows what will
    happen and asks to confirm; POST merges."""
    survivor = desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
    form = MergeForm(request.POST if request.method == "POST" else request.GET)
    merged: Ticket | None = None
    if form.is_valid():
        merged = desk_selectors.get_ticket(
            workspace=request.workspace, ticket_id=form.cleaned_data["merged"]
        )
    if request.method == "POST" and merged is not None:
        try:
            desk_services.merge_tickets(
                workspace=request.workspace,
                survivor_id=survivor.pk,
                merged_id=merged.pk,
                actor=_actor(request),
            )
        except NotFound:
            raise
        except ServiceError as error:
            messages.error(request, _common.error_text(error))
            return redirect("desk:ticket", ticket_id=survivor.pk)
        return _done(
            request, survivor.pk, _("工单 #%(merged)s 已并入此工单。") % {"merged": merged.pk}
        )
    _common.load_identities_of_nameless([survivor.customer])
    context = _common.desk_context(
        request,
        ticket=survivor,
        merged=merged,
        merged_messages=list(
            desk_selectors.list_ticket_messages(workspace=request.workspace, ticket_id=merged.pk)[
                :5
            ]
        )
        if merged
        else [],
        customer=_common.customer_label(survivor.customer),
        candidates=[
            t
            for t in desk_selectors.list_customer_tickets(
                workspace=request.workspace, customer_id=survivor.customer_id
            )[:20]
            if t.pk != survivor.pk and t.status != TicketStatus.CLOSED
        ],
        same_customer=merged is None or merged.customer_id == survivor.customer_id,
    )
    return render(request, "desk/merge.html", context)
