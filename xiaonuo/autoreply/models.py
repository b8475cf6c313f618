"""Auto-reply's tables: the knowledge base (FAQ entries, their phrasings and edit history, the
workspace's dictionary and synonyms), keyword rules, the workspace's settings, and what the bot
did with each customer message (the reply log, unanswered questions and their weekly groups,
agents' confirmations that train the matcher).

Every row belongs to one workspace. Customer text kept here (queries, feedback) hangs off the
desk message it came from, so erasing a customer's messages erases it too.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import ApiKey, Workspace
from xiaonuo.desk.models import Conversation, Message, Ticket

QUESTION_MAX_CHARS = 300
ANSWER_MAX_CHARS = 2000  # WeChat's passive text reply is limited to 2048 bytes of content
PATTERN_MAX_CHARS = 200
TAG_MAX_CHARS = 30
WORD_MAX_CHARS = 30


class AnswerKind(models.TextChoices):
    TEXT = "text", _("文本")  # answer_text only
    LINK = "link", _("链接")  # answer_text (may be empty) and answer_url
    IMAGE = "image", _("图片")  # answer_media_id (WeChat permanent material) and/or answer_url
    ARTICLE = "article", _("图文")  # title, description, url, picurl (one WeChat news item)


class AnswerFields(models.Model):
    """An answer as WeChat can send it; shared by FAQ entries, keyword rules and the welcome."""

    answer_kind = models.CharField(
        _("回复类型"), max_length=10, choices=AnswerKind.choices, default=AnswerKind.TEXT
    )
    answer_text = models.TextField(_("回复内容"), blank=True)
    answer_url = models.URLField(_("链接"), max_length=500, blank=True)
    answer_media_id = models.CharField(_("素材 ID"), max_length=200, blank=True)
    answer_title = models.CharField(_("图文标题"), max_length=100, blank=True)
    answer_description = models.CharField(_("图文摘要"), max_length=300, blank=True)
    answer_picurl = models.URLField(_("图文封面"), max_length=500, blank=True)

    class Meta:
        abstract = True


class AutoReplySettings(AnswerFields):
    """One row per workspace, created on first use. The answer fields hold the welcome reply
    sent on a WeChat follow (empty text: no welcome)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("启用自动回复"), default=True)
    # None: the matcher's DEFAULT_THRESHOLD, so an improved default reaches every workspace.
    threshold = models.FloatField(_("回答阈值"), null=True, blank=True)
    # Channel kinds the bot answers on (channels.ChannelKind values).
    channel_kinds = models.JSONField(default=list, blank=True)
    # Grinding: the same question this many times within the window goes to a person.
    repeat_count = models.PositiveSmallIntegerField(_("重复提问次数"), default=3)
    repeat_window_minutes = models.PositiveSmallIntegerField(
        _("重复提问时间窗（分钟）"), default=30
    )
    # A bot answer followed within this many minutes by a hand-off or a repeat was not helpful.
    helpful_window_minutes = models.PositiveSmallIntegerField(
        _("有用判定时间窗（分钟）"), default=30
    )
    # Bumped by every change to what the matcher is built from (entries, phrasings, dictionary,
    # synonyms, rules, feedback): each web process compares it per request and rebuilds on change.
    kb_revision = models.PositiveIntegerField(default=0)


class FaqEntry(AnswerFields):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    question = models.CharField(_("标准问题"), max_length=QUESTION_MAX_CHARS)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    valid_from = models.DateTimeField(_("生效时间"), null=True, blank=True)
    valid_until = models.DateTimeField(_("失效时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One standard question once per workspace: imports update by it.
            models.UniqueConstraint(fields=["workspace", "question"], name="faq_question_unique")
        ]

    def __str__(self) -> str:
        return self.question


class FaqPhrasing(models.Model):
    """Another way customers ask an entry's question."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="phrasings")
    text = models.CharField(max_length=QUESTION_MAX_CHARS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "text"], name="faq_phrasing_unique")
        ]


class RevisionAction(models.TextChoices):
    CREATED = "created", _("新建")
    UPDATED = "updated", _("修改")
    DISABLED = "disabled", _("停用")
    DELETED = "deleted", _("删除")
    IMPORTED = "imported", _("导入")  # created or changed by a file import


class FaqRevision(models.Model):
    """One change of one entry: who, when, which fields from what to what, and the whole entry
    after the change (``snapshot``; before it, for a deletion)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # Kept after the entry is deleted, so its history (and who deleted it) stays readable.
    entry = models.ForeignKey(FaqEntry, on_delete=models.SET_NULL, null=True, related_name="+")
    entry_question = models.CharField(max_length=QUESTION_MAX_CHARS)
    action = models.CharField(max_length=10, choices=RevisionAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The API key that made the change through the API (``actor`` is then empty).
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, related_name="+")
    changes = models.JSONField(default=dict)  # field → [old, new]
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "entry", "-id"], name="faqrev_entry_idx")]


