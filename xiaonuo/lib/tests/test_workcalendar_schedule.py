"""Official schedules entered as text, and the shipped 2025 State Council schedule."""

from datetime import date, timedelta

import pytest

from xiaonuo.lib import workcalendar as wc
from xiaonuo.lib import workcalendar_cn
from xiaonuo.lib.tests.calendars import OFFICE, at

SCHEDULE = """\ufeff# 测试用的放假安排 (not an official one)
date,kind,name,hours_of

2030-01-01,holiday,元旦
2030-02-02~2030-02-05 , 休 , 春节
2030-01-26,workday,春节调休,周五
2030-02-09,班,"春节调休, 第二天"
"""


def test_a_schedule_text_becomes_special_days():
    days = wc.parse_schedule(SCHEDULE)
    assert [(d.day, d.kind, d.name, d.hours_of) for d in days] == [
        (date(2030, 1, 1), "holiday", "元旦", None),
        (date(2030, 1, 26), "workday", "春节调休", 4),
        (date(2030, 2, 2), "holiday", "春节", None),
        (date(2030, 2, 3), "holiday", "春节", None),
        (date(2030, 2, 4), "holiday", "春节", None),
        (date(2030, 2, 5), "holiday", "春节", None),
        (date(2030, 2, 9), "workday", "春节调休, 第二天", None),
    ]


def test_the_header_is_optional():
    assert wc.parse_schedule("2030-01-01,holiday") == (wc.SpecialDay(date(2030, 1, 1), "holiday"),)
    assert wc.parse_schedule("") == ()


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        ("2030-13-01,holiday,元旦", "date", wc.INVALID_SCHEDULE),
        ("2030/01/01,holiday", "date", wc.INVALID_SCHEDULE),
        ("2030-01-01,rest", "kind", wc.INVALID_SCHEDULE),
        ("2030-01-01", "line", wc.INVALID_SCHEDULE),
        ("2030-01-01,holiday,元旦,mon,extra", "line", wc.INVALID_SCHEDULE),
        ("2030-01-05,workday,调休,someday", "hours_of", wc.INVALID_SCHEDULE),
        ("2030-01-01,holiday,元旦,mon", "hours_of", wc.INVALID_SCHEDULE),
        ("2030-02-05~2030-02-01,holiday,春节", "date", wc.INVALID_SCHEDULE),  # backwards
        ("2030-02-01~2031-02-05,holiday,春节", "date", wc.INVALID_SCHEDULE),  # a year too long
        ("2030-02-01~,holiday", "date", wc.INVALID_SCHEDULE),
        ("2030-01-01,holiday," + "长" * 101, "name", wc.INVALID_SCHEDULE),
        ("2030-01-02,holiday", "date", wc.DUPLICATE_DATE),  # line 4's range includes it
    ],
)
def test_a_bad_line_is_named_by_line_and_field(line, field, code):
    # Line 1 is the header, line 2 a comment, line 3 the line under test; line 4 repeats a
    # date of line 3 only in the duplicate case.
    text = f"date,kind,name\n# 测试\n{line}\n2030-01-01~2030-01-03,holiday,元旦\n"
    with pytest.raises(wc.CalendarError) as error:
        wc.parse_schedule(text)
    problem = error.value
    number = 4 if code == wc.DUPLICATE_DATE else 3
    assert (problem.code, problem.details["line"], problem.details["field"]) == (
        code,
        number,
        field,
    )
    assert problem.message.startswith(f"line {number}, {field} ")


def test_a_duplicate_names_both_lines():
    with pytest.raises(wc.CalendarError) as error:
        wc.parse_schedule("2030-01-01,holiday\n2030-01-01,workday\n")
    assert error.value.message == "line 2, date '2030-01-01': also on line 1"


def test_a_schedule_merges_into_a_calendar():
    calendar = OFFICE.with_days(wc.parse_schedule(SCHEDULE))
    # 2030-01-26 is a Saturday worked with Friday's hours; 2030-02-01 is a Friday.
    assert calendar.is_open(at("2030-01-26 10:00"))
    assert calendar.add_business_time(at("2030-02-01 17:00"), timedelta(hours=2)) == at(
        "2030-02-06 10:00"
    )


# -- the shipped 2025 schedule ------------------------------------------------------------------

# The notice's own words for the make-up working days (国办发明电〔2024〕12号).
NOTICE_WORKDAYS = {
    date(2025, 1, 26): "周日",
    date(2025, 2, 8): "周六",
    date(2025, 4, 27): "周日",
    date(2025, 9, 28): "周日",
    date(2025, 10, 11): "周六",
}
# First and last day of each break, with the weekdays the notice gives for them.
NOTICE_BREAKS = {
    "元旦": (date(2025, 1, 1), "周三", date(2025, 1, 1), "周三"),
    "春节": (date(2025, 1, 28), "周二", date(2025, 2, 4), "周二"),
    "清明节": (date(2025, 4, 4), "周五", date(2025, 4, 6), "周日"),
    "劳动节": (date(2025, 5, 1), "周四", date(2025, 5, 5), "周一"),
    "端午节": (date(2025, 5, 31), "周六", date(2025, 6, 2), "周一"),
    "国庆节、中秋节": (date(2025, 10, 1), "周三", date(2025, 10, 8), "周三"),
}
CN_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def test_the_2025_schedule_matches_the_notice():
    days = workcalendar_cn.official_days(2025)
    workdays = {d.day: d for d in days if d.kind == "workday"}
    assert set(workdays) == set(NOTICE_WORKDAYS)
    for day, weekday in NOTICE_WORKDAYS.items():
        assert CN_WEEKDAYS[day.weekday()] == weekday
        assert weekday in workdays[day].name
    holidays = [d for d in days if d.kind == "holiday"]
    assert len(holidays) == 1 + 8 + 3 + 5 + 3 + 8
    for name, (first, first_weekday, last, last_weekday) in NOTICE_BREAKS.items():
        assert (CN_WEEKDAYS[first.weekday()], CN_WEEKDAYS[last.weekday()]) == (
            first_weekday,
            last_weekday,
        )
        assert [d.day for d in holidays if d.name == name] == [
            first + timedelta(days=i) for i in range((last - first).days + 1)
        ]


def test_the_default_calendar_follows_the_2025_schedule():
    calendar = workcalendar_cn.default_calendar()
    assert not calendar.is_open(at("2025-10-08 10:00"))  # 国庆 (a Wednesday)
    assert calendar.is_open(at("2025-10-11 10:00"))  # make-up Saturday
    assert calendar.add_business_time(at("2025-09-30 17:00"), timedelta(hours=2)) == at(
        "2025-10-09 10:00"
    )


def test_a_year_that_is_not_shipped_is_refused():
    with pytest.raises(wc.CalendarError) as error:
        workcalendar_cn.official_days(2031)
    assert error.value.code == workcalendar_cn.NO_OFFICIAL_SCHEDULE
