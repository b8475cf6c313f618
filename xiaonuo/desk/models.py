"""The service desk: conversations and their messages, tickets, complaints, agents.

The model in one paragraph (docs/decisions/0006-desk-model.md has the reasons): a
**Conversation** is the thread between the workspace and one customer on one channel — what the
widget, the API client and WeChat see. A **Ticket** is one piece of work for the desk — what the
inbox lists, what is assigned, prioritised, tagged, solved and surveyed. Each message belongs to
its conversation (the thread) and to the ticket it was part of (the case); a new customer
message joins the conversation's current ticket, reopening it if solved, or opens a new ticket
if that one is closed. A ticket can also be opened directly, without a conversation (a phone
call): it then holds notes only until a conversation is attached.

Every state change goes through ``desk.services``; nothing here is saved from a view.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaonuo.accounts.models import ApiKey, Workspace
from xiaonuo.channels.models import Channel
from xiaonuo.customers.models import Customer

# Longest message text accepted from any channel or agent, in characters. WeChat text messages
# stop at 2,048 bytes; chat widgets at a few thousand characters. Longer input is refused with
# ``message_too_long`` rather than cut, so nothing is silently lost.
MAX_MESSAGE_CHARS = 5000
SUBJECT_MAX_CHARS = 200


class TicketStatus(models.TextChoices):
    OPEN = "open", _("待处理")  # the desk owes the customer an answer or an action
    PENDING = "pending", _("待客户回复")  # answered; waiting on the customer
    ON_HOLD = "on_hold", _("挂起")  # waiting on a third party (warehouse, courier, supplier)
    SOLVED = "solved", _("已解决")  # done; a customer message reopens it
    CLOSED = "closed", _("已关闭")  # final: read-only; a customer message opens a follow-up ticket


# The allowed transitions (docs/decisions/0006-desk-model.md). CLOSED is reached from SOLVED by
# the auto-close job or by hand, and from any other status only by a merge.
TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.ON_HOLD: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.SOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


class TicketPriority(models.IntegerChoices):
    # Integers so that "most urgent first" is an ordinary descending sort.
    LOW = 1, _("低")
    NORMAL = 2, _("普通")
    HIGH = 3, _("高")
    URGENT = 4, _("紧急")


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("客户消息")  # from the customer, through a channel
    OUTBOUND = "outbound", _("回复")  # to the customer, through the conversation's channel
    NOTE = "note", _("内部备注")  # staff only: never shown to the customer or sent anywhere


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("客户")  # the conversation's (or ticket's) customer
    STAFF = "staff", _("客服")  # ``Message.staff`` / ``TicketChange.actor``
    SYSTEM = "system", _("系统")  # Xiaonuo itself: auto-assignment, auto-close, auto-reply


class DeliveryStatus(models.TextChoices):
    NONE = "", _("无")  # inbound messages and notes are not delivered anywhere
    PENDING = "pending", _("待发送")  # committed; the channel's push job has not run yet
    SENDING = "sending", _("发送中")  # claimed by one push job (conditional UPDATE)
    DELIVERED = "delivered", _("已送达")  # stored for a fetching client, or accepted by the channel
    FAILED = "failed", _("发送失败")  # the channel refused; see ``delivery_error``


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("手动分配")  # supervisors assign; agents take unassigned tickets
    ROUND_ROBIN = "round_robin", _("轮流分配")  # the online agent assigned longest ago
    LOAD_BALANCED = "load_balanced", _("按负载分配")  # the online agent with most free capacity


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("在线")  # receives automatically assigned tickets
    AWAY = "away", _("离开")  # keeps their tickets, gets no new ones
    OFFLINE = "offline", _("离线")


class DeskSettings(models.Model):
    """A workspace's desk configuration. Its row is also the workspace's *assignment lock*:
    automatic assignment runs holding ``SELECT … FOR UPDATE`` on it, so two assignments can never
    both take an agent's last free slot."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    assignment_mode = models.CharField(
        _("分配方式"),
        max_length=20,
        choices=AssignmentMode.choices,
        default=AssignmentMode.LOAD_BALANCED,
    )
    # Open tickets an agent handles at once unless their own capacity says otherwise; chat
    # desks usually run 3–6 concurrent conversations per agent.
    default_capacity = models.PositiveSmallIntegerField(_("默认接待上限"), default=5)
    # Solved tickets close after this many days without a customer message (the auto-close job).
    close_solved_after_days = models.PositiveSmallIntegerField(_("自动关闭天数"), default=4)
    # The workspace's own tone-check word lists (``nlp.tone.ToneLexicon``): {"rude": [...],
    # "forbidden_promises": [...], "sensitive": [...], "allowed": [...]}.
    tone_words = models.JSONField(default=dict, blank=True)


