"""SLA use cases: business calendars, policies, the job that records warnings, breaches and met
targets, and reading alerts. Imported by module name::

    from xiaonuo.desk.sla import services as sla_services
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from xiaonuo.accounts.models import User, Workspace
from xiaonuo.channels.models import Channel
from xiaonuo.desk.models import HistoryField, Ticket, TicketChange, TicketPriority, TicketStatus
from xiaonuo.desk.sla import selectors as sla_selectors
from xiaonuo.desk.sla.exceptions import SlaError
from xiaonuo.desk.sla.models import (
    NAME_MAX_CHARS,
    BusinessCalendar,
    SlaClock,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaSweep,
)
from xiaonuo.desk.sla.timers import Rules, TargetState, compute_state, match_policy
from xiaonuo.lib import workcalendar_cn
from xiaonuo.lib.errors import ServiceError
from xiaonuo.lib.workcalendar import WorkCalendar, parse_schedule

# --- Calendars ----------------------------------------------------------------------------------

OFFICE_WEEK = ["09:00-12:00", "13:30-18:00"]
# What a new calendar starts from. "office" is Monday to Friday with a lunch break plus every
# official schedule Xiaonuo ships (2025), make-up days keeping Monday's hours.
PRESETS = ("office", "always_open", "empty")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX_CHARS:
        raise ServiceError(
            SlaError.NAME_INVALID,
            f"A name has 1 to {NAME_MAX_CHARS} characters",
            status=422,
            field="name",
        )
    return name


def _preset(preset: str) -> WorkCalendar:
    if preset == "office":
        return workcalendar_cn.default_calendar()
    if preset == "always_open":
        return WorkCalendar.always_open()
    if preset == "empty":
        return WorkCalendar.weekly({})
    raise ServiceError(
        SlaError.CALENDAR_PRESET_UNKNOWN, f"Unknown preset {preset!r}", status=422, field="preset"
    )


def create_calendar(*, workspace: Workspace, name: str, preset: str = "office") -> BusinessCalendar:
    name = _clean_name(name)
    definition = _preset(preset).to_json()
    try:
        with transaction.atomic():
            return BusinessCalendar.objects.create(
                workspace=workspace, name=name, definition=definition
            )
    except IntegrityError:
        raise _name_taken() from None


def _name_taken() -> ServiceError:
    return ServiceError(
        SlaError.CALENDAR_NAME_TAKEN, "Another calendar has this name", status=409, field="name"
    )


def _change_calendar(
    *, workspace: Workspace, calendar_id: int, change: Any, name: str | None = None
) -> BusinessCalendar:
    """Apply ``change(WorkCalendar) -> WorkCalendar`` to a calendar under its row lock; the
    library validates the result (CalendarError, 400 with its own code) before anything is saved."""
    with transaction.atomic():
        row = (
            BusinessCalendar.objects.select_for_update()
            .filter(workspace=workspace, pk=calendar_id)
            .first()
        )
        if row is None:
            raise sla_selectors.calendar_not_found()
        calendar = change(WorkCalendar.from_json(row.definition))
        row.definition = calendar.to_json()
        if name is not None:
            row.name = _clean_name(name)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise _name_taken() from None
    return row


def update_calendar_hours(
    *,
    workspace: Workspace,
    calendar_id: int,
    name: str,
    week: dict[str, list[str]],
    timezone_name: str,
    makeup_hours_of: str,
) -> BusinessCalendar:
    """The weekly hours: periods per weekday (``"22:00-02:00"`` runs past midnight), the time
    zone, and whose hours a make-up working day keeps. Special days are kept."""

    def change(old: WorkCalendar) -> WorkCalendar:
        return WorkCalendar.weekly(
            week, timezone=timezone_name, days=old.days, makeup_hours_of=makeup_hours_of
        )

    return _change_calendar(workspace=workspace, calendar_id=calendar_id, change=change, name=name)


def import_schedule(
    *, workspace: Workspace, calendar_id: int, text: str, replace_years: bool = True
) -> BusinessCalendar:
    """Holidays and make-up working days from schedule text (``workcalendar.parse_schedule``:
    one ``date[~date],kind[,name[,hours_of]]`` per line; errors name the line and field). With
    ``replace_years`` the special days of every year the text covers are cleared first, so a
    corrected notice replaces the old one instead of mixing with it."""
    days = parse_schedule(text)

    def change(old: WorkCalendar) -> WorkCalendar:
        if replace_years:
            for year in sorted({d.day.year for d in days}):
                old = old.without_days(year=year)
        return old.with_days(days)

    return _change_calendar(workspace=workspace, calendar_id=calendar_id, change=change)


def import_official_schedule(
    *, workspace: Workspace, calendar_id: int, year: int
) -> BusinessCalendar:
    """The State Council's schedule for ``year`` as shipped in ``lib.workcalendar_cn``."""
    text = workcalendar_cn.OFFICIAL_SCHEDULES.get(year)
    if text is None:
        workcalendar_cn.official_days(year)  # raises calendar_no_official_schedule
    return import_schedule(workspace=workspace, calendar_id=calendar_id, text=str(text))


