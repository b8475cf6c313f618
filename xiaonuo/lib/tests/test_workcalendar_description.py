"""The calendar description: parsing, JSON round trip and validation errors."""

import json
from datetime import date, timedelta

import pytest

from xiaonuo.lib import workcalendar as wc
from xiaonuo.lib.errors import ServiceError
from xiaonuo.lib.tests.calendars import ALWAYS, EMPTY, NIGHT, OFFICE, SPRING_FESTIVAL, at


@pytest.mark.parametrize(
    ("text", "start", "end", "shown"),
    [
        ("09:00-12:00", 540, 720, "09:00-12:00"),
        ("9:05 - 12:00", 545, 720, "09:05-12:00"),
        ("22:00-02:00", 1320, 1560, "22:00-02:00"),  # past midnight: belongs to its start day
        ("00:00-24:00", 0, 1440, "00:00-24:00"),
        ("18:00-24:00", 1080, 1440, "18:00-24:00"),
        ("23:59-23:58", 1439, 2878, "23:59-23:58"),  # the longest overnight period
    ],
)
def test_periods_parse_and_print(text, start, end, shown):
    period = wc.Period.parse(text)
    assert (period.start, period.end, str(period)) == (start, end, shown)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("09:00-09:00", wc.EMPTY_PERIOD),
        ("00:00-00:00", wc.EMPTY_PERIOD),
        ("9-12", wc.INVALID_PERIOD),
        ("09:00", wc.INVALID_PERIOD),
        ("24:00-02:00", wc.INVALID_PERIOD),
        ("09:60-10:00", wc.INVALID_PERIOD),
        ("09:00-24:30", wc.INVALID_PERIOD),
        ("09:00-25:00", wc.INVALID_PERIOD),
        (None, wc.INVALID_PERIOD),
    ],
)
def test_bad_periods_are_refused_with_a_code(text, code):
    with pytest.raises(wc.CalendarError) as error:
        wc.Period.parse(text, where="week.mon[0]")
    assert error.value.code == code
    assert "week.mon[0]" in error.value.message


WEEKDAYS_OFFICE = {"mon": ["09:00-12:00", "13:30-18:00"]}


@pytest.mark.parametrize(
    ("description", "code", "mentions"),
    [
        ({"week": {"mon": ["09:00-12:00", "11:00-13:00"]}}, wc.OVERLAPPING_PERIODS, "mon"),
        (
            {"week": {"mon": ["22:00-02:00"], "tue": ["01:00-05:00"]}},
            wc.OVERLAPPING_PERIODS,
            "mon-tue",
        ),
        (
            {"week": {"sun": ["22:00-02:00"], "mon": ["01:59-05:00"]}},
            wc.OVERLAPPING_PERIODS,
            "sun-mon",
        ),
        ({"week": {"mon": ["08:00-08:00"]}}, wc.EMPTY_PERIOD, "week.mon[0]"),
        ({"week": {"monday": ["09:00-12:00"]}}, wc.UNKNOWN_WEEKDAY, "monday"),
        ({"week": {"mon": "09:00-12:00"}}, wc.INVALID_CALENDAR, "week.mon"),
        ({"week": []}, wc.INVALID_CALENDAR, "week"),
        ({"timezone": "Asia/Beijing"}, wc.UNKNOWN_TIMEZONE, "Asia/Beijing"),
        ({"timezone": 8}, wc.INVALID_CALENDAR, "timezone"),
        ({"makeup_hours_of": "someday"}, wc.UNKNOWN_WEEKDAY, "someday"),
        ({"version": 2}, wc.INVALID_CALENDAR, "version"),
        ({"weeks": {}}, wc.INVALID_CALENDAR, "weeks"),
        ({"days": {}}, wc.INVALID_CALENDAR, "days"),
        ({"days": ["2025-01-01"]}, wc.INVALID_CALENDAR, "days[0]"),
        ({"days": [{"date": "2025-02-30", "kind": "holiday"}]}, wc.INVALID_DATE, "days[0].date"),
        ({"days": [{"date": "20250101", "kind": "holiday"}]}, wc.INVALID_DATE, "20250101"),
        ({"days": [{"date": "2025-1-1", "kind": "holiday"}]}, wc.INVALID_DATE, "2025-1-1"),
        ({"days": [{"kind": "holiday"}]}, wc.INVALID_DATE, "days[0].date"),
        ({"days": [{"date": "2025-01-01", "kind": "rest"}]}, wc.INVALID_DAY, "rest"),
        (
            {"days": [{"date": "2025-01-01", "kind": "holiday", "hours_of": "mon"}]},
            wc.INVALID_DAY,
            "no hours",
        ),
        (
            {
                "days": [
                    {
                        "date": "2025-01-04",
                        "kind": "workday",
                        "hours_of": "mon",
                        "periods": ["09:00-10:00"],
                    }
                ]
            },
            wc.INVALID_DAY,
            "not both",
        ),
        (
            {"days": [{"date": "2025-01-04", "kind": "workday", "hours_of": "周八"}]},
            wc.UNKNOWN_WEEKDAY,
            "周八",
        ),
        (
            {"days": [{"date": "2025-01-04", "kind": "workday", "when": 1}]},
            wc.INVALID_CALENDAR,
            "when",
        ),
        (
            {
                "days": [
                    {"date": "2025-01-01", "kind": "holiday"},
                    {"date": "2025-01-01", "kind": "workday"},
                ]
            },
            wc.DUPLICATE_DATE,
            "2025-01-01",
        ),
        (
            # A make-up Saturday whose early hours collide with Friday's night shift.
            {
                "week": {"fri": ["22:00-02:00"]},
                "days": [{"date": "2025-01-04", "kind": "workday", "periods": ["01:00-05:00"]}],
            },
            wc.OVERLAPPING_PERIODS,
            "2025-01-03-2025-01-04",
        ),
    ],
)
def test_bad_descriptions_are_refused_with_a_stable_code_naming_the_place(
    description, code, mentions
):
    with pytest.raises(wc.CalendarError) as error:
        wc.WorkCalendar.from_json(description)
    assert error.value.code == code
    assert mentions in error.value.message