class AgentPresence(models.Model):
    """An agent's availability and capacity in one workspace. No row means offline."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=PresenceStatus.choices, default=PresenceStatus.OFFLINE
    )
    # How many OPEN tickets automatic assignment may give this agent; None = the workspace's
    # default. 0 keeps the agent out of automatic assignment altogether.
    capacity = models.PositiveSmallIntegerField(_("接待上限"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Round robin picks the agent assigned longest ago (never assigned = first).
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="presence_unique")
        ]


class Team(models.Model):
    """A workspace's named group of agents (售前, 售后, 投诉专席 …). An agent may be in several
    teams; a ticket may belong to one. Surveys and the praise board report results by team."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=50)
    # Staff users; only members of the workspace who handle conversations are added (by the
    # service). No reverse accessor on User: other apps ask the desk's selectors instead.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("成员")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="team_unique")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketTag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("标签"), max_length=50)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="ticket_tag_unique")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """The thread with one customer on one channel (docstring of this module)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The ticket the next customer message joins: the open or solved ticket of this thread, or
    # the survivor after a merge. A closed one means "open a follow-up ticket".
    ticket = models.ForeignKey(
        "Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # "This customer's latest conversation on this channel", on every inbound message.
            models.Index(fields=["customer", "channel", "-id"], name="conv_customer_channel"),
        ]


