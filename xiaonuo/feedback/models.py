"""Reviews and the voice of the customer (docs/decisions/0017-reviews-and-voice-of-customer.md).

- ``Review``: one marketplace review (Taobao/Tmall, JD, Meituan, Dianping, or the API), with its
  enrichment (sentiment, aspects, complaint flag, keywords) and the reply workflow.
- ``Enrichment``: what the nlp app found in any other inbound text (a customer's message, a
  survey comment), keyed by (source kind, source id), so the desk's tables stay untouched.
- ``Mention``: one aspect mention of any source, flattened for the quadrant's GROUP BY.
- ``MentionCount``: the quadrant's monthly rollup of ``Mention``.
- ``ColumnMapping``: a workspace's saved mapping of an export's headers to review fields.
- ``FeedbackSettings``: the workspace's automatic-complaint rule and alert thresholds.
- ``AutoComplaint``: the complaint a rule opened for a text (one per text: jobs re-run safely).
- ``Alert``: a spike of negative reviews or complaints for a store or product.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import Workspace
from xiaonuo.customers.models import Customer


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("淘宝/天猫")
    JD = "jd", _("京东")
    MEITUAN = "meituan", _("美团")
    DIANPING = "dianping", _("大众点评")
    OTHER = "other", _("其他")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("正面")
    NEGATIVE = "negative", _("负面")
    NEUTRAL = "neutral", _("中性")


class ReplyStatus(models.TextChoices):
    NEW = "new", _("待回复")
    DRAFTED = "drafted", _("已起草")
    REPLIED = "replied", _("已回复")


class SourceKind(models.TextChoices):
    REVIEW = "review", _("评价")
    MESSAGE = "message", _("客户消息")
    SURVEY = "survey", _("问卷留言")


class Axis(models.TextChoices):
    PRODUCT = "product", _("产品")
    SERVICE = "service", _("服务")
    NONE = "", _("不计入")


class Review(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    # The platform's own id (订单号 or 评价 id); empty when the export has none.
    external_id = models.CharField(max_length=200, blank=True)
    # "<platform>:<external id>", or a hash of store+product+author+time+text: the same review
    # imported twice (or posted twice) is stored once.
    dedup_key = models.CharField(max_length=250)
    store = models.CharField(_("门店"), max_length=100, blank=True)
    product = models.CharField(_("商品"), max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)  # 1–5
    text = models.TextField(_("评价内容"))  # verbatim; escaped wherever shown
    author_name = models.CharField(_("买家昵称"), max_length=100, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)  # a phone or the platform's id
    reviewed_at = models.DateTimeField(_("评价时间"))
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Enrichment (filled by the background job; ``enriched_at`` None until then).
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    score = models.FloatField(null=True, blank=True)  # P(positive), 0–1
    aspects = models.JSONField(default=list, blank=True)  # [{"aspect", "polarity"}]
    is_complaint = models.BooleanField(default=False)
    keywords = models.JSONField(default=list, blank=True)
    enriched_at = models.DateTimeField(null=True, blank=True)
    # The reply workflow: new → drafted → replied.
    reply_status = models.CharField(
        max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.NEW
    )
    reply_text = models.TextField(blank=True)
    reply_tone_findings = models.JSONField(default=list, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    drafted_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "dedup_key"], name="review_dedup"),
        ]
        indexes = [
            models.Index(fields=["workspace", "-reviewed_at"], name="review_recent"),
            models.Index(fields=["workspace", "store", "reviewed_at"], name="review_store"),
            models.Index(fields=["workspace", "product", "reviewed_at"], name="review_product"),
        ]


class Enrichment(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source_id = models.BigIntegerField()
    customer_id = models.BigIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices)
    score = models.FloatField()
    aspects = models.JSONField(default=list, blank=True)
    is_complaint = models.BooleanField(default=False)
    complaint_score = models.FloatField(default=0)
    keywords = models.JSONField(default=list, blank=True)
    enriched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_kind", "source_id"], name="enrichment_source"),
        ]
        indexes = [models.Index(fields=["workspace", "occurred_at"], name="enrichment_time")]


class Mention(models.Model):
    """One aspect mention, flattened: the quadrant groups these by axis, month, store, product."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source_id = models.BigIntegerField()
    month = models.DateField()  # the first day of the month of the text (Asia/Shanghai)
    store = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=200, blank=True)
    aspect = models.CharField(max_length=20)
    axis = models.CharField(max_length=10, choices=Axis.choices, blank=True)
    polarity = models.CharField(max_length=10, choices=Sentiment.choices)
    keywords = models.JSONField(default=list, blank=True)  # the text's, for the axis drivers

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "axis", "month"], name="mention_axis_month"),
            models.Index(fields=["source_kind", "source_id"], name="mention_source"),
        ]


