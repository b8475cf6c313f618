"""SLA timer arithmetic against fixed calendars (see calendars.py for the dates)."""

from datetime import UTC, timedelta

import pytest

from xiaonuo.lib import workcalendar as wc
from xiaonuo.lib.tests.calendars import ALWAYS, EMPTY, NIGHT, OFFICE, SPRING_FESTIVAL, at

H = timedelta(hours=1)
M = timedelta(minutes=1)
CALENDARS = {"office": OFFICE, "spring": SPRING_FESTIVAL, "night": NIGHT, "always": ALWAYS}


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "due"),
    [
        # office: Monday to Friday 09:00-12:00 and 13:30-18:00
        ("office", "2025-01-06 09:00", 2 * H, "2025-01-06 11:00"),
        ("office", "2025-01-06 11:30", 1 * H, "2025-01-06 14:00"),  # across lunch
        ("office", "2025-01-06 12:15", 30 * M, "2025-01-06 14:00"),  # starts at lunch
        ("office", "2025-01-06 07:00", 30 * M, "2025-01-06 09:30"),  # before opening
        ("office", "2025-01-06 17:59", 1 * M, "2025-01-06 18:00"),  # due at closing, not tomorrow
        ("office", "2025-01-06 18:00", 1 * M, "2025-01-07 09:01"),
        ("office", "2025-01-06 23:30", 1 * M, "2025-01-07 09:01"),  # across midnight
        ("office", "2025-01-03 17:00", 2 * H, "2025-01-06 10:00"),  # across the weekend
        ("office", "2025-01-04 10:00", 1 * H, "2025-01-06 10:00"),  # starts on Saturday
        ("office", "2025-01-06 09:00", timedelta(hours=7, minutes=30), "2025-01-06 18:00"),
        ("office", "2025-01-06 09:00", 5 * 7.5 * H, "2025-01-10 18:00"),  # one working week
        ("office", "2025-01-06 09:00", 10 * 7.5 * H, "2025-01-17 18:00"),  # two weeks
        ("office", "2025-01-06 10:00", 52 * 5 * 7.5 * H, "2026-01-05 10:00"),  # a year of work
        ("office", "2024-12-31 17:00", 2 * H, "2025-01-01 10:00"),  # year end, no holidays
        ("office", "2025-01-06 09:00:30", 1 * M, "2025-01-06 09:01:30"),  # seconds are kept
        ("office", "2025-01-04 10:00", timedelta(0), "2025-01-04 10:00"),  # zero: the start
        # spring: the office with 元旦, 春节 (28 Jan-4 Feb) and make-up days 26 Jan, 8 Feb
        ("spring", "2024-12-31 17:00", 2 * H, "2025-01-02 10:00"),  # 元旦 across the year end
        ("spring", "2025-01-24 17:00", 2 * H, "2025-01-26 10:00"),  # make-up Sunday, Monday hours
        ("spring", "2025-01-27 17:00", 2 * H, "2025-02-05 10:00"),  # over the 春节 week
        ("spring", "2025-01-28 10:00", 1 * H, "2025-02-05 10:00"),  # starts inside the break
        ("spring", "2025-02-07 17:00", 2 * H, "2025-02-08 11:00"),  # make-up Saturday 10-16
        ("spring", "2025-02-08 15:00", 2 * H, "2025-02-10 10:00"),  # Sunday 9 Feb is off again
        ("spring", "2025-01-20 09:00", 10 * 7.5 * H, "2025-02-07 18:00"),  # 10 days over 春节
        # night: Monday to Friday 22:00-06:00; Friday's shift ends Saturday morning
        ("night", "2025-01-06 23:00", 2 * H, "2025-01-07 01:00"),  # across midnight
        ("night", "2025-01-03 23:00", 8 * H, "2025-01-06 23:00"),  # Fri night, then Mon night
        ("night", "2025-01-04 05:00", 30 * M, "2025-01-04 05:30"),  # Saturday dawn is Friday's
        ("night", "2025-01-06 03:00", 1 * H, "2025-01-06 23:00"),  # Monday dawn is Sunday's: shut
        ("night", "2024-12-31 23:00", 8 * H, "2025-01-01 23:00"),  # through the year end
        # always: business time is real time, also across the year end
        ("always", "2024-12-31 23:00", 2 * H, "2025-01-01 01:00"),
        ("always", "2025-01-06 10:00", timedelta(days=40), "2025-02-15 10:00"),
    ],
)
def test_add_business_time_gives_the_due_time(calendar, start, duration, due):
    assert CALENDARS[calendar].add_business_time(at(start), duration) == at(due)


