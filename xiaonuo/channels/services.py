"""Use cases that change channels. Every function takes the workspace and touches only its rows."""

import re
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels import widget as channels_widget
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.models import Channel, ChannelKind, WeChatAccount, WeChatDelivery
from xiaonuo.channels.wechat import crypto as wechat_crypto
from xiaonuo.channels.wechat import secretbox
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


# --- WeChat Official Accounts (docs/wechat.md) -----------------------------------------------

_APP_ID = re.compile(r"^wx[0-9A-Za-z]{16}$")
_APP_SECRET = re.compile(r"^[0-9A-Za-z]{32}$")
# WeChat retries a callback within about 15 seconds; a day covers any clock or queue hiccup.
WECHAT_DELIVERY_RETENTION = timedelta(days=1)


def create_wechat_channel(
    *,
    workspace: Workspace,
    name: str,
    token: str,
    encoding_aes_key: str,
    app_id: str,
    app_secret: str = "",
) -> Channel:
    """A channel for one Official Account. Token and EncodingAESKey are the ones entered in
    WeChat's console ("服务器配置"); the AppSecret (needed to send later answers and staff
    replies) is stored encrypted and may be given later."""
    token, encoding_aes_key = (token or "").strip(), (encoding_aes_key or "").strip()
    app_id = (app_id or "").strip()
    if not wechat_crypto.valid_token(token):
        raise ServiceError(
            ChannelsError.WECHAT_TOKEN_INVALID,
            "The Token has 3 to 32 letters and digits",
            field="token",
        )
    if not wechat_crypto.valid_encoding_aes_key(encoding_aes_key):
        raise ServiceError(
            ChannelsError.WECHAT_AES_KEY_INVALID,
            "The EncodingAESKey has 43 characters of base64 (letters, digits, + and /)",
            field="encoding_aes_key",
        )
    if not _APP_ID.match(app_id):
        raise ServiceError(
            ChannelsError.WECHAT_APP_ID_INVALID,
            "The AppID is wx followed by 16 letters and digits",
            field="app_id",
        )
    sealed_secret = _sealed_app_secret(app_secret) if app_secret else ""
    with transaction.atomic():
        if WeChatAccount.objects.filter(workspace=workspace, app_id=app_id).exists():
            raise ServiceError(
                ChannelsError.WECHAT_APP_ID_TAKEN,
                "This workspace already has a channel for this Official Account",
                field="app_id",
            )
        channel = Channel.objects.create(
            workspace=workspace, kind=ChannelKind.WECHAT_OA, name=_clean_name(name)
        )
        WeChatAccount.objects.create(
            workspace=workspace,
            channel=channel,
            app_id=app_id,
            token=token,
            encoding_aes_key=encoding_aes_key,
            app_secret_encrypted=sealed_secret,
        )
    return channel


def set_wechat_app_secret(*, workspace: Workspace, channel_id: int, app_secret: str) -> None:
    """A new AppSecret (WeChat's console resets it); the cached access token goes with the old."""
    sealed = _sealed_app_secret(app_secret)
    channel = channels_selectors.get_wechat_channel(workspace=workspace, channel_id=channel_id)
    WeChatAccount.objects.filter(workspace=workspace, channel=channel).update(
        app_secret_encrypted=sealed, access_token_encrypted="", access_token_expires_at=None
    )


def _sealed_app_secret(app_secret: str) -> str:
    app_secret = (app_secret or "").strip()
    if not _APP_SECRET.match(app_secret):
        raise ServiceError(
            ChannelsError.WECHAT_APP_SECRET_INVALID,
            "The AppSecret has 32 letters and digits",
            field="app_secret",
        )
    return secretbox.seal(app_secret)


def record_wechat_delivery(*, channel: Channel, key: str) -> bool:
    """True the first time WeChat delivers ``key`` to ``channel``; False for every copy.

    A copy that arrives after the first was recorded (WeChat's retries, seconds later) is
    recognised by a read first, which on SQLite does not wait for the database's one write
    lock; ``claim_wechat_delivery`` decides a tie.
    """
    if wechat_delivery_seen(channel=channel, key=key):
        return False
    return claim_wechat_delivery(channel=channel, key=key)


def wechat_delivery_seen(*, channel: Channel, key: str) -> bool:
    return WeChatDelivery.objects.filter(channel=channel, key=key).exists()


def claim_wechat_delivery(*, channel: Channel, key: str) -> bool:
    """Record ``key`` for ``channel``: True when this call inserted it, False when it was there.

    One ``INSERT … ON CONFLICT DO NOTHING`` against the unique constraint: atomic across threads
    and processes on SQLite and PostgreSQL alike, with no read-then-write race, and — unlike an
    insert that fails — no savepoint needed inside a caller's transaction (the WeChat callback
    claims in the transaction that stores the message, so a failure forgets the claim too).
    """
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(WeChatDelivery._meta.db_table)}"  # noqa: S608 - our own names
            f" ({qn('channel_id')}, {qn('key')}, {qn('received_at')}) VALUES (%s, %s, %s)"
            f" ON CONFLICT ({qn('channel_id')}, {qn('key')}) DO NOTHING",
            [channel.pk, key, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        return cursor.rowcount == 1


def forget_wechat_delivery(*, channel: Channel, key: str) -> None:
    """Handling failed before anything was stored: let WeChat's retry try again."""
    WeChatDelivery.objects.filter(channel=channel, key=key).delete()


def purge_wechat_deliveries(*, older_than: timedelta = WECHAT_DELIVERY_RETENTION) -> int:
    # Across workspaces: a housekeeping job over rows that hold no one's data but WeChat's ids.
    deleted, _ = WeChatDelivery.objects.filter(received_at__lt=timezone.now() - older_than).delete()
    return deleted