class Ticket(models.Model):
    """One piece of work for the desk: the row the inbox lists (module docstring)."""

    # Both are served by the composite indexes below, which lead with them.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Where replies go. None for a ticket opened directly (notes only until one is attached).
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The conversation's channel, copied so the inbox's channel filter is one index range.
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("主题"), max_length=SUBJECT_MAX_CHARS, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        _("优先级"), choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    tags = models.ManyToManyField(TicketTag, related_name="tickets", blank=True)
    # The team the ticket belongs to (None: the whole desk). Indexed for "by team" reports.
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("团队"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Newest activity first is the inbox's order: any message, note or change moves it.
    last_activity_at = models.DateTimeField()
    # Since when the desk owes an answer: set by a customer message (or opening), cleared by a
    # reply or by leaving OPEN. "Oldest waiting first" for assignment; SLA timers start here.
    waiting_since = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A merged ticket is closed and points at the ticket that absorbed it.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A customer message to a closed ticket's thread opens a follow-up that points back.
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped by every change; lets a page tell that what it shows is stale.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            # The inbox (selectors.list_inbox): each filter is an equality prefix followed by
            # the newest-activity order, so a page is one index range read, not a sort.
            models.Index(fields=["workspace", "-last_activity_at", "-id"], name="ticket_inbox_all"),
            models.Index(
                fields=["workspace", "status", "-last_activity_at", "-id"],
                name="ticket_inbox_status",
            ),
            # "Mine" and "unassigned" (assignee IS NULL is an equality on the B-tree too).
            models.Index(
                fields=["workspace", "assignee", "status", "-last_activity_at", "-id"],
                name="ticket_inbox_assignee",
            ),
            models.Index(
                fields=["workspace", "channel", "status", "-last_activity_at", "-id"],
                name="ticket_inbox_channel",
            ),
            models.Index(
                fields=["workspace", "priority", "status", "-last_activity_at", "-id"],
                name="ticket_inbox_priority",
            ),
            # The waiting queue that automatic assignment takes from, oldest first; small.
            models.Index(
                fields=["workspace", "waiting_since", "id"],
                name="ticket_waiting_queue",
                condition=Q(status="open", assignee__isnull=True),
            ),
            # Agents' loads (open tickets per assignee) for capacity checks.
            models.Index(
                fields=["assignee", "workspace"],
                name="ticket_open_load",
                condition=Q(status="open"),
            ),
            # A customer's tickets on the profile page; the auto-close job's solved tickets.
            models.Index(fields=["customer", "-id"], name="ticket_customer"),
            models.Index(
                fields=["workspace", "solved_at"],
                name="ticket_solved_at",
                condition=Q(status="solved"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Message(models.Model):
    """A message of a conversation, or a note. The text is kept in one column, verbatim: HTML
    and scripts are text and are escaped wherever they are shown."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # None only for notes on a ticket opened directly, without a conversation. (No index of
    # its own on these two: the composite indexes below lead with them.)
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # The case the message was part of; moves to the survivor when tickets merge.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField()
    # The channel's id for an inbound message (idempotent redelivery); empty when none.
    external_id = models.CharField(max_length=200, blank=True)
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, blank=True, default=DeliveryStatus.NONE
    )
    delivery_error = models.CharField(max_length=200, blank=True)
    # The agent sent it although the tone check warned (nlp.tone), and what it found.
    sent_despite_tone_warning = models.BooleanField(default=False)
    tone_findings = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "external_id"],
                condition=~Q(external_id=""),
                name="message_external_unique",
            ),
        ]
        indexes = [
            # A conversation's thread (widget, API) and a ticket's page, in order.
            models.Index(fields=["conversation", "id"], name="message_conversation"),
            models.Index(fields=["ticket", "id"], name="message_ticket"),
        ]


class HistoryField(models.TextChoices):
    STATUS = "status", _("状态")
    PRIORITY = "priority", _("优先级")
    ASSIGNEE = "assignee", _("处理人")  # values are user ids ("" = unassigned)
    TAGS = "tags", _("标签")  # values are comma-separated sorted tag names
    SUBJECT = "subject", _("主题")
    MERGED = "merged", _("合并")  # new_value: the other ticket's id
    COMPLAINT = "complaint", _("投诉")  # new_value: "<complaint id>:<what happened>"
    CONVERSATION = "conversation", _("会话")  # a conversation was attached
    TEAM = "team", _("团队")  # values are team ids ("" = none)


class TicketChange(models.Model):
    """Who changed what on a ticket, and when: old → new. Written by the service that made the
    change, in its transaction; moves with the ticket's messages on a merge."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    actor_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    field = models.CharField(max_length=20, choices=HistoryField.choices)
    old_value = models.CharField(max_length=SUBJECT_MAX_CHARS + 50, blank=True)
    new_value = models.CharField(max_length=SUBJECT_MAX_CHARS + 50, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "id"], name="ticket_change_ticket")]


class CannedReply(models.Model):
    """A saved answer with variables, e.g. "{{客户姓名}}您好，订单 {{订单号}} 已发出"
    (``desk.services.canned`` lists the variables and renders them as plain text)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "title"], name="canned_reply_unique")
        ]
        ordering = ["title"]


class ComplaintSeverity(models.IntegerChoices):
    # Integers so that "most severe first" is a plain sort.
    MINOR = 1, _("一般")  # an annoyance; no loss to the customer
    MODERATE = 2, _("较重")  # a real loss or a repeated failure
    SEVERE = 3, _("严重")  # large loss, health or safety, or a threat to go public
    CRITICAL = 4, _("重大")  # media, regulator or many customers involved


class ComplaintCategory(models.TextChoices):
    PRODUCT_QUALITY = "product_quality", _("产品质量")
    SERVICE_ATTITUDE = "service_attitude", _("服务态度")
    LOGISTICS = "logistics", _("物流")
    PRICE = "price", _("价格")
    OTHER = "other", _("其他")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    ESCALATED = "escalated", _("已升级")  # handed to a supervisor (``escalated_to``)
    # A resolution is recorded; the recovery outcome follows. (The same 已解决 as a ticket's
    # status, but "Resolved" in English: the context keeps the two apart.)
    RESOLVED = "resolved", pgettext_lazy("complaint", "已解决")


class CompensationKind(models.TextChoices):
    NONE = "", _("无")
    REFUND = "refund", _("全额退款")
    PARTIAL_REFUND = "partial_refund", _("部分退款")
    REPLACEMENT = "replacement", _("换货/补发")
    COUPON = "coupon", _("优惠券")
    GIFT = "gift", _("赠品")
    POINTS = "points", _("积分")
    OTHER = "other", _("其他")


class CompensationStatus(models.TextChoices):
    NONE = "", _("无")
    PROPOSED = "proposed", _("待审批")  # offered by an agent; a supervisor must approve
    APPROVED = "approved", _("已批准")  # may be given to the customer
    REJECTED = "rejected", _("已驳回")


class Complaint(models.Model):
    """A complaint (投诉) as a first-class object, from intake to whether the customer was won
    back. Usually raised on a ticket; may stand alone (a complaint phoned in to the shop)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    severity = models.PositiveSmallIntegerField(_("严重程度"), choices=ComplaintSeverity.choices)
    category = models.CharField(_("类别"), max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField(_("描述"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Compensation offered: kind, amount in yuan (0 for non-monetary kinds), and its approval.
    compensation_kind = models.CharField(
        _("补偿方式"), max_length=20, choices=CompensationKind.choices, blank=True, default=""
    )
    compensation_amount = models.DecimalField(
        _("补偿金额"), max_digits=10, decimal_places=2, default=0
    )
    compensation_status = models.CharField(
        max_length=10, choices=CompensationStatus.choices, blank=True, default=""
    )
    compensation_offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    compensation_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Escalation to a supervisor.
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.TextField(_("升级原因"), blank=True)
    # Resolution.
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The recovery outcome afterwards: None = not known yet. Recovered = any of the three.
    satisfied_afterwards = models.BooleanField(_("事后满意"), null=True, blank=True)
    bought_again = models.BooleanField(_("再次购买"), null=True, blank=True)
    referred_someone = models.BooleanField(_("推荐他人"), null=True, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The complaints page: open ones by severity, then age.
            models.Index(
                fields=["workspace", "status", "-severity", "created_at"],
                name="complaint_ws_status",
            ),
        ]

    @property
    def recovered(self) -> bool | None:
        """Won back: satisfied afterwards, bought again or referred someone; None if unknown."""
        answers = (self.satisfied_afterwards, self.bought_again, self.referred_someone)
        if any(answers):
            return True
        if self.outcome_recorded_at is None:
            return None
        return False
