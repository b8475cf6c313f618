"""Where a workspace's messages come from and go to. See ``inbound.py`` and ``outbound.py``."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import Workspace


class ChannelKind(models.TextChoices):
    WEB_WIDGET = "web_widget", _("网页聊天")  # the script companies paste into their site
    API = "api", _("API")  # the company's own front end through /api/v1/conversations
    WECHAT_OA = "wechat_oa", _("微信公众号")  # callback at /channels/wechat/<public id>/ (later)
    WECOM = "wecom", _("企业微信")  # later
    QQ = "qq", _("QQ")  # QQ groups through OneBot v11 (later)
    EMAIL = "email", _("邮件")  # later


# Kinds whose replies are delivered by being stored: their clients fetch new messages.
STORED_DELIVERY_KINDS = frozenset({ChannelKind.WEB_WIDGET, ChannelKind.API})


def _new_public_id() -> str:
    # 96 random bits: public, but not guessable or enumerable.
    return f"ch_{secrets.token_urlsafe(12)}"


class Channel(models.Model):
    """One way customers reach one workspace: a widget on a site, the API, an Official Account…

    ``public_id`` names the channel where an id is seen outside the console (the widget's embed
    code, the WeChat callback URL): random, so one company cannot guess another's channels.
    Secrets a channel needs (a WeChat AppSecret) are not stored here but in the environment or
    in the channel app's own encrypted field, when that channel is built.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    enabled = models.BooleanField(_("启用"), default=True)
    public_id = models.CharField(max_length=40, unique=True, default=_new_public_id)
    # Non-secret settings of the kind (the widget's allowed origins …).
    config = models.JSONField(default=dict, blank=True)
    # The widget's identity-verification secret: the company's server signs its user ids with it
    # (HMAC-SHA256, docs/widget.md). Kept as is, not hashed, because every identify call is
    # checked against it; shown to staff who manage the desk only when created or rotated.
    secret = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The API channel is found, not chosen, by API callers: one per workspace.
            models.UniqueConstraint(
                fields=["workspace", "kind"],
                condition=models.Q(kind="api"),
                name="channel_one_api_per_workspace",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "kind"], name="channel_ws_kind")]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class WidgetVisitor(models.Model):
    """One browser that wrote through (or was identified by) a widget channel.

    The browser keeps a random visitor token; only its SHA-256 is stored, so a copy of the
    database cannot be used to act as a visitor. ``anonymous_id`` is the random identity the
    desk knows the visitor's customer by (``customers.IdentityKind.ANONYMOUS_ID``); it says
    nothing about the person. A visitor who only browses the site never gets a row: the row is
    made with the first message or identification (docs/widget.md, "Privacy").
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    anonymous_id = models.CharField(max_length=40, unique=True)
    # The site's own user id, once verified with the channel's secret (empty: anonymous).
    external_id = models.CharField(max_length=200, blank=True)
    # The desk's conversation and customer this browser's thread is, as plain ids: the desk and
    # the customers app sit above or beside channels and are not referenced by foreign keys.
    # Set from what the desk returns for each message, so they follow merges as the visitor
    # writes; the customer.merged / customer.erased reactions keep them right in between.
    conversation_id = models.BigIntegerField(null=True, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        indexes = [
            # An identified user on a new device finds their thread by the site's user id.
            models.Index(
                fields=["channel", "external_id"],
                name="widget_visitor_external",
                condition=~models.Q(external_id=""),
            ),
            # Merge and erasure reactions find a customer's visitors.
            models.Index(
                fields=["workspace", "customer_id"],
                name="widget_visitor_customer",
                condition=models.Q(customer_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.anonymous_id


class WeChatAccount(models.Model):
    """The WeChat Official Account behind a ``wechat_oa`` channel (docs/wechat.md).

    Token and EncodingAESKey are what staff typed into WeChat's console too; every callback is
    checked with them, so they are kept as entered. The AppSecret is the account's password for
    the outbound API: stored encrypted (Fernet, key derived from SECRET_KEY,
    ``wechat/secrets.py``) and never shown again. The current access token is kept here too,
    encrypted, so every web and worker process shares one (WeChat invalidates the old token a
    few minutes after a new one is fetched).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="wechat")
    app_id = models.CharField("AppID", max_length=32)
    token = models.CharField("Token", max_length=32)
    encoding_aes_key = models.CharField("EncodingAESKey", max_length=43)
    app_secret_encrypted = models.TextField(blank=True)
    access_token_encrypted = models.TextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.app_id


class WeChatDelivery(models.Model):
    """One message or event WeChat delivered to a callback, by WeChat's own identity of it.

    WeChat retries a callback that did not answer within five seconds up to three times. The
    first request to insert the row handles the message; the unique constraint makes every
    other copy — concurrent or later, in any web process — fail its insert and get ``success``.
    Rows are purged after ``DELIVERY_RETENTION`` (WeChat's retries end within a minute).
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    # "m:<MsgId>" for messages, "e:<FromUserName>:<CreateTime>" for events (WeChat's rule).
    key = models.CharField(max_length=200)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="wechat_delivery_once")
        ]

    def __str__(self) -> str:
        return self.key
