"""The desk's settings (``manage_desk``): assignment and agents' capacity, canned replies, the
tone check's word lists, teams; links to the SLA and survey settings of the sub-apps."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.forms import (
    CannedReplyForm,
    CapacityForm,
    DeskSettingsForm,
    TeamForm,
    ToneWordsForm,
)
from xiaonuo.desk.services.canned import VARIABLES
from xiaonuo.desk.views import _common
from xiaonuo.lib.errors import NotFound, ServiceError


def _context(request: ConsoleRequest, tab: str, **extra: Any) -> dict[str, Any]:
    return _common.desk_context(
        request,
        desk_tab="settings",
        settings_tab=tab,
        sla_url=_common.optional_url("desk_sla:policies"),
        surveys_url=_common.optional_url("desk_surveys:settings"),
        **extra,
    )


# --- Assignment and capacity ---------------------------------------------------------------------


def _render_home(
    request: ConsoleRequest, *, form: DeskSettingsForm | None = None, status: int = 200
) -> HttpResponse:
    settings = desk_selectors.get_desk_settings(workspace=request.workspace)
    form = form or DeskSettingsForm(
        initial={
            "assignment_mode": settings.assignment_mode,
            "default_capacity": settings.default_capacity,
            "close_solved_after_days": settings.close_solved_after_days,
        }
    )
    capacities = desk_selectors.list_agent_capacities(workspace=request.workspace)
    context = _context(
        request,
        "home",
        form=form,
        agents=[
            {"state": a, "name": _common.user_name(a.user), "own": capacities.get(a.user.pk)}
            for a in desk_selectors.list_agents(workspace=request.workspace)
        ],
        default_capacity=settings.default_capacity,
    )
    return render(request, "desk/settings/home.html", context, status=status)


@workspace_required(Perm.MANAGE_DESK)
def settings_home(request: ConsoleRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_home(request)
    form = DeskSettingsForm(request.POST)
    if not form.is_valid():
        return _render_home(request, form=form, status=422)
    try:
        desk_services.update_desk_settings(workspace=request.workspace, **form.cleaned_data)
    except ServiceError as error:
        messages.error(request, _common.error_text(error))
        return _render_home(request, form=form, status=error.status)
    messages.success(request, _("已保存。"))
    return redirect("desk:settings")


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def settings_capacity(request: ConsoleRequest) -> HttpResponse:
    """A supervisor sets one agent's capacity (empty = the workspace's default)."""
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _common.error_text(ServiceError("capacity_invalid", "")))
        return _render_home(request, status=422)
    try:
        desk_services.set_capacity(
            workspace=request.workspace,
            user_id=form.cleaned_data["user_id"],
            capacity=form.cleaned_data["capacity"],
            actor=Actor(user=request.user),
        )
    except ServiceError as error:
        # Another workspace's member is "not one of ours": as not found, never a 403.
        if error.code == "assignee_invalid":
            raise NotFound() from None
        messages.error(request, _common.error_text(error))
        return _render_home(request, status=error.status)
    messages.success(request, _("接待上限已更新。"))
    return redirect("desk:settings")


# --- Canned replies ------------------------------------------------------------------------------


def _variable_names() -> list[str]:
    """The variables a body may use, by their names in the reader's language (both work)."""
    english = (get_language() or "").startswith("en")
    return [aliases[0] if english else aliases[1] for aliases in VARIABLES.values()]


def _render_canned(
    request: ConsoleRequest, *, form: CannedReplyForm | None = None, status: int = 200
) -> HttpResponse:
    context = _context(
        request,
        "canned",
        replies=desk_selectors.list_canned_replies(workspace=request.workspace),
        form=form or CannedReplyForm(),
        variables=_variable_names(),
    )
    return render(request, "desk/settings/canned.html", context, status=status)


