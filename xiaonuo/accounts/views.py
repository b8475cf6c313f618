"""Console pages of the accounts app: sign-in, settings, members, invites, API keys, webhooks,
audit log.

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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts import webhooks
from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.exceptions import AccountsError
from xiaonuo.accounts.forms import (
    ApiKeyForm,
    InviteForm,
    InviteSignupForm,
    RoleForm,
    WebhookEndpointForm,
)
from xiaonuo.accounts.models import WebhookEndpoint
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
        "can_manage_api_keys": has_perm(request, Perm.MANAGE_API_KEYS),  # and webhooks
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


# --- Webhooks ---------------------------------------------------------------------------------
# Developers' things, like API keys: the same permission. Every lookup is inside the current
# workspace, so another workspace's endpoint or delivery id is a 404 on every page.

WEBHOOK_DELIVERIES_PER_PAGE = 50
# The service's refusals, in the reader's language; the code goes into the page as data-code.
WEBHOOK_ERROR_MESSAGES = {
    AccountsError.WEBHOOK_URL_INVALID: gettext_lazy(
        "请输入以 http:// 或 https:// 开头的完整地址，不要包含用户名和密码。"
    ),
    AccountsError.WEBHOOK_URL_BLOCKED: gettext_lazy(
        "这个地址指向内网、本机或保留地址。为了安全，Webhook 只发往公网地址。"
    ),
    AccountsError.WEBHOOK_URL_UNRESOLVABLE: gettext_lazy("无法解析这个域名，请检查地址。"),
    AccountsError.WEBHOOK_EVENTS_INVALID: gettext_lazy("请至少选择一个事件。"),
    AccountsError.WEBHOOK_ENDPOINT_LIMIT: gettext_lazy(
        "每个工作区最多可以添加 %(limit)s 个 Webhook 地址。"
    ),
    AccountsError.WEBHOOK_ENDPOINT_DISABLED: gettext_lazy("这个地址已停用，请先启用。"),
    AccountsError.WEBHOOK_DELIVERY_NOT_RETRYABLE: gettext_lazy("这次推送已经成功，或正在发送中。"),
}


def _webhook_error(error: ServiceError) -> str:
    message = WEBHOOK_ERROR_MESSAGES.get(AccountsError(error.code))
    if message is None:
        return error.message
    return str(message) % {"limit": webhooks.MAX_ENDPOINTS}


def _endpoint_or_404(request: ConsoleRequest, endpoint_id: int) -> WebhookEndpoint:
    endpoint = accounts_selectors.get_webhook_endpoint(
        workspace=request.workspace, endpoint_id=endpoint_id
    )
    if endpoint is None:
        raise NotFound()
    return endpoint


def _form_refused(form: WebhookEndpointForm, error: ServiceError) -> None:
    field = error.details.get("field")
    form.add_error(field if field in form.fields else None, _webhook_error(error))


@workspace_required(Perm.MANAGE_API_KEYS)
def webhooks_list(request: ConsoleRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    created, secret, error_code = None, "", ""
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = webhooks.create_endpoint(
                workspace=request.workspace,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=Actor(user=request.user),
            )
            form = WebhookEndpointForm()
        except ServiceError as error:
            _form_refused(form, error)
            error_code = error.code
    context = {
        "endpoints": [
            (endpoint, webhooks.event_labels(endpoint.events))
            for endpoint in accounts_selectors.list_webhook_endpoints(workspace=request.workspace)
        ],
        "form": form,
        "created": created,
        "secret": secret,  # shown in this response; afterwards only through "reveal" (audited)
        "error_code": error_code,
        "active_area": "settings",
    }
    status = 400 if request.method == "POST" and created is None else 200
    return render(request, "accounts/webhooks.html", context, status=status)


def _render_endpoint(
    request: ConsoleRequest,
    endpoint: WebhookEndpoint,
    *,
    form: WebhookEndpointForm | None = None,
    secret: str = "",
    error_code: str = "",
    status: int = 200,
) -> HttpResponse:
    before = request.GET.get("before", "")
    deliveries = list(
        accounts_selectors.list_webhook_deliveries(
            workspace=request.workspace,
            endpoint=endpoint,
            before_id=int(before) if before.isdigit() else None,
        )[: WEBHOOK_DELIVERIES_PER_PAGE + 1]
    )
    context = {
        "endpoint": endpoint,
        "form": form
        or WebhookEndpointForm(
            initial={
                "url": endpoint.url,
                "events": endpoint.events,
                "description": endpoint.description,
            }
        ),
        "secret": secret,
        "error_code": error_code,
        "event_labels": webhooks.event_labels(endpoint.events),
        "deliveries": deliveries[:WEBHOOK_DELIVERIES_PER_PAGE],
        "older": deliveries[WEBHOOK_DELIVERIES_PER_PAGE - 1].pk
        if len(deliveries) > WEBHOOK_DELIVERIES_PER_PAGE
        else None,
        "max_attempts": webhooks.MAX_ATTEMPTS,
        "active_area": "settings",
    }
    return render(request, "accounts/webhook_endpoint.html", context, status=status)


@workspace_required(Perm.MANAGE_API_KEYS)
def webhook_endpoint(request: ConsoleRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    if request.method != "POST":
        return _render_endpoint(request, endpoint)
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            webhooks.update_endpoint(
                workspace=request.workspace,
                endpoint_id=endpoint.pk,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ServiceError as error:
            _form_refused(form, error)
            return _render_endpoint(request, endpoint, form=form, error_code=error.code, status=400)
        messages.success(request, _("Webhook 已保存。"))
        return redirect("accounts:webhook", endpoint.pk)
    return _render_endpoint(request, endpoint, form=form, status=400)


@require_POST
@workspace_required(Perm.MANAGE_API_KEYS)
def webhook_enable(request: ConsoleRequest, endpoint_id: int) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    webhooks.set_endpoint_enabled(
        workspace=request.workspace, endpoint_id=endpoint_id, enabled=enabled
    )
    messages.success(request, _("Webhook 已启用。") if enabled else _("Webhook 已停用。"))
    return redirect("accounts:webhook", endpoint_id)


@require_POST
@workspace_required(Perm.MANAGE_API_KEYS)
def webhook_reveal_secret(request: ConsoleRequest, endpoint_id: int) -> HttpResponse:
    secret = webhooks.reveal_secret(
        workspace=request.workspace, endpoint_id=endpoint_id, actor=Actor(user=request.user)
    )
    return _render_endpoint(request, _endpoint_or_404(request, endpoint_id), secret=secret)


@require_POST
@workspace_required(Perm.MANAGE_API_KEYS)
def webhook_send_test(request: ConsoleRequest, endpoint_id: int) -> HttpResponse:
    try:
        webhooks.send_test_event(
            workspace=request.workspace, endpoint_id=endpoint_id, actor=Actor(user=request.user)
        )
    except NotFound:
        raise
    except ServiceError as error:
        messages.error(request, _webhook_error(error))
        return redirect("accounts:webhook", endpoint_id)
    messages.success(request, _("测试事件已加入发送队列，结果见下方推送记录。"))
    return redirect("accounts:webhook", endpoint_id)


@workspace_required(Perm.MANAGE_API_KEYS)
def webhook_delete(request: ConsoleRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    if request.method == "POST":
        webhooks.delete_endpoint(
            workspace=request.workspace, endpoint_id=endpoint.pk, actor=Actor(user=request.user)
        )
        messages.success(request, _("Webhook 已删除。"))
        return redirect("accounts:webhooks")
    return render(
        request,
        "accounts/webhook_delete.html",
        {"endpoint": endpoint, "active_area": "settings"},
    )


@workspace_required(Perm.MANAGE_API_KEYS)
def webhook_delivery(request: ConsoleRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    delivery = accounts_selectors.get_webhook_delivery(
        workspace=request.workspace, endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    if delivery is None:
        raise NotFound()
    context = {
        "delivery": delivery,
        "endpoint": delivery.endpoint,
        "body": webhooks.delivery_body(delivery).decode(),
        "max_attempts": webhooks.MAX_ATTEMPTS,
        "active_area": "settings",
    }
    return render(request, "accounts/webhook_delivery.html", context)


@require_POST
@workspace_required(Perm.MANAGE_API_KEYS)
def webhook_retry(request: ConsoleRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    try:
        webhooks.retry_delivery(
            workspace=request.workspace, endpoint_id=endpoint_id, delivery_id=delivery_id
        )
    except NotFound:
        raise
    except ServiceError as error:
        messages.error(request, _webhook_error(error))
        return redirect("accounts:webhook", endpoint_id)
    messages.success(request, _("已重新加入发送队列。"))
    return redirect("accounts:webhook", endpoint_id)


# --- Audit log --------------------------------------------------------------------------------


@workspace_required(Perm.VIEW_AUDIT_LOG)
def audit_log(request: ConsoleRequest) -> HttpResponse:
    # The audit log is small next to customers; a COUNT over one workspace's index is cheap.
    paginator = Paginator(
        accounts_selectors.list_audit_entries(workspace=request.workspace), AUDIT_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "active_area": "settings"})
