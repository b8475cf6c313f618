"""Console pages of the accounts app: sign-in, settings, members, invites, API keys, audit log.

Views are thin: parse a form, check the permission (``workspace_required``), call one service or
selector, render. Every object is looked up inside ``request.workspace``; an id from another
workspace is a 404, never a 403, so its existence does not leak.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.exceptions import AccountsError
from xiaonuo.accounts.forms import ApiKeyForm, InviteForm, InviteSignupForm, RoleForm
from xiaonuo.accounts.permissions import Perm, Role
from xiaonuo.accounts.services import Actor
from xiaonuo.lib.errors import NotFound, ServiceError

AUDIT_PAGE_SIZE = 50


@login_required
def no_workspace(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_workspace.html")


@workspace_required()
def settings_home(request: ConsoleRequest) -> HttpResponse:
    sections = {
        "can_manage_staff": has_perm(request, Perm.MANAGE_STAFF),
        "can_manage_api_keys": has_perm(request, Perm.MANAGE_API_KEYS),
        "can_view_audit_log": has_perm(request, Perm.VIEW_AUDIT_LOG),
    }
    return render(request, "accounts/settings.html", {**sections, "active_area": "settings"})


# --- Members and invites ----------------------------------------------------------------------


@workspace_required(Perm.MANAGE_STAFF)
def members(request: ConsoleRequest) -> HttpResponse:
    return _render_members(request)


def _render_members(
    request: ConsoleRequest,
    *,
    invite_link: str = "",
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "members": accounts_selectors.list_members(workspace=request.workspace),
        "roles": Role.choices,
        "invite_form": invite_form or InviteForm(),
        "invite_link": invite_link,
        "active_area": "settings",
    }
    return render(request, "accounts/members.html", context, status=status)


@require_POST
@workspace_required(Perm.MANAGE_STAFF)
def change_role(request: ConsoleRequest, membership_id: int) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择一个有效的角色。"))
        return redirect("accounts:members")
    try:
        accounts_services.change_member_role(
            workspace=request.workspace,
            membership_id=membership_id,
            role=Role(form.cleaned_data["role"]),
            actor=Actor(user=request.user),
        )
    except NotFound:
        raise
    except ServiceError as error:
        if error.code == AccountsError.LAST_OWNER:
            messages.error(request, _("工作区至少需要一位所有者。"))
        else:
            messages.error(request, error.message)
        return redirect("accounts:members")
    messages.success(request, _("角色已更新。"))
    return redirect("accounts:members")


@require_POST
@workspace_required(Perm.MANAGE_STAFF)
def create_invite(request: ConsoleRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render_members(request, invite_form=form, status=400)
    _invite, token = accounts_services.create_invite(
        workspace=request.workspace,
        role=Role(form.cleaned_data["role"]),
        email=form.cleaned_data["email"],
        actor=Actor(user=request.user),
    )
    # The token is shown once, in this response; only its hash is stored.
    link = request.build_absolute_uri(reverse("accounts:invite", args=[token]))
    return _render_members(request, invite_link=link)


def accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link: a new person signs up, a signed-in person joins."""
    invite = accounts_services.get_open_invite(token=token)
    if invite is None:
        return render(request, "accounts/invite_invalid.html", status=404)
    form = None
    if request.method == "POST":
        if request.user.is_authenticated:
            user = request.user
        else:
            form = InviteSignupForm(request.POST)
            if not form.is_valid():
                return render(
                    request, "accounts/invite.html", {"invite": invite, "form": form}, status=400
                )
            user = accounts_services.create_staff_user(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                email=invite.email,
            )
        try:
            membership = accounts_services.accept_invite(token=token, user=user)
        except ServiceError:
            return render(request, "accounts/invite_invalid.html", status=404)
        if not request.user.is_authenticated:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session["workspace_id"] = membership.workspace_id
        messages.success(
            request, _("欢迎加入 %(workspace)s。") % {"workspace": membership.workspace.name}
        )
        return redirect("console:dashboard")
    if not request.user.is_authenticated:
        form = InviteSignupForm()
    return render(request, "accounts/invite.html", {"invite": invite, "form": form})


# --- API keys ---------------------------------------------------------------------------------


@workspace_required(Perm.MANAGE_API_KEYS)
def api_keys(request: ConsoleRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        _key, secret = accounts_services.create_api_key(
            workspace=request.workspace,
            name=form.cleaned_data["name"],
            actor=Actor(user=request.user),
        )
        form = ApiKeyForm()
    context = {
        "keys": accounts_selectors.list_api_keys(workspace=request.workspace).select_related(
            "created_by"
        ),
        "form": form,
        "secret": secret,  # shown in this response only; never stored or shown again
        "active_area": "settings",
    }
    status = 400 if request.method == "POST" and not secret else 200
    return render(request, "accounts/api_keys.html", context, status=status)


@require_POST
@workspace_required(Perm.MANAGE_API_KEYS)
def revoke_api_key(request: ConsoleRequest, api_key_id: int) -> HttpResponse:
    accounts_services.revoke_api_key(
        workspace=request.workspace, api_key_id=api_key_id, actor=Actor(user=request.user)
    )
    messages.success(request, _("API 密钥已吊销，使用它的请求将被拒绝。"))
    return redirect("accounts:api_keys")


# --- Audit log --------------------------------------------------------------------------------


@workspace_required(Perm.VIEW_AUDIT_LOG)
def audit_log(request: ConsoleRequest) -> HttpResponse:
    # The audit log is small next to customers; a COUNT over one workspace's index is cheap.
    paginator = Paginator(
        accounts_selectors.list_audit_entries(workspace=request.workspace), AUDIT_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "active_area": "settings"})
