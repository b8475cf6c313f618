from django.conf import settings
from django.contrib.auth.models import AbstractUser
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
