"""The ``postgres`` analytics engine's copy of the lake (docs/decisions/0013-analytics-engines.md).

DuckDB and Spark read the lake's Parquet files themselves; PostgreSQL cannot, so before a report
runs there the files listed in ``events.LakeFile`` that are not here yet are loaded (COPY), and the
rows of files that left the manifest or were rewritten (erasure gives a file a new path) are
deleted. Only the columns analytics read are kept. On SQLite installs the tables stay empty.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import Workspace


class LakeCopyFile(models.Model):
    """A lake file whose rows are in ``LakeCopyEvent``; ``path`` tells a rewritten file apart."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    lake_file_id = models.BigIntegerField(unique=True)  # events.LakeFile.id (no FK: see sync)
    path = models.CharField(max_length=500)
    rows = models.BigIntegerField()
    loaded_at = models.DateTimeField(auto_now_add=True)


class LakeCopyEvent(models.Model):
    """One track event of the lake, as the postgres engine reads it."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lake_file_id = models.BigIntegerField()
    customer_id = models.BigIntegerField(null=True)
    anonymous_id = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    properties = models.TextField(blank=True)  # JSON text, as in the Parquet files
    message_id = models.CharField(max_length=200)
    timestamp = models.DateTimeField()

    class Meta:
        indexes = [
            # Reports scan a workspace's rows; a file's rows are deleted when it is rewritten.
            models.Index(fields=["workspace", "lake_file_id"], name="lakecopy_ws_file"),
        ]


class Segment(models.Model):
    """A saved group of customers: a rule definition (``segments.Definition``), evaluated on
    demand, never a stored list, so it is always current. Campaigns and surveys refer to it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    definition = models.JSONField(_("规则"))  # validated by segments.parse_definition
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="segment_unique_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LifecycleRules(models.Model):
    """A workspace's thresholds for the nightly lifecycle stage job (lifecycle_stage.py, where
    the rules are written out). No row: the defaults below."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    new_days = models.PositiveSmallIntegerField(_("新用户天数"), default=14)
    active_days = models.PositiveSmallIntegerField(_("活跃天数"), default=30)
    churned_days = models.PositiveSmallIntegerField(_("流失天数"), default=90)
    loyal_window_days = models.PositiveSmallIntegerField(_("忠实统计窗口（天）"), default=90)
    purchase_event = models.CharField(_("购买事件"), max_length=200, blank=True, default="")
    loyal_min_purchases = models.PositiveSmallIntegerField(_("忠实：最少购买次数"), default=3)
    loyal_min_active_weeks = models.PositiveSmallIntegerField(_("忠实：最少活跃周数"), default=8)
    fan_min_nps = models.PositiveSmallIntegerField(_("粉丝：NPS 最低分"), default=9)
    fan_min_csat = models.PositiveSmallIntegerField(_("粉丝：CSAT 最低分"), default=5)
    referral_event = models.CharField(
        _("推荐事件"), max_length=200, blank=True, default="referral_signup"
    )
    seed_counts_as_ambassador = models.BooleanField(_("种子用户可成为推荐官"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