def test_calendar_errors_are_value_errors_and_service_errors():
    with pytest.raises(ValueError, match="overlaps"):
        wc.WorkCalendar.weekly({"mon": ["09:00-12:00", "11:00-13:00"]})
    error = wc.CalendarError(wc.INVALID_PERIOD, "x")
    assert isinstance(error, ServiceError)
    assert error.status == 400


def test_a_calendar_is_not_json_is_refused():
    with pytest.raises(wc.CalendarError) as error:
        wc.WorkCalendar.from_json(["mon"])
    assert error.value.code == wc.INVALID_CALENDAR


@pytest.mark.parametrize(
    "calendar",
    [OFFICE, SPRING_FESTIVAL, NIGHT, ALWAYS, EMPTY],
    ids=["office", "spring", "night", "always", "empty"],
)
def test_every_calendar_round_trips_through_json_text(calendar):
    stored = json.dumps(calendar.to_json(), ensure_ascii=False)
    again = wc.WorkCalendar.from_json(json.loads(stored))
    assert again == calendar
    assert again.to_json() == calendar.to_json()
    assert hash(again) == hash(calendar)
    start = at("2025-01-24 17:00")
    if calendar is not EMPTY:
        assert again.add_business_time(start, timedelta(hours=20)) == calendar.add_business_time(
            start, timedelta(hours=20)
        )


def test_the_json_shape_is_the_documented_one():
    assert SPRING_FESTIVAL.to_json()["days"][:2] == [
        {"date": "2025-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2025-01-26", "kind": "workday", "name": "春节调休"},
    ]
    assert SPRING_FESTIVAL.to_json()["days"][-1] == {
        "date": "2025-02-08",
        "kind": "workday",
        "name": "春节调休",
        "periods": ["10:00-16:00"],
    }
    assert NIGHT.to_json()["week"]["sat"] == []
    assert NIGHT.to_json()["week"]["fri"] == ["22:00-06:00"]


def test_periods_given_out_of_order_are_stored_in_order():
    calendar = wc.WorkCalendar.weekly({"mon": ["13:30-18:00", "09:00-12:00"]})
    assert calendar == wc.WorkCalendar.weekly({"mon": ["09:00-12:00", "13:30-18:00"]})


def test_weekday_names_in_chinese_are_understood():
    assert [wc.parse_weekday(n) for n in ("周一", "星期三", "周日", "星期天", "SAT")] == [
        0,
        2,
        6,
        6,
        5,
    ]


def test_with_days_replaces_a_date_already_present():
    corrected = SPRING_FESTIVAL.with_days([wc.SpecialDay(date(2025, 1, 26), "holiday", "改为休息")])
    assert not corrected.is_open(at("2025-01-26 10:00"))
    assert SPRING_FESTIVAL.is_open(at("2025-01-26 10:00"))  # the original is untouched
    assert len(corrected.days) == len(SPRING_FESTIVAL.days)


def test_without_days_drops_one_year():
    calendar = SPRING_FESTIVAL.with_days([wc.SpecialDay(date(2026, 1, 1), "holiday")])
    assert [s.day for s in calendar.without_days(year=2025).days] == [date(2026, 1, 1)]


def test_periods_on_applies_holidays_and_make_up_days():
    monday = OFFICE.week[0]
    assert SPRING_FESTIVAL.periods_on(date(2025, 1, 1)) == ()
    assert SPRING_FESTIVAL.periods_on(date(2025, 1, 26)) == monday  # makeup_hours_of = mon
    assert SPRING_FESTIVAL.periods_on(date(2025, 2, 8)) == (wc.Period.parse("10:00-16:00"),)
    friday_hours = wc.WorkCalendar.weekly(
        {"mon": ["09:00-18:00"], "fri": ["09:00-16:00"]},
        days=(wc.SpecialDay(date(2025, 1, 4), "workday", hours_of=4),),
    )
    assert friday_hours.periods_on(date(2025, 1, 4)) == (wc.Period.parse("09:00-16:00"),)


def test_a_holiday_cuts_the_shift_starting_that_day_but_not_the_one_ending_on_it():
    night = NIGHT.with_days([wc.SpecialDay(date(2025, 1, 4), "holiday")])  # Saturday
    assert night.is_open(at("2025-01-04 03:00"))  # Friday's shift runs on
    night = NIGHT.with_days([wc.SpecialDay(date(2025, 1, 3), "holiday")])  # Friday
    assert not night.is_open(at("2025-01-03 23:00"))
    assert not night.is_open(at("2025-01-04 03:00"))