@pytest.mark.parametrize(
    ("calendar", "a", "b", "elapsed"),
    [
        ("office", "2025-01-06 09:00", "2025-01-06 18:00", timedelta(hours=7, minutes=30)),
        ("office", "2025-01-03 17:00", "2025-01-06 10:00", 2 * H),
        ("office", "2025-01-04 10:00", "2025-01-05 10:00", timedelta(0)),  # all weekend
        ("office", "2025-01-06 12:10", "2025-01-06 13:20", timedelta(0)),  # all lunch
        ("office", "2025-01-06 10:00", "2025-01-03 17:00", -2 * H),  # reversed: negative
        ("spring", "2025-01-27 09:00", "2025-02-05 09:00", 7.5 * H),
        ("spring", "2025-01-25 00:00", "2025-01-27 00:00", 7.5 * H),  # only the make-up Sunday
        ("spring", "2025-02-08 00:00", "2025-02-09 00:00", 6 * H),
        ("night", "2025-01-03 12:00", "2025-01-06 12:00", 8 * H),  # Friday night only
        ("night", "2024-12-31 12:00", "2025-01-01 12:00", 8 * H),
        ("always", "2024-12-31 20:00", "2025-01-01 04:00", 8 * H),
    ],
)
def test_business_time_between_counts_only_open_time(calendar, a, b, elapsed):
    assert CALENDARS[calendar].business_time_between(at(a), at(b)) == elapsed


def test_business_time_between_is_signed():
    a, b = at("2025-01-03 17:00"), at("2025-01-06 10:00")
    assert OFFICE.business_time_between(b, a) == -OFFICE.business_time_between(a, b) == -2 * H


@pytest.mark.parametrize(
    ("calendar", "moment", "open_"),
    [
        ("office", "2025-01-06 09:00", True),  # opening is inside
        ("office", "2025-01-06 08:59:59", False),
        ("office", "2025-01-06 11:59:59.999999", True),
        ("office", "2025-01-06 12:00", False),  # closing is outside
        ("office", "2025-01-06 13:30", True),
        ("office", "2025-01-04 10:00", False),  # Saturday
        ("spring", "2025-01-01 10:00", False),  # 元旦
        ("spring", "2025-01-26 10:00", True),  # make-up Sunday
        ("spring", "2025-01-28 10:00", False),  # 春节
        ("spring", "2025-02-08 09:30", False),  # make-up Saturday opens at 10:00
        ("spring", "2025-02-08 15:59", True),
        ("spring", "2025-02-09 10:00", False),
        ("night", "2025-01-04 03:00", True),  # Friday's shift, on Saturday
        ("night", "2025-01-05 03:00", False),
        ("night", "2025-01-06 03:00", False),  # no Sunday shift
        ("night", "2025-01-06 22:00", True),
        ("night", "2025-01-07 06:00", False),
        ("always", "2025-01-05 03:00", True),
    ],
)
def test_is_open(calendar, moment, open_):
    assert CALENDARS[calendar].is_open(at(moment)) is open_


@pytest.mark.parametrize(
    ("calendar", "moment", "opens"),
    [
        ("office", "2025-01-06 10:00", "2025-01-06 10:00"),  # open now
        ("office", "2025-01-06 12:30", "2025-01-06 13:30"),
        ("office", "2025-01-03 18:00", "2025-01-06 09:00"),
        ("spring", "2025-01-27 18:00", "2025-02-05 09:00"),
        ("spring", "2025-02-07 20:00", "2025-02-08 10:00"),
        ("night", "2025-01-04 07:00", "2025-01-06 22:00"),
        ("office", "2025-12-31 18:00", "2026-01-01 09:00"),  # into a year not yet compiled
    ],
)
def test_next_open(calendar, moment, opens):
    assert CALENDARS[calendar].next_open(at(moment)) == at(opens)


@pytest.mark.parametrize(
    ("calendar", "due", "before", "warn_at"),
    [
        ("office", "2025-01-06 10:00", 30 * M, "2025-01-06 09:30"),
        ("office", "2025-01-06 14:00", 1 * H, "2025-01-06 11:30"),  # across lunch
        # Exactly at opening time: the warning goes out at last evening's close, while the
        # agents are still there.
        ("office", "2025-01-06 09:30", 30 * M, "2025-01-03 18:00"),
        ("office", "2025-01-06 09:15", 30 * M, "2025-01-03 17:45"),
        ("office", "2025-01-04 12:00", 15 * M, "2025-01-03 17:45"),  # due on a closed day
        ("office", "2025-01-06 10:00", timedelta(0), "2025-01-06 10:00"),
        ("spring", "2025-02-05 10:00", 2 * H, "2025-01-27 17:00"),  # back over 春节
        ("spring", "2025-01-02 10:00", 2 * H, "2024-12-31 17:00"),  # back over the year end
        ("night", "2025-01-06 23:00", 2 * H, "2025-01-04 05:00"),
    ],
)
def test_subtract_business_time_finds_the_warning_moment(calendar, due, before, warn_at):
    calendar_ = CALENDARS[calendar]
    warn = calendar_.subtract_business_time(at(due), before)
    assert warn == at(warn_at)
    assert calendar_.business_time_between(warn, at(due)) == before


