from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.permissions import Role


class User(AbstractUser):
    """A staff member. Customers are not users; they live in ``customers``."""

    display_name = models.CharField(_("显示名"), max_length=100, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class Workspace(models.Model):
    """A tenant: one company's data. Every other row in Xiaonuo belongs to exactly one."""

    slug = models.SlugField(_("标识"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique")
        ]


class Invite(models.Model):
    """A sign-up link for one role in one workspace. Only the token's hash is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("邮箱"), blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)


class ApiKey(models.Model):
    """A bearer key for the REST API of one workspace. The key itself is shown once, never stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12)  # the first characters, so people can tell keys apart
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditAction(models.TextChoices):
    REVEAL = "reveal", _("查看完整信息")  # a masked identifier was shown in full
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    ERASE = "erase", _("删除（隐私擦除）")
    MERGE = "merge", _("合并")
    API_KEY_CREATE = "api_key_create", _("创建 API 密钥")
    API_KEY_REVOKE = "api_key_revoke", _("吊销 API 密钥")
    STAFF_INVITE = "staff_invite", _("邀请成员")
    STAFF_ROLE = "staff_role", _("修改成员角色")
    WEBHOOK_CREATE = "webhook_create", _("创建 Webhook")
    WEBHOOK_DELETE = "webhook_delete", _("删除 Webhook")
    WEBHOOK_SECRET_REVEAL = "webhook_secret_reveal", _("查看 Webhook 签名密钥")


class AuditEntry(models.Model):
    """Who did what to personal data, and when. Never holds the personal data itself."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The audit page lists a workspace's newest entries first.
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_ws_created")]
        ordering = ["-created_at", "-id"]


class WebhookEndpoint(models.Model):
    """A URL of the workspace's own systems that receives the events it subscribed to.

    The signing secret is kept as is (not hashed): we need it to sign every delivery. It is shown
    once on creation and afterwards only to people who may manage API keys, each reveal audited.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("地址"), max_length=2000)
    events = models.JSONField(_("事件"), default=list)  # names from accounts.webhooks.EVENTS
    description = models.CharField(_("说明"), max_length=200, blank=True)
    secret = models.CharField(max_length=100)
    is_enabled = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # publish() runs on every message: it reads a workspace's enabled endpoints by this index.
        indexes = [models.Index(fields=["workspace", "is_enabled"], name="webhook_ws_enabled")]

    def __str__(self) -> str:
        return self.url


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("等待发送")  # waiting for its first attempt or a retry
    SUCCEEDED = "succeeded", _("成功")  # the receiver answered 2xx
    FAILED = "failed", _("失败")  # refused for good (a 4xx other than 429, a redirect, …): no retry
    GAVE_UP = "gave_up", _("已放弃")  # every retry failed; see accounts.webhooks.MAX_ATTEMPTS


class WebhookError(models.TextChoices):
    """Why an attempt got no HTTP answer (an answer's status code is recorded instead)."""

    TIMEOUT = "timeout", _("超时")  # no answer within the timeout
    CONNECT = "connect", _("无法连接")  # refused, unreachable, TLS handshake failed
    DNS = "dns", _("域名解析失败")
    NETWORK = "network", _("网络错误")  # the connection broke mid-request
    BLOCKED = "blocked", _("地址被拒绝")  # resolves to a private address now; never retried
    DISABLED = "disabled", _("端点已停用")  # the endpoint was disabled before the attempt


class WebhookDelivery(models.Model):
    """One event for one endpoint, with every attempt to send it.

    ``uuid`` goes out as the ``X-Xiaonuo-Delivery`` header and stays the same across retries, so
    a receiver can drop a delivery it has already processed.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    uuid = models.UUIDField(unique=True)
    event = models.CharField(_("事件"), max_length=64)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(default=0)  # attempts claimed so far
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # when pending
    # While an attempt is in flight nobody else may start one; if its worker dies, the claim
    # lapses at this time and the sweep tries again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_excerpt = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=10, choices=WebhookError.choices, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # succeeded, failed or gave up

    class Meta:
        indexes = [
            # An endpoint's page lists its newest deliveries, and pages back by id.
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint"),
            # The minute sweep looks for pending deliveries that are due; the rest are history.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
            # The daily purge deletes by age.
            models.Index(fields=["created_at"], name="webhook_delivery_created"),
        ]


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, kept for the console's delivery page."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempts_made"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=10, choices=WebhookError.choices, blank=True)
    error_detail = models.CharField(max_length=200, blank=True)  # the library's words, for devs

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique")
        ]