class DictionaryWord(models.Model):
    """A word the workspace's segmentation must keep whole (product names, slang)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    word = models.CharField(max_length=WORD_MAX_CHARS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "word"], name="dictionary_word_unique")
        ]


class SynonymGroup(models.Model):
    """Words customers use for the same thing (退款 / 退钱 / 退费)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    words = models.JSONField(default=list)


class MatchType(models.TextChoices):
    EXACT = "exact", _("完全匹配")  # the whole message equals the pattern (case-insensitive)
    CONTAINS = "contains", _("包含")  # the message contains the pattern
    REGEX = "regex", _("正则表达式")  # the pattern (checked for safety when saved) finds a match


class KeywordRule(AnswerFields):
    """A keyword rule as WeChat's own console offers; rules run before the matcher, highest
    priority first. A menu click's key is matched against the exact rules."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("规则名称"), max_length=60)
    match_type = models.CharField(
        _("匹配方式"), max_length=10, choices=MatchType.choices, default=MatchType.CONTAINS
    )
    pattern = models.CharField(_("关键词"), max_length=PATTERN_MAX_CHARS)
    priority = models.IntegerField(_("优先级"), default=0)
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Outcome(models.TextChoices):
    ANSWERED_RULE = "answered_rule", _("关键词回复")
    ANSWERED_FAQ = "answered_faq", _("知识库回答")
    HANDED_OFF = "handed_off", _("转人工")
    WITH_PERSON = "with_person", _("人工处理中")  # the ticket is already a person's: bot silent


class HandOffReason(models.TextChoices):
    NONE = "", _("无")
    LOW_CONFIDENCE = "low_confidence", _("置信度不足")
    ASKED_FOR_PERSON = "asked_for_person", _("要求人工")
    REPEAT = "repeat", _("重复提问")
    FRUSTRATION = "frustration", _("不满机器人")


class ReplyLog(models.Model):
    """What the bot did with one customer message."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    query = models.TextField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(
        max_length=20, choices=HandOffReason.choices, blank=True, default=HandOffReason.NONE
    )
    entry = models.ForeignKey(
        FaqEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        KeywordRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confidence = models.FloatField(null=True, blank=True)
    # The matcher's top candidates: [{"faq_id", "question", "confidence", "why"}], best first;
    # the suggestions shown to the agent after a hand-off.
    candidates = models.JSONField(default=list, blank=True)
    reply = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Metrics over a date range.
            models.Index(fields=["workspace", "created_at"], name="replylog_time_idx"),
            # The respond hot path: this conversation's recent rows (repeats, hand-off state).
            models.Index(fields=["conversation", "-id"], name="replylog_conversation_idx"),
            # The agent's suggestion panel: the latest hand-off of a ticket.
            models.Index(fields=["ticket", "-id"], name="replylog_ticket_idx"),
        ]


class UnansweredStatus(models.TextChoices):
    SUGGESTED = "suggested", _("待处理")  # a weekly group waiting for someone to decide
    ACCEPTED = "accepted", _("已转为问答")  # turned into an FAQ entry
    DISMISSED = "dismissed", _("已忽略")


class UnansweredGroup(models.Model):
    """Last week's unanswered questions that look alike: a suggested new FAQ entry."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    suggested_question = models.CharField(max_length=QUESTION_MAX_CHARS)
    count = models.PositiveIntegerField()
    examples = models.JSONField(default=list)  # up to 10 distinct question texts
    status = models.CharField(
        max_length=10, choices=UnansweredStatus.choices, default=UnansweredStatus.SUGGESTED
    )
    entry = models.ForeignKey(
        FaqEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "status", "-count"], name="unanswered_idx")]


class UnansweredQuestion(models.Model):
    """A question handed off because no entry matched well enough."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    log = models.OneToOneField(ReplyLog, on_delete=models.CASCADE, related_name="unanswered")
    text = models.TextField()
    group = models.ForeignKey(
        UnansweredGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="questions"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["workspace", "created_at"], name="unanswered_time_idx")]


class MatchFeedback(models.Model):
    """An agent confirmed (or corrected) which entry answers a customer's question; the matcher
    learns from these at its next rebuild."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    query = models.TextField()
    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="+")
    # The customer message asked; None when confirmed in the test box.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
