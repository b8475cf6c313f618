"""Fixed calendars written out in full, shared by the workcalendar tests.

Dates are from January and February 2025: 1 January 2025 is a Wednesday, so Friday 3 January,
Saturday 4, Sunday 5, Monday 6; the 春节 break below runs Tuesday 28 January to Tuesday
4 February with Sunday 26 January and Saturday 8 February worked.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from xiaonuo.lib.workcalendar import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

WORKING_DAYS = ("mon", "tue", "wed", "thu", "fri")

# A Chinese company week with a lunch break: 7.5 business hours a day.
OFFICE = WorkCalendar.weekly({day: ["09:00-12:00", "13:30-18:00"] for day in WORKING_DAYS})

# The same office through 元旦 and a 春节 week, entered as the desk's JSON.
SPRING_FESTIVAL = WorkCalendar.from_json(
    {
        "timezone": "Asia/Shanghai",
        "week": {day: ["09:00-12:00", "13:30-18:00"] for day in WORKING_DAYS},
        "makeup_hours_of": "mon",
        "days": [
            {"date": "2025-01-01", "kind": "holiday", "name": "元旦"},
            {"date": "2025-01-26", "kind": "workday", "name": "春节调休"},
            *(
                {"date": f"2025-01-{d}", "kind": "holiday", "name": "春节"}
                for d in ("28", "29", "30", "31")
            ),
            *(
                {"date": f"2025-02-0{d}", "kind": "holiday", "name": "春节"}
                for d in ("1", "2", "3", "4")
            ),
            # The make-up Saturday keeps short hours of its own.
            {
                "date": "2025-02-08",
                "kind": "workday",
                "name": "春节调休",
                "periods": ["10:00-16:00"],
            },
        ],
    }
)

# A night desk: Monday to Friday nights, each shift ending the next morning.
NIGHT = WorkCalendar.weekly({day: ["22:00-06:00"] for day in WORKING_DAYS})

ALWAYS = WorkCalendar.always_open()

# Never open: every question that needs an open moment must fail, not loop.
EMPTY = WorkCalendar.weekly({})


def at(text: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """``at("2025-01-03 17:00")``: a wall-clock time in ``tz``."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)