def remove_special_day(*, workspace: Workspace, calendar_id: int, day: date) -> BusinessCalendar:
    def change(old: WorkCalendar) -> WorkCalendar:
        return replace(old, days=tuple(s for s in old.days if s.day != day))

    return _change_calendar(workspace=workspace, calendar_id=calendar_id, change=change)


def delete_calendar(*, workspace: Workspace, calendar_id: int) -> None:
    with transaction.atomic():
        row = sla_selectors.get_calendar(workspace=workspace, calendar_id=calendar_id)
        if SlaPolicy.objects.filter(workspace=workspace, calendar=row).exists():
            raise ServiceError(
                SlaError.CALENDAR_IN_USE, "A policy counts this calendar's hours", status=409
            )
        row.delete()


# --- Policies -----------------------------------------------------------------------------------

MAX_TARGET_MINUTES = 365 * 24 * 60


@dataclass(frozen=True)
class PolicyInput:
    name: str
    priority: int | None = None
    channel_id: int | None = None
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    clock: str = SlaClock.BUSINESS
    calendar_id: int | None = None
    pause_on_pending: bool = True
    pause_on_hold: bool = True
    warn_percent: int | None = None
    warn_minutes_before: int | None = None


def _check_policy(*, workspace: Workspace, data: PolicyInput) -> dict[str, Any]:
    """The row's values, after checking every field; nothing is written on a refusal."""
    if data.priority is not None and data.priority not in TicketPriority.values:
        raise ServiceError(
            SlaError.PRIORITY_INVALID, "Unknown priority", status=422, field="priority"
        )
    if (
        data.channel_id is not None
        and not Channel.objects.filter(workspace=workspace, pk=data.channel_id).exists()
    ):
        raise ServiceError(SlaError.CHANNEL_INVALID, "Unknown channel", status=422, field="channel")
    if data.first_response_minutes is None and data.resolution_minutes is None:
        raise ServiceError(
            SlaError.POLICY_NO_TARGET,
            "Give a first-response target, a resolution target or both",
            status=422,
            field="first_response_minutes",
        )
    for field in ("first_response_minutes", "resolution_minutes"):
        value = getattr(data, field)
        if value is not None and not 1 <= value <= MAX_TARGET_MINUTES:
            raise ServiceError(
                SlaError.POLICY_TARGET_INVALID,
                f"A target is 1 minute to {MAX_TARGET_MINUTES} minutes",
                status=422,
                field=field,
            )
    if data.clock not in SlaClock.values:
        raise ServiceError(
            SlaError.POLICY_TARGET_INVALID, "Unknown clock", status=422, field="clock"
        )
    calendar = None
    if data.clock == SlaClock.BUSINESS:
        if data.calendar_id is None:
            raise ServiceError(
                SlaError.POLICY_CALENDAR_REQUIRED,
                "Business hours need a calendar",
                status=422,
                field="calendar",
            )
        calendar = sla_selectors.get_calendar(workspace=workspace, calendar_id=data.calendar_id)
    if data.warn_percent is not None and not 1 <= data.warn_percent <= 99:
        raise ServiceError(
            SlaError.POLICY_WARNING_INVALID,
            "Warn at 1 to 99 percent of the target",
            status=422,
            field="warn_percent",
        )
    if (
        data.warn_minutes_before is not None
        and not 1 <= data.warn_minutes_before <= MAX_TARGET_MINUTES
    ):
        raise ServiceError(
            SlaError.POLICY_WARNING_INVALID,
            "Warn 1 minute or more before the due time",
            status=422,
            field="warn_minutes_before",
        )
    return {
        "name": _clean_name(data.name),
        "priority": data.priority,
        "channel_id": data.channel_id,
        "first_response_minutes": data.first_response_minutes,
        "resolution_minutes": data.resolution_minutes,
        "clock": data.clock,
        "calendar": calendar,
        "pause_on_pending": data.pause_on_pending,
        "pause_on_hold": data.pause_on_hold,
        "warn_percent": data.warn_percent,
        "warn_minutes_before": data.warn_minutes_before,
    }