@workspace_required(Perm.MANAGE_DESK)
def canned_list(request: ConsoleRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_canned(request)
    form = CannedReplyForm(request.POST)
    if not form.is_valid():
        return _render_canned(request, form=form, status=422)
    try:
        desk_services.create_canned_reply(
            workspace=request.workspace, actor=Actor(user=request.user), **form.cleaned_data
        )
    except ServiceError as error:
        messages.error(request, _common.error_text(error))
        return _render_canned(request, form=form, status=error.status)
    messages.success(request, _("快捷回复已保存。"))
    return redirect("desk:canned")


@workspace_required(Perm.MANAGE_DESK)
def canned_edit(request: ConsoleRequest, canned_reply_id: int) -> HttpResponse:
    reply = desk_selectors.get_canned_reply(
        workspace=request.workspace, canned_reply_id=canned_reply_id
    )
    form = CannedReplyForm(
        request.POST if request.method == "POST" else None,
        initial={"title": reply.title, "body": reply.body},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                desk_services.update_canned_reply(
                    workspace=request.workspace, canned_reply_id=reply.pk, **form.cleaned_data
                )
            except NotFound:
                raise
            except ServiceError as error:
                messages.error(request, _common.error_text(error))
                status = error.status
            else:
                messages.success(request, _("快捷回复已保存。"))
                return redirect("desk:canned")
    context = _context(
        request,
        "canned",
        reply=reply,
        form=form,
        variables=_variable_names(),
    )
    return render(request, "desk/settings/canned_edit.html", context, status=status)


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def canned_delete(request: ConsoleRequest, canned_reply_id: int) -> HttpResponse:
    desk_services.delete_canned_reply(workspace=request.workspace, canned_reply_id=canned_reply_id)
    messages.success(request, _("快捷回复已删除。"))
    return redirect("desk:canned")


# --- Tone word lists -----------------------------------------------------------------------------


@workspace_required(Perm.MANAGE_DESK)
def tone_words(request: ConsoleRequest) -> HttpResponse:
    current = desk_selectors.get_desk_settings(workspace=request.workspace).tone_words or {}
    status = 200
    if request.method == "POST":
        form = ToneWordsForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                desk_services.set_tone_words(workspace=request.workspace, lists=form.lists())
            except ServiceError as error:
                messages.error(request, _common.error_text(error))
                status = error.status
            else:
                messages.success(request, _("词表已保存。"))
                return redirect("desk:tone_words")
    else:
        form = ToneWordsForm(
            initial={name: "\n".join(current.get(name, [])) for name in desk_selectors.TONE_LISTS}
        )
    return render(
        request, "desk/settings/tone.html", _context(request, "tone", form=form), status=status
    )


# --- Teams ---------------------------------------------------------------------------------------


def _agent_choices(request: ConsoleRequest) -> list[tuple[int, str]]:
    return [
        (a.user.pk, _common.user_name(a.user))
        for a in desk_selectors.list_agents(workspace=request.workspace)
    ]


@workspace_required(Perm.MANAGE_DESK)
def team_list(request: ConsoleRequest) -> HttpResponse:
    agents = _agent_choices(request)
    form = TeamForm(request.POST or None, agent_ids=[pk for pk, _name in agents])
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                desk_services.create_team(
                    workspace=request.workspace,
                    name=form.cleaned_data["name"],
                    member_ids=form.cleaned_data["members"],
                    actor=Actor(user=request.user),
                )
            except ServiceError as error:
                messages.error(request, _common.error_text(error))
                status = error.status
            else:
                messages.success(request, _("团队已创建。"))
                return redirect("desk:teams")
    context = _context(
        request,
        "teams",
        teams=desk_selectors.list_teams(workspace=request.workspace),
        form=form,
        agents=agents,
    )
    return render(request, "desk/settings/teams.html", context, status=status)


@workspace_required(Perm.MANAGE_DESK)
def team_edit(request: ConsoleRequest, team_id: int) -> HttpResponse:
    team = desk_selectors.get_team(workspace=request.workspace, team_id=team_id)
    agents = _agent_choices(request)
    form = TeamForm(
        request.POST if request.method == "POST" else None,
        agent_ids=[pk for pk, _name in agents],
        initial={"name": team.name, "members": [m.pk for m in team.members.all()]},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                desk_services.update_team(
                    workspace=request.workspace,
                    team_id=team.pk,
                    name=form.cleaned_data["name"],
                    member_ids=form.cleaned_data["members"],
                    actor=Actor(user=request.user),
                )
            except NotFound:
                raise
            except ServiceError as error:
                messages.error(request, _common.error_text(error))
                status = error.status
            else:
                messages.success(request, _("团队已保存。"))
                return redirect("desk:teams")
    selected = {int(v) for v in (form["members"].value() or []) if str(v).isdigit()}
    context = _context(request, "teams", team=team, form=form, agents=agents, selected=selected)
    return render(request, "desk/settings/team_edit.html", context, status=status)


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def team_delete(request: ConsoleRequest, team_id: int) -> HttpResponse:
    desk_services.delete_team(
        workspace=request.workspace, team_id=team_id, actor=Actor(user=request.user)
    )
    messages.success(request, _("团队已删除。"))
    return redirect("desk:teams")
