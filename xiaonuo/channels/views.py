"""Console pages of the channels area: the workspace's web chat widgets and WeChat Official Accounts.

Thin views: check ``manage_desk``, call one channels service or selector, render. Every lookup is
inside ``request.workspace``; another workspace's channel is a 404 on every page.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels import services as channels_services
from xiaonuo.channels import widget as channels_widget
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.forms import (
    AllowedOriginsForm,
    WeChatAppSecretForm,
    WeChatChannelForm,
    WidgetChannelForm,
)
from xiaonuo.channels.models import Channel
from xiaonuo.lib.errors import ServiceError

ERROR_MESSAGES = {
    ChannelsError.ALLOWED_ORIGINS_INVALID: gettext_lazy(
        "“%(entry)s”不是网站来源。请只写协议和域名（可带端口），例如 https://www.example.com，不要带路径。"
    ),
    ChannelsError.CHANNEL_NAME_INVALID: gettext_lazy("名称需要 1 到 100 个字。"),
    ChannelsError.WECHAT_TOKEN_INVALID: gettext_lazy("Token 需要 3 到 32 个英文字母或数字。"),
    ChannelsError.WECHAT_AES_KEY_INVALID: gettext_lazy(
        "EncodingAESKey 需要 43 个字符（英文字母、数字、+ 和 /），请从公众平台复制。"
    ),
    ChannelsError.WECHAT_APP_ID_INVALID: gettext_lazy("AppID 以 wx 开头，后面是 16 个字母或数字。"),
    ChannelsError.WECHAT_APP_SECRET_INVALID: gettext_lazy("AppSecret 需要 32 个英文字母或数字。"),
    ChannelsError.WECHAT_APP_ID_TAKEN: gettext_lazy("这个工作区已经接入了该公众号。"),
}
TOO_MANY_ORIGINS = gettext_lazy("最多可以填写 %(limit)s 个网站。")


def _refusal(error: ServiceError) -> str:
    if error.code == ChannelsError.ALLOWED_ORIGINS_INVALID and "limit" in error.details:
        return str(TOO_MANY_ORIGINS) % {"limit": error.details["limit"]}
    message = ERROR_MESSAGES.get(ChannelsError(error.code))
    return str(message) % {"entry": error.details.get("entry", "")} if message else error.message


def _refuse(form: Any, error: ServiceError) -> None:
    field = error.details.get("field")
    form.add_error(field if field in form.fields else None, _refusal(error))


@workspace_required(Perm.MANAGE_DESK)
def widget_list(request: ConsoleRequest) -> HttpResponse:
    form = WidgetChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel, secret = channels_services.create_widget_channel(
                workspace=request.workspace,
                name=form.cleaned_data["name"],
                allowed_origins=form.cleaned_data["allowed_origins"],
            )
        except ServiceError as error:
            _refuse(form, error)
        else:
            return _render_widget(request, channel, secret=secret, created=True)
    context = {
        "channels": channels_selectors.list_widget_channels(workspace=request.workspace),
        "form": form,
        "active_area": "channels",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "channels/widget_list.html", context, status=status)


def _render_widget(
    request: ConsoleRequest,
    channel: Channel,
    *,
    secret: str = "",
    created: bool = False,
    origins_form: AllowedOriginsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    script_url = request.build_absolute_uri(static("channels/widget.js"))
    context: dict[str, Any] = {
        "channel": channel,
        "script_url": script_url,
        "secret": secret,  # shown in this response only (on creation or rotation)
        "created": created,
        "origins_form": origins_form
        or AllowedOriginsForm(
            initial={"allowed_origins": "\n".join(channels_widget.allowed_origins(channel))}
        ),
        "active_area": "channels",
    }
    return render(request, "channels/widget_detail.html", context, status=status)


def _widget(request: ConsoleRequest, channel_id: int) -> Channel:
    return channels_selectors.get_widget_channel(workspace=request.workspace, channel_id=channel_id)


@workspace_required(Perm.MANAGE_DESK)
def widget_detail(request: ConsoleRequest, channel_id: int) -> HttpResponse:
    return _render_widget(request, _widget(request, channel_id))


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def widget_origins(request: ConsoleRequest, channel_id: int) -> HttpResponse:
    channel = _widget(request, channel_id)
    form = AllowedOriginsForm(request.POST)
    if form.is_valid():
        try:
            channels_services.set_allowed_origins(
                workspace=request.workspace,
                channel_id=channel.pk,
                origins=form.cleaned_data["allowed_origins"],
            )
        except ServiceError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("允许嵌入的网站已保存。"))
            return redirect("channels:widget", channel.pk)
    return _render_widget(request, channel, origins_form=form, status=400)


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def widget_enabled(request: ConsoleRequest, channel_id: int) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    channel = channels_services.set_channel_enabled(
        workspace=request.workspace, channel_id=_widget(request, channel_id).pk, enabled=enabled
    )
    messages.success(
        request,
        _("网页聊天已启用。") if enabled else _("网页聊天已停用，网站上的聊天窗口将不再出现。"),
    )
    return redirect("channels:widget", channel.pk)


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def widget_rotate_secret(request: ConsoleRequest, channel_id: int) -> HttpResponse:
    channel = _widget(request, channel_id)
    secret = channels_services.rotate_widget_secret(
        workspace=request.workspace, channel_id=channel.pk
    )
    channel.refresh_from_db()
    return _render_widget(request, channel, secret=secret)


# --- WeChat Official Accounts ------------------------------------------------------------------


def wechat_callback_url(channel: Channel) -> str:
    """The URL to enter in WeChat's "服务器配置": on the install's public address (SITE_URL), not
    the address the console happens to be opened at."""
    path = reverse("channels:wechat_callback", args=[channel.public_id])
    return f"{settings.SITE_URL}{path}"


@workspace_required(Perm.MANAGE_DESK)
def wechat_list(request: ConsoleRequest) -> HttpResponse:
    form = WeChatChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = channels_services.create_wechat_channel(
                workspace=request.workspace, **form.cleaned_data
            )
        except ServiceError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("公众号已接入。请把下面的服务器地址填入公众平台。"))
            return redirect("channels:wechat_account", channel.pk)
    context = {
        "channels": [
            (channel, wechat_callback_url(channel))
            for channel in channels_selectors.list_wechat_channels(workspace=request.workspace)
        ],
        "form": form,
        "active_area": "channels",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "channels/wechat_list.html", context, status=status)


def _wechat(request: ConsoleRequest, channel_id: int) -> Channel:
    return channels_selectors.get_wechat_channel(workspace=request.workspace, channel_id=channel_id)


def _render_wechat(
    request: ConsoleRequest,
    channel: Channel,
    *,
    secret_form: WeChatAppSecretForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "channel": channel,
        "account": channel.wechat,  # type: ignore[attr-defined]
        "callback_url": wechat_callback_url(channel),
        "secret_form": secret_form or WeChatAppSecretForm(),
        "active_area": "channels",
    }
    return render(request, "channels/wechat_detail.html", context, status=status)


@workspace_required(Perm.MANAGE_DESK)
def wechat_detail(request: ConsoleRequest, channel_id: int) -> HttpResponse:
    return _render_wechat(request, _wechat(request, channel_id))


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def wechat_enabled(request: ConsoleRequest, channel_id: int) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    channel = channels_services.set_channel_enabled(
        workspace=request.workspace, channel_id=_wechat(request, channel_id).pk, enabled=enabled
    )
    messages.success(
        request,
        _("公众号渠道已启用。")
        if enabled
        else _("公众号渠道已停用，小诺不再接收和回复该公众号的消息。"),
    )
    return redirect("channels:wechat_account", channel.pk)


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def wechat_app_secret(request: ConsoleRequest, channel_id: int) -> HttpResponse:
    channel = _wechat(request, channel_id)
    form = WeChatAppSecretForm(request.POST)
    if form.is_valid():
        try:
            channels_services.set_wechat_app_secret(
                workspace=request.workspace,
                channel_id=channel.pk,
                app_secret=form.cleaned_data["app_secret"],
            )
        except ServiceError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("AppSecret 已加密保存。"))
            return redirect("channels:wechat_account", channel.pk)
    return _render_wechat(request, channel, secret_form=form, status=400)
