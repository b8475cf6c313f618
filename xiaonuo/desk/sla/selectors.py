"""Reads of the SLA, always within one workspace: calendars, policies, the timers of tickets,
alerts and the report. The console (SLA pages, inbox, ticket page) and the SLA job share them."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaonuo.accounts.models import Membership, User, Workspace
from xiaonuo.channels.models import Channel
from xiaonuo.desk.models import HistoryField, Ticket, TicketChange, TicketPriority
from xiaonuo.desk.sla.exceptions import SlaError
from xiaonuo.desk.sla.models import (
    BusinessCalendar,
    SlaClock,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaTarget,
)
from xiaonuo.desk.sla.timers import PAUSABLE, Rules, SlaState, TicketFacts, compute_state
from xiaonuo.desk.sla.timers import match_policy as match_rules
from xiaonuo.lib.errors import NotFound, ServiceError
from xiaonuo.lib.workcalendar import WorkCalendar


def calendar_not_found() -> NotFound:
    return NotFound(SlaError.CALENDAR_NOT_FOUND, "Business calendar not found")


def policy_not_found() -> NotFound:
    return NotFound(SlaError.POLICY_NOT_FOUND, "SLA policy not found")


# --- Calendars ----------------------------------------------------------------------------------


def list_calendars(*, workspace: Workspace) -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.filter(workspace=workspace)


def get_calendar(*, workspace: Workspace, calendar_id: int) -> BusinessCalendar:
    row = BusinessCalendar.objects.filter(workspace=workspace, pk=calendar_id).first()
    if row is None:
        raise calendar_not_found()
    return row


# Compiled calendars by (row id, last change): ``WorkCalendar.from_json`` compiles three years
# on first use (about 8 ms), which a page of 50 tickets should not pay on every request. A
# changed calendar has a new ``updated_at`` and so a new key; the bound keeps memory flat.
_COMPILED: dict[tuple[int, datetime], WorkCalendar] = {}
_COMPILED_LOCK = Lock()
_COMPILED_MAX = 256


def load_calendar(row: BusinessCalendar) -> WorkCalendar:
    key = (row.pk, row.updated_at)
    found = _COMPILED.get(key)
    if found is not None:
        return found
    calendar = WorkCalendar.from_json(row.definition)
    with _COMPILED_LOCK:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = calendar
    return calendar


# --- Policies -----------------------------------------------------------------------------------


def list_policies(*, workspace: Workspace) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(workspace=workspace).select_related("calendar", "channel")


def get_policy(*, workspace: Workspace, policy_id: int) -> SlaPolicy:
    row = list_policies(workspace=workspace).filter(pk=policy_id).first()
    if row is None:
        raise policy_not_found()
    return row


def policy_rules(policy: SlaPolicy) -> Rules:
    """A policy row (with its calendar loaded) as the plain values the timers use."""

    def minutes(value: int | None) -> timedelta | None:
        return None if value is None else timedelta(minutes=value)

    pauses = {"pending": policy.pause_on_pending, "on_hold": policy.pause_on_hold}
    calendar = None
    if policy.clock == SlaClock.BUSINESS and policy.calendar is not None:
        calendar = load_calendar(policy.calendar)
    return Rules(
        policy_id=policy.pk,
        priority=policy.priority,
        channel_id=policy.channel_id,
        first_response=minutes(policy.first_response_minutes),
        resolution=minutes(policy.resolution_minutes),
        calendar=calendar,
        pause_statuses=frozenset(s for s in PAUSABLE if pauses[s]),
        warn_percent=policy.warn_percent,
        warn_before=minutes(policy.warn_minutes_before),
    )


def list_rules(*, workspace: Workspace) -> list[Rules]:
    return [policy_rules(p) for p in list_policies(workspace=workspace)]


def match_policy(
    *, workspace: Workspace, priority: int, channel_id: int | None
) -> SlaPolicy | None:
    """The policy that applies to a ticket of this priority and channel (``timers``)."""
    policies = {p.pk: p for p in list_policies(workspace=workspace)}
    rules = match_rules(
        [
            Rules(policy_id=p.pk, priority=p.priority, channel_id=p.channel_id)
            for p in policies.values()
        ],
        priority=priority,
        channel_id=channel_id,
    )
    return None if rules is None else policies[rules.policy_id]


# --- Timers -------------------------------------------------------------------------------------

TICKET_FIELDS = (
    "pk",
    "status",
    "priority",
    "channel_id",
    "conversation_id",
    "assignee_id",
    "created_at",
    "first_response_at",
    "solved_at",
    "merged_into_id",
)


def status_histories(ticket_ids: Iterable[int]) -> dict[int, list[tuple[datetime, str]]]:
    """Each ticket's status changes, in order (one read of the history's (ticket, id) index)."""
    out: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    rows = (
        TicketChange.objects.filter(ticket_id__in=list(ticket_ids), field=HistoryField.STATUS)
        .order_by("ticket_id", "id")
        .values_list("ticket_id", "created_at", "new_value")
    )
    for ticket_id, at, status in rows:
        out[ticket_id].append((at, status))
    return out


def ticket_facts(row: dict[str, Any], history: list[tuple[datetime, str]]) -> TicketFacts:
    return TicketFacts(
        created_at=row["created_at"],
        status=row["status"],
        has_conversation=row["conversation_id"] is not None,
        first_response_at=row["first_response_at"],
        solved_at=row["solved_at"],
        status_changes=history,
    )


def sla_states(
    *, workspace: Workspace, ticket_ids: Iterable[int], now: datetime | None = None
) -> dict[int, SlaState]:
    """The SLA of each ticket: per target the due time, the warning moment, the time left (on
    the policy's clock) and the state — ok, warning, breached, met or paused. Tickets of other
    workspaces, merged tickets and tickets no policy matches are left out.

    Three queries whatever the number of tickets: the tickets, the policies with their
    calendars, and the tickets' status histories (for pauses and the first solve)."""
    now = now or timezone.now()
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = list(
        Ticket.objects.filter(workspace=workspace, pk__in=ids, merged_into__isnull=True).values(
            *TICKET_FIELDS
        )
    )
    if not rows:
        return {}
    rules = list_rules(workspace=workspace)
    if not rules:
        return {}
    histories = status_histories(row["pk"] for row in rows)
    out = {}
    for row in rows:
        matched = match_rules(rules, priority=row["priority"], channel_id=row["channel_id"])
        if matched is not None:
            facts = ticket_facts(row, histories.get(row["pk"], []))
            out[row["pk"]] = compute_state(matched, facts, now=now)
    return out


# --- Alerts -------------------------------------------------------------------------------------


def list_alerts(
    *, workspace: Workspace, user: User, unread_only: bool = True
) -> QuerySet[SlaEvent]:
    """The warnings and breaches recorded for ``user``'s tickets, newest first."""
    events = SlaEvent.objects.filter(workspace=workspace, notify_user=user)
    if unread_only:
        events = events.filter(read_at__isnull=True)
    return events.select_related("ticket").order_by("-id")


# --- Report -------------------------------------------------------------------------------------

PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
DIMENSIONS = ("period", "channel", "priority", "agent")
MAX_REPORT_DAYS = 731


@dataclass
class ReportRow:
    key: Any  # the period's first day, channel id, priority or agent id (None: none)
    first_met: int = 0
    first_total: int = 0
    resolution_met: int = 0
    resolution_total: int = 0

    @property
    def first_rate(self) -> float | None:
        return self.first_met / self.first_total if self.first_total else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolution_met / self.resolution_total if self.resolution_total else None


@dataclass
class SlaReport:
    """Share of tickets that met their targets, among tickets created in [start, end] (local
    dates) whose outcome is recorded (met or breached); tickets still running are not counted."""

    start: date
    end: date
    period: str
    total: ReportRow
    by: dict[str, list[ReportRow]]


def get_report(
    *, workspace: Workspace, start: date, end: date, period: str = "day", tz: ZoneInfo | None = None
) -> SlaReport:
    """Four grouped reads of the outcome index: by period, channel, priority and
    agent (the assignee when the outcome was recorded)."""
    if period not in PERIODS:
        raise ServiceError(
            SlaError.REPORT_INVALID, f"Unknown period {period!r}", status=422, field="period"
        )
    if end < start or (end - start).days > MAX_REPORT_DAYS:
        raise ServiceError(
            SlaError.REPORT_INVALID,
            f"The dates run forward and span at most {MAX_REPORT_DAYS} days",
            status=422,
            field="end",
        )
    tz = tz or timezone.get_current_timezone()
    outcomes = SlaEvent.objects.filter(
        workspace=workspace,
        kind__in=[SlaEventKind.MET, SlaEventKind.BREACHED],
        ticket_created_at__gte=datetime.combine(start, time(), tzinfo=tz),
        ticket_created_at__lt=datetime.combine(end + timedelta(days=1), time(), tzinfo=tz),
    )
    columns: dict[str, Any] = {
        "period": PERIODS[period]("ticket_created_at", tzinfo=tz),
        "channel": F("channel_id"),
        "priority": F("priority"),
        "agent": F("agent_id"),
    }
    by: dict[str, list[ReportRow]] = {}
    for dimension, column in columns.items():
        grouped = outcomes.annotate(key=column).values("key", "target", "kind")
        by[dimension] = _rows(grouped.annotate(n=Count("id")).order_by())
        by[dimension].sort(key=lambda r: (r.key is None, r.key))
    total = ReportRow(key=None)
    for row in by["priority"]:
        total.first_met += row.first_met
        total.first_total += row.first_total
        total.resolution_met += row.resolution_met
        total.resolution_total += row.resolution_total
    for row in by["period"]:
        if isinstance(row.key, datetime):
            row.key = row.key.astimezone(tz).date()
    return SlaReport(start=start, end=end, period=period, total=total, by=by)


def _rows(counts: Iterable[Any]) -> list[ReportRow]:
    rows: dict[Any, ReportRow] = {}
    for item in counts:
        row = rows.setdefault(item["key"], ReportRow(key=item["key"]))
        met = item["n"] if item["kind"] == SlaEventKind.MET else 0
        if item["target"] == SlaTarget.FIRST_RESPONSE:
            row.first_met += met
            row.first_total += item["n"]
        else:
            row.resolution_met += met
            row.resolution_total += item["n"]
    return list(rows.values())


@dataclass
class LabelledRow:
    label: str
    first_met: int
    first_total: int
    resolution_met: int
    resolution_total: int
    first_rate: float | None
    resolution_rate: float | None


def label_report(*, workspace: Workspace, report: SlaReport) -> dict[str, list[LabelledRow]]:
    """The report's rows with names for people: the period's first day, the channel's name,
    the priority's label, the agent's display name (two small reads, this workspace only)."""
    channel_ids = [r.key for r in report.by["channel"] if r.key is not None]
    channels = dict(
        Channel.objects.filter(workspace=workspace, pk__in=channel_ids).values_list("pk", "name")
    )
    agent_ids = [r.key for r in report.by["agent"] if r.key is not None]
    agents = {
        m.user_id: str(m.user)
        for m in Membership.objects.filter(
            workspace=workspace, user_id__in=agent_ids
        ).select_related("user")
    }
    priorities = dict(TicketPriority.choices)
    none = {"period": "—", "channel": str(_("无渠道")), "priority": "—", "agent": str(_("未分配"))}
    names: dict[str, Any] = {
        "period": lambda key: key.isoformat(),
        "channel": lambda key: channels.get(key, str(_("已删除的渠道"))),
        "priority": lambda key: str(priorities.get(key, key)),
        "agent": lambda key: agents.get(key, str(_("已离开的成员"))),
    }
    return {
        dimension: [
            LabelledRow(
                label=none[dimension] if row.key is None else names[dimension](row.key),
                first_met=row.first_met,
                first_total=row.first_total,
                resolution_met=row.resolution_met,
                resolution_total=row.resolution_total,
                first_rate=row.first_rate,
                resolution_rate=row.resolution_rate,
            )
            for row in rows
        ]
        for dimension, rows in report.by.items()
    }
