"""Daylight saving time, in Europe/Berlin: clocks go forward 2025-03-30 at 02:00 (to 03:00)
and back 2025-10-26 at 03:00 (to 02:00).

Python subtracts two datetimes that share a tzinfo as wall-clock times, so real durations are
checked here in UTC."""

from datetime import UTC, date, timedelta

import pytest

from xiaonuo.lib.tests.calendars import BERLIN, at
from xiaonuo.lib.workcalendar import WorkCalendar

H = timedelta(hours=1)
ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

NIGHTS = WorkCalendar.weekly({day: ["22:00-06:00"] for day in ALL_DAYS}, timezone="Europe/Berlin")
OFFICE = WorkCalendar.weekly(
    {day: ["09:00-17:00"] for day in ALL_DAYS[:5]}, timezone="Europe/Berlin"
)
ALWAYS = WorkCalendar.always_open(timezone="Europe/Berlin")


def berlin(text: str):
    return at(text, BERLIN)


def real(a, b) -> timedelta:
    return b.astimezone(UTC) - a.astimezone(UTC)


@pytest.mark.parametrize(
    ("night_of", "hours"),
    [("2025-03-28", 8), ("2025-03-29", 7), ("2025-10-25", 9), ("2025-10-26", 8)],
)
def test_a_night_shift_lasts_the_real_hours_worked(night_of, hours):
    ((start, end),) = NIGHTS.hours_on(date.fromisoformat(night_of))
    assert (start.hour, end.hour) == (22, 6)
    assert real(start, end) == hours * H
    day_after = start + timedelta(days=1)
    assert (
        NIGHTS.business_time_between(start.replace(hour=12), day_after.replace(hour=12))
        == hours * H
    )


def test_adding_over_the_spring_forward_night():
    # 7 business hours from 22:00 on the short night end at 06:00 summer time.
    due = NIGHTS.add_business_time(berlin("2025-03-29 22:00"), 7 * H)
    assert due == berlin("2025-03-30 06:00")
    assert due.utcoffset() == 2 * H


def test_adding_over_the_fall_back_night():
    due = NIGHTS.add_business_time(berlin("2025-10-25 22:00"), 8 * H)
    assert due == berlin("2025-10-26 05:00")
    assert due.utcoffset() == H


def test_office_hours_over_the_change_stay_at_wall_clock_times():
    assert OFFICE.add_business_time(berlin("2025-03-28 16:00"), 2 * H) == berlin("2025-03-31 10:00")
    assert OFFICE.add_business_time(berlin("2025-10-24 16:00"), 2 * H) == berlin("2025-10-27 10:00")
    assert (
        OFFICE.business_time_between(berlin("2025-03-28 09:00"), berlin("2025-03-31 17:00"))
        == 16 * H
    )


def test_always_open_counts_real_time_across_both_changes():
    assert (
        ALWAYS.business_time_between(berlin("2025-03-30 00:00"), berlin("2025-03-31 00:00"))
        == 23 * H
    )
    assert (
        ALWAYS.business_time_between(berlin("2025-10-26 00:00"), berlin("2025-10-27 00:00"))
        == 25 * H
    )
    due = ALWAYS.add_business_time(berlin("2025-03-29 12:00"), 24 * H)
    assert due == berlin("2025-03-30 13:00")


def test_a_boundary_in_the_skipped_hour_moves_to_the_end_of_the_jump():
    gap = WorkCalendar.weekly({"sun": ["02:30-04:00"]}, timezone="Europe/Berlin")
    ((start, end),) = gap.hours_on(date(2025, 3, 30))
    assert (start, end) == (berlin("2025-03-30 03:00"), berlin("2025-03-30 04:00"))
    assert real(start, end) == H
    # A period wholly inside the skipped hour does not happen that night.
    inside = WorkCalendar.weekly({"sun": ["02:00-02:45"]}, timezone="Europe/Berlin")
    assert inside.hours_on(date(2025, 3, 30)) == []
    assert inside.add_business_time(berlin("2025-03-29 12:00"), H / 2) == berlin("2025-04-06 02:30")


def test_a_boundary_in_the_repeated_hour_is_taken_on_its_first_pass():
    repeated = WorkCalendar.weekly({"sun": ["02:30-05:00"]}, timezone="Europe/Berlin")
    ((start, end),) = repeated.hours_on(date(2025, 10, 26))
    assert start.utcoffset() == 2 * H  # 02:30 summer time, the first 02:30 of the night
    assert real(start, end) == 3.5 * H
    second_half_past_two = start.astimezone(UTC) + H  # 02:30 again, now winter time
    assert second_half_past_two.astimezone(BERLIN).strftime("%H:%M") == "02:30"
    assert repeated.is_open(second_half_past_two)  # still on shift