def _scope_taken() -> ServiceError:
    return ServiceError(
        SlaError.POLICY_SCOPE_TAKEN,
        "Another policy already covers this priority and channel",
        status=409,
        field="priority",
    )


def create_policy(*, workspace: Workspace, data: PolicyInput) -> SlaPolicy:
    values = _check_policy(workspace=workspace, data=data)
    try:
        with transaction.atomic():
            policy = SlaPolicy.objects.create(workspace=workspace, **values)
            _start_sweep(workspace)
    except IntegrityError:  # the scope constraints, also when two people save at once
        raise _scope_taken() from None
    return policy


def update_policy(*, workspace: Workspace, policy_id: int, data: PolicyInput) -> SlaPolicy:
    """Changed targets apply at once to every ticket without an outcome yet: timers are computed
    from the policy, not stored. Outcomes already recorded stay as they were."""
    values = _check_policy(workspace=workspace, data=data)
    try:
        with transaction.atomic():
            policy = (
                SlaPolicy.objects.select_for_update()
                .filter(workspace=workspace, pk=policy_id)
                .first()
            )
            if policy is None:
                raise sla_selectors.policy_not_found()
            for key, value in values.items():
                setattr(policy, key, value)
            policy.save()
    except IntegrityError:
        raise _scope_taken() from None
    return policy


def delete_policy(*, workspace: Workspace, policy_id: int) -> None:
    deleted, _ = SlaPolicy.objects.filter(workspace=workspace, pk=policy_id).delete()
    if not deleted:
        raise sla_selectors.policy_not_found()


# --- The SLA job --------------------------------------------------------------------------------

ACTIVE = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)
# Tickets per round trip: keeps each IN list well under SQLite's variable limit and the rows
# in memory small.
BATCH = 500


def _start_sweep(workspace: Workspace) -> SlaSweep:
    """The job's cursor starts at the workspace's newest status change: outcomes are recorded
    from the time a workspace has an SLA, not for tickets solved before it had one."""
    newest = TicketChange.objects.filter(workspace=workspace).aggregate(m=Max("id"))["m"] or 0
    sweep, _ = SlaSweep.objects.get_or_create(
        workspace=workspace, defaults={"scan_after_id": newest, "seen_through_id": newest}
    )
    return sweep


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    met: int = 0

    @property
    def total(self) -> int:
        return self.warnings + self.breaches + self.met


def record_sla_events(*, workspace: Workspace, now: datetime | None = None) -> SweepResult:
    """Record each warning, breach and met target of the workspace's tickets exactly once, and
    alert the assignee of a warned or breached ticket (the event row is the alert).

    Reads only what can still change: the active tickets (open, pending, on hold; the
    ``ticket_inbox_status`` index) and the tickets solved or closed since the last runs (status
    changes after the cursor, a primary-key range). Rows are inserted with ON CONFLICT DO
    NOTHING against the unique constraints, so two runs at once, or a run repeated, write
    nothing twice. No long transaction: SQLite writers are not held up by the sweep."""
    now = now or timezone.now()
    rules = sla_selectors.list_rules(workspace=workspace)
    result = SweepResult()
    if not rules:
        return result
    sweep = _start_sweep(workspace)
    changed = list(
        TicketChange.objects.filter(
            workspace=workspace,
            pk__gt=sweep.scan_after_id,
            field=HistoryField.STATUS,
            new_value__in=[TicketStatus.SOLVED, TicketStatus.CLOSED],
        ).values_list("pk", "ticket_id")
    )
    seen_through = max([sweep.seen_through_id, *(pk for pk, _ in changed)])
    candidates = set(
        Ticket.objects.filter(workspace=workspace, status__in=ACTIVE).values_list("pk", flat=True)
    )
    candidates.update(ticket_id for _, ticket_id in changed)
    ordered = sorted(candidates)
    for start in range(0, len(ordered), BATCH):
        _sweep_batch(workspace, rules, ordered[start : start + BATCH], now=now, result=result)
    # The next run reads from what this run had seen at its start, so a status change that was
    # committed late (after a higher id was read) is still found. Conditional: a concurrent run
    # that got further wins.
    SlaSweep.objects.filter(pk=sweep.pk, seen_through_id__lte=seen_through).update(
        scan_after_id=sweep.seen_through_id, seen_through_id=seen_through, swept_at=now
    )
    return result


