from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import Workspace


class LifecycleStage(models.TextChoices):
    NEW = "new", _("新用户")  # first seen recently, no repeat behaviour yet
    ACTIVE = "active", _("活跃")  # came back and keeps using the product
    LOYAL = "loyal", _("忠实")  # buys or uses regularly over a long time
    FAN = "fan", _("粉丝")  # loyal and engaged: reviews, community, praise
    AMBASSADOR = "ambassador", _("推荐官")  # brings other users (referrals)
    AT_RISK = "at_risk", _("流失风险")  # activity dropping against their own rhythm
    CHURNED = "churned", _("已流失")  # gone quiet past the workspace's churn window


class IdentityKind(models.TextChoices):
    PHONE = "phone", _("手机号")
    EMAIL = "email", _("邮箱")
    OPENID = "openid", _("微信 OpenID")
    UNIONID = "unionid", _("微信 UnionID")
    QQ = "qq", _("QQ")
    EXTERNAL_ID = "external_id", _("外部 ID")  # the company's own user id (``user_id`` in the API)
    ANONYMOUS_ID = "anonymous_id", _("匿名 ID")  # a device or browser before sign-in


# Identities staff may only see masked unless their role may reveal them.
PERSONAL_IDENTITY_KINDS = {
    IdentityKind.PHONE,
    IdentityKind.EMAIL,
    IdentityKind.OPENID,
    IdentityKind.UNIONID,
    IdentityKind.QQ,
}


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("营销消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信消息")
    ANALYTICS = "analytics", _("行为分析")


class Gender(models.TextChoices):
    UNKNOWN = "", _("未知")
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("标签"), max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """One person across every channel: the user 360."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    gender = models.CharField(
        _("性别"), max_length=10, choices=Gender.choices, blank=True, default=""
    )
    city = models.CharField(_("城市"), max_length=50, blank=True)
    lifecycle_stage = models.CharField(
        _("生命周期"), max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.NEW
    )
    is_seed = models.BooleanField(_("种子用户"), default=False)
    attributes = models.JSONField(_("自定义属性"), default=dict, blank=True)
    consent = models.JSONField(_("授权"), default=dict, blank=True)  # {purpose: true/false}
    tags = models.ManyToManyField(Tag, related_name="customers", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The customer list: newest first within a workspace, and filtered by stage.
            models.Index(fields=["workspace", "-id"], name="customer_ws_id"),
            models.Index(fields=["workspace", "lifecycle_stage", "-id"], name="customer_ws_stage"),
            # Name search is a prefix search (姓 first), served by this index at 1M customers.
            models.Index(fields=["workspace", "name"], name="customer_ws_name"),
            # The dashboard's "new customers today"; created_at only grows, so appends are cheap.
            models.Index(fields=["workspace", "created_at"], name="customer_ws_created"),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class Identity(models.Model):
    """A way to recognise a customer. Each (kind, value) belongs to one customer per workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    value = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "value"], name="identity_unique"),
        ]
        indexes = [
            # Search "by any identity": one probe on value, whatever its kind; also phone prefixes.
            models.Index(fields=["workspace", "value"], name="identity_ws_value"),
        ]


class AttributeType(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    BOOLEAN = "boolean", _("是/否")
    DATE = "date", _("日期")
    CHOICE = "choice", _("选项")


class AttributeDefinition(models.Model):
    """A declared custom attribute; values in ``Customer.attributes`` are validated against it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("键"), max_length=50)
    label = models.CharField(_("名称"), max_length=100)
    type = models.CharField(_("类型"), max_length=10, choices=AttributeType.choices)
    choices = models.JSONField(_("可选值"), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="attribute_unique")
        ]
        ordering = ["key"]


class MergeRecord(models.Model):
    """A merge that happened: the removed customer's id now answers with the survivor's."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    merged_id = models.BigIntegerField()
    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "merged_id"], name="merge_ws_merged")]


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("等待中")  # uploaded and mapped; the task has not claimed it yet
    RUNNING = "running", _("导入中")  # claimed by one task run (conditional UPDATE from pending)
    DONE = "done", _("已完成")  # every row was stored or listed in the error report
    FAILED = "failed", _("失败")  # the file itself was unusable, see ``failure_code``


class CustomerImport(models.Model):
    """One uploaded customer file (CSV or XLSX) and how its import went."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(_("文件名"), max_length=255)  # as uploaded, for people
    file_path = models.CharField(max_length=500)  # relative to settings.DATA_DIR
    sheet = models.CharField(max_length=100, blank=True)  # XLSX only; empty = the first sheet
    mapping = models.JSONField(default=dict, blank=True)  # {file column: target field}
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)  # matched, nothing new (re-imports)
    error_count = models.PositiveIntegerField(default=0)  # rows not stored
    error_report_path = models.CharField(max_length=500, blank=True)  # relative to DATA_DIR
    failure_code = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-id"], name="import_ws_id")]