class MentionCount(models.Model):
    """The quadrant's rollup: mentions per month, store, product, axis and polarity. Rebuilt
    for the months an enrichment job touched (from ``Mention``), so that the page reads a few
    thousand rows however many reviews there are."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    month = models.DateField()
    store = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=200, blank=True)
    axis = models.CharField(max_length=10, choices=Axis.choices)
    polarity = models.CharField(max_length=10, choices=Sentiment.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "workspace",
                    "month",
                    "source_kind",
                    "store",
                    "product",
                    "axis",
                    "polarity",
                ],
                name="mention_count_unique",
            ),
        ]


class ColumnMapping(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=50)
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    columns = models.JSONField(default=dict)  # review field → header in the file
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="mapping_unique_name"),
        ]


class FeedbackSettings(models.Model):
    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    # The automatic complaint: a negative text naming one of ``auto_complaint_aspects`` with a
    # negative polarity, from a customer who had contacted us before (when ``repeat_only``).
    auto_complaint = models.BooleanField(_("自动立投诉"), default=False)
    auto_complaint_aspects = models.JSONField(default=list, blank=True)
    auto_complaint_repeat_only = models.BooleanField(_("仅限回头客"), default=True)
    # Alerts: this week's count must pass median + k·MAD of the previous weeks and a minimum.
    alert_min_count = models.PositiveSmallIntegerField(_("预警最少条数"), default=5)
    alert_mad_k = models.FloatField(_("预警灵敏度 k"), default=3.0)


class AutoComplaint(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source_id = models.BigIntegerField()
    complaint_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_kind", "source_id"], name="autocomplaint_once"),
        ]


class AlertKind(models.TextChoices):
    NEGATIVE_REVIEWS = "negative_reviews", _("差评突增")
    COMPLAINTS = "complaints", _("投诉突增")


class AlertScope(models.TextChoices):
    STORE = "store", _("门店")
    PRODUCT = "product", _("商品")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已确认")


class Alert(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    scope = models.CharField(max_length=10, choices=AlertScope.choices)
    scope_value = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveIntegerField()
    baseline_median = models.FloatField()
    baseline_mad = models.FloatField()
    threshold = models.FloatField()
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One alert per store/product and kind per day (the check runs hourly).
            models.UniqueConstraint(
                fields=["workspace", "kind", "scope", "scope_value", "window_end"],
                name="alert_once",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "status", "-created_at"], name="alert_list")]


class CorrectedLabel(models.TextChoices):
    # The sentiment model tells two classes apart; "neutral" is its uncertain middle, not a label.
    POSITIVE = "positive", _("正面")
    NEGATIVE = "negative", _("负面")


class SentimentCorrection(models.Model):
    """A staff member's verdict on a text's sentiment, one click in the console. It replaces the
    model's guess at once, and the workspace's next retraining learns from it. The text itself
    is read from its source at retraining time, so an erasure of the source erases it here."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source_id = models.BigIntegerField()
    label = models.CharField(max_length=10, choices=CorrectedLabel.choices)
    # What the model had said, so the console can show "模型原判" and undo can restore it.
    model_sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source_kind", "source_id"], name="correction_once"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "-corrected_at"], name="correction_recent")]


class SentimentModel(models.Model):
    """The workspace's own sentiment model: the default data plus its corrections. The skops
    bytes live here rather than in a file so that every web and worker machine reads the same
    model; each process unpacks a version once into its data directory (``corrections.py``)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    version = models.CharField(max_length=20)
    content = models.BinaryField()
    corrections = models.PositiveIntegerField()  # how many corrections it learnt from
    validation_accuracy = models.FloatField(null=True, blank=True)
    trained_at = models.DateTimeField()