def _sweep_batch(
    workspace: Workspace, rules: list[Rules], ids: list[int], *, now: datetime, result: SweepResult
) -> None:
    rows = list(
        Ticket.objects.filter(workspace=workspace, pk__in=ids, merged_into__isnull=True).values(
            *sla_selectors.TICKET_FIELDS
        )
    )
    recorded: dict[int, set[tuple[str, str]]] = {}
    for ticket_id, name, kind in SlaEvent.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "target", "kind"
    ):
        recorded.setdefault(ticket_id, set()).add((name, kind))
    work = []
    for row in rows:
        matched = match_policy(rules, priority=row["priority"], channel_id=row["channel_id"])
        if matched is None or _settled(matched, row, recorded.get(row["pk"], set())):
            continue
        work.append((row, matched))
    if not work:
        return
    histories = sla_selectors.status_histories(row["pk"] for row, _ in work)
    events: list[SlaEvent] = []
    for row, matched in work:
        facts = sla_selectors.ticket_facts(row, histories.get(row["pk"], []))
        state = compute_state(matched, facts, now=now)
        done = recorded.get(row["pk"], set())
        for target in state.targets:
            event = _event_for(target, done, row=row, policy_id=matched.policy_id, now=now)
            if event is not None:
                event.workspace_id = workspace.pk
                events.append(event)
    if events:
        SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
    for event in events:
        if event.kind == SlaEventKind.WARNING:
            result.warnings += 1
        elif event.kind == SlaEventKind.BREACHED:
            result.breaches += 1
        else:
            result.met += 1


def _settled(rules: Rules, row: dict[str, Any], done: set[tuple[str, str]]) -> bool:
    """Every target of the ticket has its outcome recorded: nothing left to compute."""
    outcomes = {target for target, kind in done if kind != SlaEventKind.WARNING}
    wanted = set()
    if rules.first_response is not None and row["conversation_id"] is not None:
        wanted.add("first_response")
    if rules.resolution is not None:
        wanted.add("resolution")
    return wanted <= outcomes


def _event_for(
    target: TargetState,
    done: set[tuple[str, str]],
    *,
    row: dict[str, Any],
    policy_id: int,
    now: datetime,
) -> SlaEvent | None:
    kinds = {kind for name, kind in done if name == target.target}
    if kinds & {SlaEventKind.MET, SlaEventKind.BREACHED} or target.due_at is None:
        return None
    notify = False
    if target.state == "met":
        kind, occurred = SlaEventKind.MET, target.completed_at
    elif target.state == "breached":
        # A target answered late is recorded as breached but alerts nobody: it is done.
        kind, occurred, notify = SlaEventKind.BREACHED, target.due_at, target.completed_at is None
    elif target.state == "warning" and SlaEventKind.WARNING not in kinds:
        kind, occurred, notify = SlaEventKind.WARNING, target.warn_at, True
    else:
        return None
    return SlaEvent(
        ticket_id=row["pk"],
        target=target.target,
        kind=kind,
        policy_id=policy_id,
        target_minutes=int(target.target_duration / timedelta(minutes=1)),
        due_at=target.due_at,
        occurred_at=occurred or target.due_at,
        recorded_at=now,
        ticket_created_at=row["created_at"],
        channel_id=row["channel_id"],
        priority=row["priority"],
        agent_id=row["assignee_id"],
        notify_user_id=row["assignee_id"] if notify else None,
    )


# --- Alerts -------------------------------------------------------------------------------------


def mark_alerts_read(
    *, workspace: Workspace, user: User, event_ids: Iterable[int] | None = None
) -> int:
    """Mark ``user``'s alerts read (all of them, or these); others' alerts are untouched."""
    alerts = SlaEvent.objects.filter(workspace=workspace, notify_user=user, read_at__isnull=True)
    if event_ids is not None:
        alerts = alerts.filter(pk__in=list(event_ids))
    return alerts.update(read_at=timezone.now())
