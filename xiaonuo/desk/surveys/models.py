"""Surveys after service (CSAT, NPS, multi-question) and the praise board.

- ``SurveySettings``: one row per workspace — when and how often customers are asked. Its row is
  also the workspace's *survey lock*: the invitation jobs run holding it, so two runs (CSAT and
  NPS, or a job delivered twice) cannot both take a customer's last slot under the fatigue cap.
- ``Survey`` and ``Question``: a multi-question survey the workspace defines. CSAT and NPS are
  built in (fixed, neutral wording) and need no definition.
- ``Invitation``: one decision to ask one customer — sent, ready to send, or skipped with the
  reason. At most one per ticket (unique), so the CSAT job may run any number of times.
- ``Response``: the answers to one invitation (at most one: single use).
- ``Praise``: a customer's praise of the desk, from a survey comment or a message, with the agent
  and team it is credited to.

docs/decisions/0012-surveys.md has the reasons.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels.models import Channel
from xiaonuo.customers.models import Customer
from xiaonuo.desk.models import Message, Team, Ticket

# How long a survey link is valid unless the workspace says otherwise, and the longest it may
# say. A week covers a weekend or a Golden Week holiday; after that the memory of the service is
# stale and the link has been lying in a chat history long enough to be forwarded.
DEFAULT_LINK_VALID_DAYS = 7
MAX_LINK_VALID_DAYS = 30
# The fatigue cap's window, fixed by the product ("per customer per 30 days").
FATIGUE_WINDOW_DAYS = 30
MAX_COMMENT_CHARS = 1000


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("满意度（CSAT）")  # 1–5 after a solved ticket
    NPS = "nps", _("净推荐值（NPS）")  # 0–10 on a schedule
    CUSTOM = "custom", _("自定义问卷")  # a workspace's own multi-question survey


class InvitationStatus(models.TextChoices):
    SKIPPED = "skipped", _("未发送")  # decided not to ask; ``skip_reason`` says why
    READY = "ready", _("待发送")  # link made; no channel could carry it (``delivery_note``)
    SENT = "sent", _("已发送")  # the link went out as a message on the ticket's conversation
    ANSWERED = "answered", _("已回答")  # the one response is stored; the link is used up


class SkipReason(models.TextChoices):
    NONE = "", _("无")
    SAMPLED_OUT = "sampled_out", _("未被抽样")  # outside the sampling rate (same on every run)
    FATIGUE = "fatigue", _("超过打扰上限")  # the customer had enough invitations in 30 days
    NO_CONSENT = "no_consent", _("未获授权")  # the customer's consent does not allow it
    DISABLED = "disabled", _("已停用")  # this kind of survey was switched off


class QuestionKind(models.TextChoices):
    RATING = "rating", _("评分（1–5）")
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    TEXT = "text", _("文字")


class SurveySettings(models.Model):
    """A workspace's survey rules (module docstring; the row is also the survey lock)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    csat_enabled = models.BooleanField(_("启用满意度调查"), default=True)
    # Wait before asking: the customer sees the fix work first, and a ticket reopened in the
    # meantime is not surveyed. An hour is what most desks use for chat.
    csat_delay_minutes = models.PositiveIntegerField(_("解决后延迟（分钟）"), default=60)
    csat_sample_percent = models.PositiveSmallIntegerField(_("抽样比例（%）"), default=100)
    # Invitations of every kind one customer gets in 30 days at most (0: no surveys at all).
    fatigue_cap = models.PositiveSmallIntegerField(_("每人 30 天内最多邀请次数"), default=2)
    link_valid_days = models.PositiveSmallIntegerField(
        _("链接有效天数"), default=DEFAULT_LINK_VALID_DAYS
    )
    nps_enabled = models.BooleanField(_("启用 NPS 调查"), default=False)
    # Ask each customer at most once per this many days, if they contacted the desk recently.
    nps_interval_days = models.PositiveSmallIntegerField(_("NPS 间隔天数"), default=90)
    nps_active_days = models.PositiveSmallIntegerField(_("近期活跃天数"), default=30)
    nps_sample_percent = models.PositiveSmallIntegerField(_("NPS 抽样比例（%）"), default=100)
    # The CSAT job has looked at every ticket solved up to here (its watermark).
    csat_checked_until = models.DateTimeField(null=True, blank=True)
    # When CSAT was last switched on: tickets solved before are never asked (no backlog from
    # the time it was off).
    csat_since = models.DateTimeField(null=True, blank=True)
    nps_last_run_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Survey(models.Model):
    """A workspace's own multi-question survey."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    intro = models.TextField(_("开场白"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="survey_name_unique")
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()  # 1, 2, … in the order asked
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    required = models.BooleanField(_("必答"), default=False)
    options = models.JSONField(default=list, blank=True)  # choice questions: the option texts

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique")
        ]
        ordering = ["position"]


class Invitation(models.Model):
    """One decision to ask one customer (module docstring). The agent, team and channel are
    copied from the ticket when the invitation is made, so results credit the people who
    handled the case even if the ticket is reassigned later."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The ticket surveyed (CSAT, or a custom survey sent on a ticket); None for NPS.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # NPS: the schedule's period the invitation belongs to ("<interval>:<index>"), so a run
    # repeated in the same period finds the decision already made. Empty for other kinds.
    period_key = models.CharField(max_length=60, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=InvitationStatus.choices)
    skip_reason = models.CharField(
        max_length=20, choices=SkipReason.choices, blank=True, default=SkipReason.NONE
    )
    delivery_note = models.CharField(max_length=200, blank=True)
    # The desk message that carried the link, when one did.
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)  # None for skipped ones
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One CSAT decision per ticket, whatever the job does (runs twice, overlaps).
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(kind="csat"), name="invitation_one_csat_per_ticket"
            ),
            models.UniqueConstraint(
                fields=["survey", "ticket"],
                condition=Q(kind="custom", ticket__isnull=False),
                name="invitation_one_survey_per_ticket",
            ),
            # One NPS decision per customer per scheduled period.
            models.UniqueConstraint(
                fields=["workspace", "customer", "period_key"],
                condition=Q(kind="nps"),
                name="invitation_one_nps_per_period",
            ),
        ]
        indexes = [
            # The fatigue cap: this customer's invitations in the last 30 days.
            models.Index(
                fields=["customer", "created_at"],
                name="invitation_fatigue",
                condition=~Q(status="skipped"),
            ),
            # Results and the invitations page: a workspace's invitations of a kind by date.
            models.Index(fields=["workspace", "kind", "created_at"], name="invitation_results"),
        ]


