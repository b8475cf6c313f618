"""SLA timer arithmetic against fixed calendars and fixed dates (never today's)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from xiaonuo.desk.sla.timers import Rules, TicketFacts, compute_state, match_policy
from xiaonuo.lib import workcalendar_cn
from xiaonuo.lib.workcalendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_SIX = WorkCalendar.weekly({day: ["09:00-18:00"] for day in WEEKDAYS})
SPRING_FESTIVAL = NINE_TO_SIX.with_days(workcalendar_cn.official_days(2025))
# A night desk: every evening 22:00 until 06:00 the next morning.
NIGHT_DESK = WorkCalendar.weekly(
    {day: ["22:00-06:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def rules(**overrides) -> Rules:
    values = {"policy_id": 1, "calendar": NINE_TO_SIX}
    values.update(overrides)
    return Rules(**values)


def opened(created: str, *changes: tuple[str, str], **facts) -> TicketFacts:
    """A ticket created at ``created`` whose status then changed at the given local times."""
    history = [(at(created), "open"), *((at(when), status) for when, status in changes)]
    status = history[-1][1]
    return TicketFacts(created_at=at(created), status=status, status_changes=history, **facts)


# --- Due times ---------------------------------------------------------------------------------


def test_friday_1750_with_one_business_hour_to_first_response_is_due_monday_0950():
    # Given a 09:00-18:00 week and a ticket created on Friday 7 March 2025 at 17:50
    ticket = opened("2025-03-07 17:50")
    # When its 1-business-hour first-response timer is computed on Saturday
    state = compute_state(
        rules(first_response=minutes(60)), ticket, now=at("2025-03-08 12:00")
    ).first_response
    # Then it is due on Monday at 09:50, with 50 business minutes still left
    assert state.due_at == at("2025-03-10 09:50")
    assert state.state == "ok"
    assert state.remaining == minutes(50)


@pytest.mark.parametrize(
    ("created", "target_hours", "due", "why"),
    [
        ("2025-01-25 10:00", 4, "2025-01-26 13:00", "Sunday 26 January is a make-up working day"),
        ("2025-01-27 17:00", 2, "2025-02-05 10:00", "28 January to 4 February are 春节 holidays"),
        ("2025-02-07 14:00", 8, "2025-02-08 13:00", "Saturday 8 February is worked (调休)"),
        ("2025-01-31 11:00", 1, "2025-02-05 10:00", "created on a holiday: counts from Wednesday"),
    ],
)
def test_the_spring_festival_2025_holidays_and_their_make_up_days(created, target_hours, due, why):
    ticket = opened(created)
    state = compute_state(
        rules(resolution=timedelta(hours=target_hours), calendar=SPRING_FESTIVAL),
        ticket,
        now=at(created),
    ).resolution
    assert state.due_at == at(due), why


@pytest.mark.parametrize(
    ("created", "target", "due"),
    [
        (
            "2025-03-11 05:30",
            minutes(60),
            "2025-03-11 22:30",
        ),  # 30 min before 06:00, 30 after 22:00
        ("2025-03-12 23:00", minutes(120), "2025-03-13 01:00"),  # over midnight in one shift
        ("2025-03-12 12:00", minutes(9 * 60), "2025-03-13 23:00"),  # a whole 8-hour night, then one
    ],
)
def test_a_night_shift_past_midnight(created, target, due):
    state = compute_state(
        rules(first_response=target, calendar=NIGHT_DESK), opened(created), now=at(created)
    ).first_response
    assert state.due_at == at(due)


def test_calendar_time_counts_nights_and_weekends():
    state = compute_state(
        rules(first_response=minutes(60), calendar=None),
        opened("2025-03-07 17:50"),
        now=at("2025-03-07 18:00"),
    ).first_response
    assert state.due_at == at("2025-03-07 18:50")
    assert state.remaining == minutes(50)


# --- Pauses -------------------------------------------------------------------------------------


def test_pending_pauses_the_resolution_clock_and_moves_the_due_time():
    # 4 business hours from Friday 16:00; pending (waiting on the customer) from Friday 17:00
    # until the customer writes back on Monday at 10:00.
    ticket = opened(
        "2025-03-07 16:00", ("2025-03-07 17:00", "pending"), ("2025-03-10 10:00", "open")
    )
    state = compute_state(rules(resolution=minutes(240)), ticket, now=at("2025-03-10 10:30"))
    # 1 hour ran on Friday, 3 are left from Monday 10:00.
    assert state.resolution.due_at == at("2025-03-10 13:00")
    assert state.resolution.remaining == minutes(150)
    # Without pausing on pending it would have been due at Monday 11:00.
    unpaused = compute_state(
        rules(resolution=minutes(240), pause_statuses=frozenset()),
        ticket,
        now=at("2025-03-10 10:30"),
    )
    assert unpaused.resolution.due_at == at("2025-03-10 11:00")


def test_while_paused_the_state_is_paused_and_the_time_left_is_frozen():
    ticket = opened("2025-03-07 16:00", ("2025-03-07 17:00", "on_hold"))
    for now in ("2025-03-07 17:30", "2025-03-12 15:00"):
        state = compute_state(
            rules(first_response=minutes(60), resolution=minutes(240)),
            TicketFacts(
                created_at=ticket.created_at,
                status=ticket.status,
                first_response_at=at("2025-03-07 16:20"),
                status_changes=ticket.status_changes,
            ),
            now=at(now),
        )
        assert state.resolution.state == "paused"
        assert state.resolution.due_at is None
        assert state.resolution.remaining == minutes(180)
        assert state.first_response.state == "met"
        assert state.state == "paused"


def test_a_pause_that_starts_after_the_due_time_does_not_save_a_breached_ticket():
    ticket = opened("2025-03-10 09:00", ("2025-03-10 11:00", "pending"))
    state = compute_state(rules(resolution=minutes(60)), ticket, now=at("2025-03-10 12:00"))
    assert state.resolution.state == "breached"
    assert state.resolution.due_at == at("2025-03-10 10:00")


def test_the_first_response_clock_never_pauses():
    ticket = opened("2025-03-10 09:00", ("2025-03-10 09:10", "on_hold"))
    state = compute_state(rules(first_response=minutes(30)), ticket, now=at("2025-03-10 09:45"))
    assert state.first_response.state == "breached"


# --- Outcomes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "outcome"),
    [("2025-03-10 09:50", "met"), ("2025-03-10 09:51", "breached")],
)
def test_answered_by_the_due_time_is_met_and_after_it_breached(answered, outcome):
    ticket = TicketFacts(
        created_at=at("2025-03-07 17:50"), status="pending", first_response_at=at(answered)
    )
    state = compute_state(rules(first_response=minutes(60)), ticket, now=at("2025-03-20 09:00"))
    assert state.first_response.state == outcome
    assert state.first_response.completed_at == at(answered)


def test_solving_without_a_reply_fulfils_the_first_response_target():
    ticket = opened("2025-03-10 09:00", ("2025-03-10 09:20", "solved"))
    state = compute_state(
        rules(first_response=minutes(30), resolution=minutes(60)),
        ticket,
        now=at("2025-03-11 09:00"),
    )
    assert (state.first_response.state, state.resolution.state) == ("met", "met")
    assert state.state == "met"


def test_the_first_solve_decides_the_resolution_even_if_the_ticket_is_reopened():
    ticket = opened(
        "2025-03-10 09:00", ("2025-03-10 09:30", "solved"), ("2025-03-12 09:00", "open")
    )
    state = compute_state(rules(resolution=minutes(60)), ticket, now=at("2025-03-14 09:00"))
    assert state.resolution.state == "met"
    assert state.resolution.completed_at == at("2025-03-10 09:30")


def test_a_ticket_without_a_conversation_has_no_first_response_target():
    ticket = TicketFacts(created_at=at("2025-03-10 09:00"), status="open", has_conversation=False)
    state = compute_state(
        rules(first_response=minutes(30), resolution=minutes(60)),
        ticket,
        now=at("2025-03-10 09:40"),
    )
    assert state.first_response is None
    assert state.resolution.state == "ok"


# --- Warnings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("warn", "warn_at"),
    [
        ({"warn_percent": 80}, "2025-03-10 09:46"),  # 56 of 70 minutes
        ({"warn_before": minutes(15)}, "2025-03-10 09:45"),  # 55 of 70
        ({"warn_percent": 80, "warn_before": minutes(15)}, "2025-03-10 09:45"),  # earlier wins
        ({"warn_percent": 90, "warn_before": minutes(5)}, "2025-03-10 09:53"),  # 63 < 65
        ({"warn_before": minutes(90)}, "2025-03-07 17:50"),  # longer than the target: at once
    ],
)
def test_the_warning_comes_at_the_earlier_of_the_two_rules_on_the_business_clock(warn, warn_at):
    # 70 business minutes from Friday 17:50: 10 on Friday, 60 on Monday
    ticket = opened("2025-03-07 17:50")
    state = compute_state(
        rules(first_response=minutes(70), **warn), ticket, now=at("2025-03-07 17:50")
    ).first_response
    assert state.due_at == at("2025-03-10 10:00")
    assert state.warn_at == at(warn_at)


def test_states_move_from_ok_to_warning_to_breached():
    ticket = opened("2025-03-10 09:00")
    policy = rules(first_response=minutes(60), warn_percent=80)
    states = [
        compute_state(policy, ticket, now=at(now)).state
        for now in ("2025-03-10 09:47", "2025-03-10 09:48", "2025-03-10 10:00")
    ]
    assert states == ["ok", "warning", "breached"]


# --- Which policy ------------------------------------------------------------------------------


def test_the_most_specific_policy_wins_priority_before_channel():
    default = Rules(policy_id=1)
    wechat = Rules(policy_id=2, channel_id=7)
    urgent = Rules(policy_id=3, priority=4)
    urgent_wechat = Rules(policy_id=4, priority=4, channel_id=7)
    everything = [default, wechat, urgent, urgent_wechat]

    def pick(policies, priority, channel_id):
        found = match_policy(policies, priority=priority, channel_id=channel_id)
        return found.policy_id if found else None

    assert pick(everything, 4, 7) == 4
    assert pick(everything, 4, 8) == 3
    assert pick(everything, 2, 7) == 2
    assert pick(everything, 2, 8) == 1
    assert pick([default, wechat, urgent], 4, 7) == 3  # priority outranks channel
    assert pick([wechat, urgent], 2, None) is None  # no default: no SLA
    assert pick([urgent_wechat], 4, None) is None