def test_add_and_subtract_invert_each_other():
    start = at("2025-01-24 10:17:03")
    for hours in (1, 5, 8, 30, 200):
        due = SPRING_FESTIVAL.add_business_time(start, hours * H)
        assert SPRING_FESTIVAL.business_time_between(start, due) == hours * H
        assert SPRING_FESTIVAL.subtract_business_time(due, hours * H) == start


def test_answers_are_in_the_calendars_zone_and_accept_any_zone():
    start_utc = at("2025-01-06 01:00").astimezone(UTC)  # 09:00 in Shanghai
    due = OFFICE.add_business_time(start_utc, 2 * H)
    assert due == at("2025-01-06 11:00")
    assert due.tzinfo == OFFICE.tz


def test_a_far_away_year_gives_a_correct_answer():
    # 2031-06-02 is a Monday; the cache is rebuilt for it rather than grown year by year.
    assert OFFICE.add_business_time(at("2031-06-02 11:00"), 2 * H) == at("2031-06-02 14:30")
    assert OFFICE.add_business_time(at("2025-01-06 11:00"), 2 * H) == at("2025-01-06 14:30")


def test_business_time_between_far_apart_years_counts_every_year_between():
    fresh = wc.WorkCalendar.always_open()  # nothing compiled yet
    fresh.is_open(at("2025-06-01 00:00"))  # compiles 2024-2026 only
    a, b = at("2025-01-01 00:00"), at("2031-01-01 00:00")
    assert fresh.business_time_between(a, b) == timedelta(days=6 * 365 + 1)  # 2028 is leap


# -- never open ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ask",
    [
        lambda: EMPTY.add_business_time(at("2025-01-06 09:00"), M),
        lambda: EMPTY.next_open(at("2025-01-06 09:00")),
        lambda: EMPTY.subtract_business_time(at("2025-01-06 09:00"), M),
    ],
    ids=["add", "next_open", "subtract"],
)
def test_an_empty_calendar_raises_never_open_instead_of_looping(ask):
    with pytest.raises(wc.CalendarError) as error:
        ask()
    assert error.value.code == wc.NEVER_OPEN


def test_an_empty_calendar_is_closed_and_counts_nothing():
    assert EMPTY.is_open(at("2025-01-06 10:00")) is False
    assert EMPTY.business_time_between(at("2025-01-01 00:00"), at("2026-01-01 00:00")) == timedelta(
        0
    )


def test_a_calendar_open_only_on_one_make_up_day_runs_out():
    one_day = EMPTY.with_days(
        [
            wc.SpecialDay(
                at("2025-02-08 00:00").date(), "workday", periods=(wc.Period.parse("10:00-11:00"),)
            )
        ]
    )
    assert one_day.add_business_time(at("2024-03-01 00:00"), 30 * M) == at("2025-02-08 10:30")
    assert one_day.subtract_business_time(at("2027-01-01 00:00"), 30 * M) == at("2025-02-08 10:30")
    with pytest.raises(wc.CalendarError) as error:
        one_day.add_business_time(at("2025-02-08 10:30"), H)
    assert error.value.code == wc.NEVER_OPEN
    with pytest.raises(wc.CalendarError) as error:
        one_day.subtract_business_time(at("2025-02-08 10:30"), H)
    assert error.value.code == wc.NEVER_OPEN


# -- bad queries --------------------------------------------------------------------------------


def test_naive_datetimes_are_refused():
    naive = at("2025-01-06 10:00").replace(tzinfo=None)
    for ask in (
        lambda: OFFICE.is_open(naive),
        lambda: OFFICE.add_business_time(naive, H),
        lambda: OFFICE.business_time_between(naive, at("2025-01-06 10:00")),
    ):
        with pytest.raises(wc.CalendarError) as error:
            ask()
        assert error.value.code == wc.NAIVE_DATETIME


def test_negative_durations_are_refused():
    for ask in (
        lambda: OFFICE.add_business_time(at("2025-01-06 10:00"), -M),
        lambda: OFFICE.subtract_business_time(at("2025-01-06 10:00"), -M),
    ):
        with pytest.raises(wc.CalendarError) as error:
            ask()
        assert error.value.code == wc.NEGATIVE_DURATION


def test_answers_past_year_9998_are_refused_with_a_code():
    with pytest.raises(wc.CalendarError) as error:
        OFFICE.add_business_time(at("9998-12-01 10:00"), timedelta(days=400))
    assert error.value.code == wc.OUT_OF_RANGE