class Response(models.Model):
    """The answers to one invitation. ``score`` is the CSAT (1–5) or NPS (0–10) rating; a
    custom survey's answers are in ``answers`` ({question id: value})."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    # Verbatim: HTML is text, escaped wherever it is shown.
    comment = models.TextField(blank=True)
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()


class PraiseSource(models.TextChoices):
    SURVEY = "survey", _("问卷留言")
    MESSAGE = "message", _("客户消息")


class Praise(models.Model):
    """A customer's praise (``nlp.praise``) credited to the agent and team who handled the
    ticket. One per survey response and one per message (unique), so rescans add nothing."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.CharField(max_length=10, choices=PraiseSource.choices)
    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()  # the praise as the customer wrote it (escaped when shown)
    phrases = models.JSONField(default=list, blank=True)  # what the detector matched
    created_at = models.DateTimeField()  # when the customer said it

    class Meta:
        indexes = [
            # The board: newest first, and per agent / team.
            models.Index(fields=["workspace", "-created_at", "-id"], name="praise_board"),
            models.Index(fields=["workspace", "agent", "-created_at"], name="praise_agent"),
            models.Index(fields=["workspace", "team", "-created_at"], name="praise_team"),
        ]


class PraiseScan(models.Model):
    """How far the praise job has read customer messages (by message id, across workspaces:
    one index range on the primary key per run). A single row."""

    last_message_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
