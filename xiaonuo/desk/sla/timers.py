"""SLA timer arithmetic, free of the database: which policy applies to a ticket, and where each
of its targets stands at a given moment. ``selectors.sla_states`` and the SLA job feed it rows;
the tests feed it fixed calendars and fixed dates.

The rules (docs/decisions/0011-sla.md):

- **First response** runs from the ticket's creation until the first reply, or until the ticket
  is first solved (a case closed without a reply needed none). It never pauses. A ticket without
  a conversation (opened by staff for a phone call) cannot be replied to and has no
  first-response target.
- **Resolution** runs from creation until the ticket is first solved. If the policy says so, it
  stops while the ticket is pending (waiting on the customer) or on hold (waiting on a third
  party), measured from the ticket's status history; the first solve decides the outcome even
  if the ticket is reopened later.
- Both count the policy's clock: the business hours of its calendar, or calendar time.
- **Warning** comes when the policy's share of the target has elapsed or when only its minutes
  before the due time remain, whichever is first; it counts the same clock and pauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from xiaonuo.lib.workcalendar import WorkCalendar

State = Literal["ok", "warning", "breached", "met", "paused"]
TargetName = Literal["first_response", "resolution"]

PAUSABLE = ("pending", "on_hold")
SOLVED = "solved"


@dataclass(frozen=True)
class Rules:
    """What a policy asks, in plain values (``services``/``selectors`` build it from a row)."""

    policy_id: int
    priority: int | None = None  # None: any
    channel_id: int | None = None  # None: any
    first_response: timedelta | None = None
    resolution: timedelta | None = None
    calendar: WorkCalendar | None = None  # None: calendar time (every minute counts)
    pause_statuses: frozenset[str] = frozenset(PAUSABLE)
    warn_percent: int | None = None
    warn_before: timedelta | None = None

    @property
    def specificity(self) -> int:
        # Priority outranks channel: the priority was chosen for this ticket by a person, the
        # channel only says how the customer reached us.
        return (2 if self.priority is not None else 0) + (1 if self.channel_id is not None else 0)


def match_policy(rules: Iterable[Rules], *, priority: int, channel_id: int | None) -> Rules | None:
    """The most specific policy matching the ticket: priority + channel, then priority, then
    channel, then the default (neither). At most one policy exists per scope."""
    best: Rules | None = None
    for candidate in rules:
        if candidate.priority is not None and candidate.priority != priority:
            continue
        if candidate.channel_id is not None and candidate.channel_id != channel_id:
            continue
        if best is None or candidate.specificity > best.specificity:
            best = candidate
    return best


@dataclass(frozen=True)
class TicketFacts:
    """What the timers need of a ticket. ``status_changes`` are (when, new status) in order, the
    first being the ticket's opening; they are only needed for pauses and for the first solve
    (``solved_at`` is used when they are absent)."""

    created_at: datetime
    status: str
    has_conversation: bool = True
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    status_changes: Sequence[tuple[datetime, str]] = ()

    def first_solved_at(self) -> datetime | None:
        for at, status in self.status_changes:
            if status == SOLVED:
                return at
        return self.solved_at


@dataclass(frozen=True)
class TargetState:
    target: TargetName
    state: State
    target_duration: timedelta
    due_at: datetime | None  # None while paused: the due time moves with the pause
    warn_at: datetime | None  # None: no warning configured, or not reachable before a pause
    remaining: timedelta  # clock time left (negative once breached); frozen while paused
    completed_at: datetime | None = None  # the reply / the first solve


@dataclass(frozen=True)
class SlaState:
    policy_id: int
    first_response: TargetState | None
    resolution: TargetState | None

    @property
    def targets(self) -> list[TargetState]:
        return [t for t in (self.first_response, self.resolution) if t is not None]

    @property
    def state(self) -> State:
        """The ticket's state as one word: the most urgent of its targets."""
        states = {t.state for t in self.targets}
        for state in ("breached", "warning", "ok", "paused"):
            if state in states:
                return state  # type: ignore[return-value]
        return "met"

    @property
    def next_due_at(self) -> datetime | None:
        running = [t.due_at for t in self.targets if t.state in ("ok", "warning") and t.due_at]
        return min(running) if running else None


