"""Service levels of the desk: business calendars, SLA policies, and the events the SLA job
records (docs/decisions/0011-sla.md).

Timers are not stored: a ticket's due times are computed from the ticket, its status history,
the policy that matches it and the policy's calendar (``timers.py``), so a changed policy or
calendar is in force at once. What *is* stored is what happened, once per ticket and target: a
warning, a breach, or the target met (``SlaEvent``), which is also the assignee's alert.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels.models import Channel
from xiaonuo.desk.models import Ticket, TicketPriority

NAME_MAX_CHARS = 100


class BusinessCalendar(models.Model):
    """A workspace's business hours: ``definition`` is a ``lib.workcalendar.WorkCalendar`` as
    JSON (weekly periods, past-midnight shifts, holidays and 调休 make-up working days). A
    workspace may keep several (the day desk and the night desk); each policy names its own."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=NAME_MAX_CHARS)
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="sla_calendar_name_unique")
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SlaClock(models.TextChoices):
    BUSINESS = "business", _("工作时间")  # only the policy's calendar's open hours count
    CALENDAR = "calendar", _("自然时间")  # every minute counts, nights and holidays too


class SlaPolicy(models.Model):
    """Targets for one scope of tickets. The scope is a priority, a channel, both or neither
    (the workspace's default); the most specific policy that matches a ticket applies, in the
    order priority + channel → priority → channel → default (``timers.match_policy``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=NAME_MAX_CHARS)
    # None = any priority / any channel.
    priority = models.PositiveSmallIntegerField(
        _("优先级"), choices=TicketPriority.choices, null=True, blank=True
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,  # a policy for a deleted channel has nothing left to time
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("渠道"),
    )
    # Minutes of the policy's clock; None = no such target.
    first_response_minutes = models.PositiveIntegerField(_("首次响应目标"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("解决目标"), null=True, blank=True)
    clock = models.CharField(
        _("计时方式"), max_length=10, choices=SlaClock.choices, default=SlaClock.BUSINESS
    )
    # Required for the business clock (checked by the service).
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,  # deleting a calendar in use is refused with calendar_in_use
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("工作时间表"),
    )
    # Whether the resolution clock stops while the ticket waits on the customer (pending) or a
    # third party (on hold). The first-response clock never pauses.
    pause_on_pending = models.BooleanField(_("待客户回复时暂停"), default=True)
    pause_on_hold = models.BooleanField(_("挂起时暂停"), default=True)
    # Warn when this share of a target has elapsed, or this many minutes before it is due;
    # with both, whichever comes first. Neither = no warning.
    warn_percent = models.PositiveSmallIntegerField(_("预警比例"), null=True, blank=True)
    warn_minutes_before = models.PositiveIntegerField(_("提前预警分钟"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # One policy per scope: NULL is "any", so each combination gets its own partial
        # constraint (a plain unique constraint treats NULLs as distinct on both databases).
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(priority__isnull=True, channel__isnull=True),
                name="sla_policy_default_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "priority"],
                condition=Q(priority__isnull=False, channel__isnull=True),
                name="sla_policy_priority_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "channel"],
                condition=Q(priority__isnull=True, channel__isnull=False),
                name="sla_policy_channel_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "priority", "channel"],
                condition=Q(priority__isnull=False, channel__isnull=False),
                name="sla_policy_both_unique",
            ),
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("首次响应")
    RESOLUTION = "resolution", _("解决")


class SlaEventKind(models.TextChoices):
    WARNING = "warning", _("即将超时")  # the warning moment passed before the target was met
    BREACHED = "breached", _("已超时")  # the due time passed before the target was met
    MET = "met", _("已达标")  # answered / solved by the due time


class SlaEvent(models.Model):
    """Something that happened to one target of one ticket, recorded once by the SLA job
    (``services.record_sla_events``). A warning or a breach is also the assignee's alert
    (``notify_user``, read when ``read_at`` is set). Met and breached exclude each other: the
    first outcome of a target is final, whatever the ticket does later.

    The ticket's channel, priority, assignee and creation time are copied when the event is
    recorded, so the SLA report is one grouped scan of this table, without the ticket table."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    kind = models.CharField(max_length=10, choices=SlaEventKind.choices)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The target as the policy had it when recorded (policies change; history should not).
    target_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    # Warning: the warning moment; breached: the due time; met: when answered / solved.
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    # Copies of the ticket for the report.
    ticket_created_at = models.DateTimeField()
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(choices=TicketPriority.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The alert: whom to tell (the assignee of a warned or breached ticket; nobody for "met" or
    # an unassigned ticket) and when they read it.
    notify_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Exactly once per ticket, target and kind, however often the job runs (the job
            # inserts with ON CONFLICT DO NOTHING). Its index also serves "events of these
            # tickets" for the console.
            models.UniqueConstraint(
                fields=["ticket", "target", "kind"], name="sla_event_once_per_kind"
            ),
            # One outcome per target: met or breached, never both.
            models.UniqueConstraint(
                fields=["ticket", "target"],
                condition=Q(kind__in=["met", "breached"]),
                name="sla_event_one_outcome",
            ),
        ]
        indexes = [
            # The report: a workspace's outcomes by the tickets' creation time.
            models.Index(
                fields=["workspace", "ticket_created_at"],
                name="sla_event_report",
                condition=Q(kind__in=["met", "breached"]),
            ),
            # An agent's unread alerts, newest first (small: read alerts leave it).
            models.Index(
                fields=["notify_user", "workspace", "-id"],
                name="sla_event_unread",
                condition=Q(read_at__isnull=True, notify_user__isnull=False),
            ),
        ]


class SlaSweep(models.Model):
    """Where the SLA job got to in a workspace's ticket history. Tickets that leave the active
    statuses (solved, closed) are found through their status changes after ``scan_after_id``
    (an id range on the primary key); the range is read twice, one run apart, so a change whose
    transaction commits after a higher id was read is still seen."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    scan_after_id = models.BigIntegerField(default=0)
    seen_through_id = models.BigIntegerField(default=0)
    swept_at = models.DateTimeField(null=True, blank=True)
