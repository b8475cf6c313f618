"""Use cases that change channels. Every function takes the workspace and touches only its rows."""

from typing import Any

from django.db import IntegrityError, transaction

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels import widget as channels_widget
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.models import Channel, ChannelKind
from xiaonuo.lib.errors import ServiceError
from xiaonuo.lib.tokens import new_secret

# What the API channel is called until someone renames it; not translated, it is data.
API_CHANNEL_NAME = "API"


def create_channel(
    *, workspace: Workspace, kind: str, name: str, config: dict[str, Any] | None = None
) -> Channel:
    if kind not in ChannelKind.values:
        raise ServiceError(
            ChannelsError.CHANNEL_KIND_INVALID, f"Unknown channel kind {kind!r}", field="kind"
        )
    if kind == ChannelKind.API:
        return get_or_create_api_channel(workspace=workspace)
    config = dict(config or {})
    secret = ""
    if kind == ChannelKind.WEB_WIDGET:
        # Every widget gets its identity secret and a clean origin list, however it is made.
        config["allowed_origins"] = channels_widget.clean_origins(
            config.get("allowed_origins") or []
        )
        secret = new_secret("wsec", 32)
    return Channel.objects.create(
        workspace=workspace, kind=kind, name=_clean_name(name), config=config, secret=secret
    )


def get_or_create_api_channel(*, workspace: Workspace) -> Channel:
    """The workspace's one API channel, created the first time the API needs it.

    Two first API calls may race to create it; the partial unique constraint lets one win and
    the other reads the winner's row.
    """
    existing = Channel.objects.filter(workspace=workspace, kind=ChannelKind.API).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Channel.objects.create(
                workspace=workspace, kind=ChannelKind.API, name=API_CHANNEL_NAME
            )
    except IntegrityError:
        return Channel.objects.get(workspace=workspace, kind=ChannelKind.API)


def rename_channel(*, workspace: Workspace, channel_id: int, name: str) -> Channel:
    channel = channels_selectors.get_channel(workspace=workspace, channel_id=channel_id)
    channel.name = _clean_name(name)
    channel.save(update_fields=["name"])
    return channel


def set_channel_enabled(*, workspace: Workspace, channel_id: int, enabled: bool) -> Channel:
    """A disabled channel refuses new inbound messages; its conversations stay readable."""
    channel = channels_selectors.get_channel(workspace=workspace, channel_id=channel_id)
    Channel.objects.filter(pk=channel.pk).update(enabled=enabled)
    channel.enabled = enabled
    return channel


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(
            ChannelsError.CHANNEL_NAME_INVALID,
            "A channel name has 1 to 100 characters",
            field="name",
        )
    return name


# --- Web chat widgets -------------------------------------------------------------------------


def create_widget_channel(
    *, workspace: Workspace, name: str, allowed_origins: list[str] | None = None
) -> tuple[Channel, str]:
    """A widget for one site. Returns it with its identity secret, shown to staff this once."""
    channel = create_channel(
        workspace=workspace,
        kind=ChannelKind.WEB_WIDGET,
        name=name,
        config={"allowed_origins": allowed_origins or []},
    )
    return channel, channel.secret


def set_allowed_origins(*, workspace: Workspace, channel_id: int, origins: list[str]) -> Channel:
    """The sites that may embed the widget (empty: any). Checked on every widget request."""
    cleaned = channels_widget.clean_origins(origins)
    with transaction.atomic():
        channel = _locked_widget(workspace=workspace, channel_id=channel_id)
        # Other keys of the config are kept; the row lock keeps two saves from losing one.
        channel.config = {**channel.config, "allowed_origins": cleaned}
        channel.save(update_fields=["config"])
    return channel


def rotate_widget_secret(*, workspace: Workspace, channel_id: int) -> str:
    """A new identity secret; the old one stops verifying at once (visitors already identified
    stay identified). Returns the secret, which the console shows this once."""
    secret = new_secret("wsec", 32)
    with transaction.atomic():
        channel = _locked_widget(workspace=workspace, channel_id=channel_id)
        Channel.objects.filter(pk=channel.pk).update(secret=secret)
    return secret


def _locked_widget(*, workspace: Workspace, channel_id: int) -> Channel:
    channel = (
        Channel.objects.select_for_update()
        .filter(workspace=workspace, pk=channel_id, kind=ChannelKind.WEB_WIDGET)
        .first()
    )
    if channel is None:
        raise channels_selectors.channel_not_found()
    return channel