class Clock:
    """Business time of a calendar, or plain elapsed time when there is no calendar."""

    def __init__(self, calendar: WorkCalendar | None) -> None:
        self.calendar = calendar

    def add(self, start: datetime, duration: timedelta) -> datetime:
        if self.calendar is None:
            return start + duration
        return self.calendar.add_business_time(start, duration)

    def between(self, a: datetime, b: datetime) -> timedelta:
        if self.calendar is None:
            return b - a
        return self.calendar.business_time_between(a, b)


@dataclass(frozen=True)
class _Walk:
    reached_at: datetime | None  # when the budget ran out; None while paused before that
    left: timedelta  # budget left at ``now`` when paused (else zero)


def _walk(
    clock: Clock,
    start: datetime,
    budget: timedelta,
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> _Walk:
    """The instant at which ``budget`` of running clock time has elapsed since ``start``,
    skipping the paused stretches (in order; the last may still be running: end None)."""
    cursor, left = start, budget
    for pause_start, pause_end in pauses:
        if pause_start < cursor:
            pause_start = cursor
        running = clock.between(cursor, pause_start)
        if running >= left:
            break
        left -= running
        if pause_end is None:
            return _Walk(reached_at=None, left=left)
        cursor = max(cursor, pause_end)
    return _Walk(reached_at=clock.add(cursor, left), left=timedelta(0))


def _pauses(
    facts: TicketFacts, pause_statuses: frozenset[str], until: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """Stretches spent in a pausing status before ``until`` (the first solve); the last one
    ends None if the ticket is paused still."""
    out: list[tuple[datetime, datetime | None]] = []
    changes = list(facts.status_changes)
    for i, (at, status) in enumerate(changes):
        if until is not None and at >= until:
            break
        if status not in pause_statuses:
            continue
        end = changes[i + 1][0] if i + 1 < len(changes) else None
        if until is not None and (end is None or end > until):
            end = until
        out.append((at, end))
    return out


def _target_state(
    *,
    name: TargetName,
    clock: Clock,
    facts: TicketFacts,
    target: timedelta,
    rules: Rules,
    pauses: Sequence[tuple[datetime, datetime | None]],
    completed_at: datetime | None,
    now: datetime,
) -> TargetState:
    due = _walk(clock, facts.created_at, target, pauses)
    warn_at = None
    budget = _warn_budget(rules, target)
    if budget is not None:
        warn_at = _walk(clock, facts.created_at, budget, pauses).reached_at
    if completed_at is not None:
        assert due.reached_at is not None  # pauses end by the completion  # noqa: S101
        state: State = "met" if completed_at <= due.reached_at else "breached"
        remaining = clock.between(completed_at, due.reached_at)
    elif due.reached_at is None:
        state, remaining = "paused", due.left
    else:
        remaining = clock.between(now, due.reached_at)
        if now >= due.reached_at:
            state = "breached"
        elif warn_at is not None and now >= warn_at:
            state = "warning"
        else:
            state = "ok"
    return TargetState(
        target=name,
        state=state,
        target_duration=target,
        due_at=due.reached_at,
        warn_at=warn_at,
        remaining=remaining,
        completed_at=completed_at,
    )


def _warn_budget(rules: Rules, target: timedelta) -> timedelta | None:
    """Running time after which the warning is due: the earlier of the two rules."""
    budgets = []
    if rules.warn_percent is not None:
        budgets.append(target * rules.warn_percent / 100)
    if rules.warn_before is not None:
        budgets.append(max(target - rules.warn_before, timedelta(0)))
    return min(budgets) if budgets else None


def compute_state(rules: Rules, facts: TicketFacts, *, now: datetime) -> SlaState:
    """Where each target of the ticket stands at ``now``."""
    clock = Clock(rules.calendar)
    solved = facts.first_solved_at()
    first = None
    if rules.first_response is not None and facts.has_conversation:
        answered = [t for t in (facts.first_response_at, solved) if t is not None]
        first = _target_state(
            name="first_response",
            clock=clock,
            facts=facts,
            target=rules.first_response,
            rules=rules,
            pauses=(),
            completed_at=min(answered) if answered else None,
            now=now,
        )
    resolution = None
    if rules.resolution is not None:
        resolution = _target_state(
            name="resolution",
            clock=clock,
            facts=facts,
            target=rules.resolution,
            rules=rules,
            pauses=_pauses(facts, rules.pause_statuses, solved),
            completed_at=solved,
            now=now,
        )
    return SlaState(policy_id=rules.policy_id, first_response=first, resolution=resolution)
