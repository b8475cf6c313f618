"""Reads of channels, always within one workspace (or by the public id a channel URL carries)."""

from django.db.models import QuerySet

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.models import Channel, ChannelKind, WeChatAccount
from xiaonuo.lib.errors import NotFound


def channel_not_found() -> NotFound:
    return NotFound(ChannelsError.CHANNEL_NOT_FOUND, "Channel not found")


def get_channel(*, workspace: Workspace, channel_id: int) -> Channel:
    channel = Channel.objects.filter(workspace=workspace, pk=channel_id).first()
    if channel is None:
        raise channel_not_found()
    return channel


def get_channel_by_public_id(*, public_id: str) -> Channel:
    """The channel a widget embed or a callback URL names; its workspace comes with it."""
    channel = Channel.objects.filter(public_id=public_id).select_related("workspace").first()
    if channel is None:
        raise channel_not_found()
    return channel


def list_channels(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).order_by("id")


def list_widget_channels(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace, kind=ChannelKind.WEB_WIDGET).order_by("id")


def get_widget_channel(*, workspace: Workspace, channel_id: int) -> Channel:
    channel = Channel.objects.filter(
        workspace=workspace, pk=channel_id, kind=ChannelKind.WEB_WIDGET
    ).first()
    if channel is None:
        raise channel_not_found()
    return channel


# --- WeChat Official Accounts ----------------------------------------------------------------


def list_wechat_channels(*, workspace: Workspace) -> QuerySet[Channel]:
    return (
        Channel.objects.filter(workspace=workspace, kind=ChannelKind.WECHAT_OA)
        .select_related("wechat")
        .order_by("id")
    )


def get_wechat_channel(*, workspace: Workspace, channel_id: int) -> Channel:
    channel = (
        Channel.objects.filter(workspace=workspace, pk=channel_id, kind=ChannelKind.WECHAT_OA)
        .select_related("wechat")
        .first()
    )
    if channel is None:
        raise channel_not_found()
    return channel


def get_wechat_account_for_callback(*, public_id: str) -> WeChatAccount:
    """The account a callback URL names, with its channel and workspace (one query). Any other
    channel kind is "not found" too: a widget's id is no WeChat endpoint."""
    account = (
        WeChatAccount.objects.filter(
            channel__public_id=public_id, channel__kind=ChannelKind.WECHAT_OA
        )
        .select_related("channel", "workspace")
        .first()
    )
    if account is None:
        raise channel_not_found()
    return account
