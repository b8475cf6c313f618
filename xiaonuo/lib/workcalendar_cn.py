"""Mainland China's official holiday schedules (法定节假日与调休), as ``parse_schedule`` text.

The State Council publishes each year's schedule in November or December of the year before, so
no library can know it in advance and none is guessed here: a year is listed only when its
notice is quoted below, with the notice's number and date. For any other year, a workspace
enters the schedule itself in the same text format (``workcalendar.parse_schedule``).
"""

from xiaonuo.lib.workcalendar import CalendarError, SpecialDay, WorkCalendar, parse_schedule

NO_OFFICIAL_SCHEDULE = "calendar_no_official_schedule"  # a year whose notice we do not ship

# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12), items 一 to 六.
# The weekday in brackets after a make-up workday is the notice's own; tests check each date
# against it.
_2025 = """\
date,kind,name
2025-01-01,holiday,元旦
2025-01-28~2025-02-04,holiday,春节
2025-01-26,workday,春节调休上班(周日)
2025-02-08,workday,春节调休上班(周六)
2025-04-04~2025-04-06,holiday,清明节
2025-05-01~2025-05-05,holiday,劳动节
2025-04-27,workday,劳动节调休上班(周日)
2025-05-31~2025-06-02,holiday,端午节
2025-10-01~2025-10-08,holiday,国庆节、中秋节
2025-09-28,workday,国庆节调休上班(周日)
2025-10-11,workday,国庆节调休上班(周六)
"""

OFFICIAL_SCHEDULES = {2025: _2025}


def official_days(year: int) -> tuple[SpecialDay, ...]:
    """The special days of the State Council's schedule for ``year``; CalendarError
    (calendar_no_official_schedule) for a year not shipped."""
    text = OFFICIAL_SCHEDULES.get(year)
    if text is None:
        raise CalendarError(
            NO_OFFICIAL_SCHEDULE,
            f"no official schedule for {year} is shipped; enter it as schedule text",
            year=year,
        )
    return parse_schedule(text)


def default_calendar() -> WorkCalendar:
    """A typical Chinese office: Monday to Friday 09:00-12:00 and 13:30-18:00 Beijing time, with
    every shipped official schedule (make-up workdays keep Monday's hours)."""
    office = ["09:00-12:00", "13:30-18:00"]
    calendar = WorkCalendar.weekly({day: office for day in ("mon", "tue", "wed", "thu", "fri")})
    for year in sorted(OFFICIAL_SCHEDULES):
        calendar = calendar.with_days(official_days(year))
    return calendar
