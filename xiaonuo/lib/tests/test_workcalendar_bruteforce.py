"""Property-style cross-check: random calendars and random questions (seeded), answered again by
a brute-force walk over every minute that knows nothing of the compiled intervals.

The walk's rule is the plain definition: a minute is open when the wall clock at that minute
falls inside a period of the day the period starts on. That rule and the calendar's agree when
the clocks skip an hour (a boundary in the gap opens or closes when the gap ends), and when
they repeat one unless a boundary lies inside the repeated hour, where the calendar takes the
first pass; so only the autumn calendars keep their boundaries out of 02:00-03:00.
"""

import random
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import pytest

from xiaonuo.lib.workcalendar import WEEKDAYS, CalendarError, WorkCalendar

MINUTE = timedelta(minutes=1)
DST_HOUR = range(120, 181)


def _clock(minutes: int) -> str:
    shown = minutes if minutes == 1440 else minutes % 1440
    return f"{shown // 60:02d}:{shown % 60:02d}"


def _random_periods(rng: random.Random, avoid: range | None) -> list[tuple[int, int]]:
    if rng.random() < 0.05:
        return [(0, 1440)]
    count = rng.choice([0, 0, 1, 1, 2, 3])
    points = sorted(rng.sample(range(0, 1800), 2 * count))
    periods = []
    for start, end in zip(points[::2], points[1::2], strict=True):
        if start >= 1440 or end - start >= 1440:
            continue
        if avoid is not None and (start % 1440 in avoid or end % 1440 in avoid):
            continue
        periods.append((start, end))
    return periods


def _random_calendar(rng: random.Random, timezone: str, first: date, days: int, avoid):
    """(calendar, week, specials) where week and specials are the plain minutes the walk uses."""
    while True:
        week = [_random_periods(rng, avoid) for _ in range(7)]
        specials: dict[date, tuple[str, int | None, list[tuple[int, int]] | None]] = {}
        for _ in range(rng.randint(0, 10)):
            day = first + timedelta(days=rng.randrange(days))
            roll = rng.random()
            if roll < 0.45:
                specials[day] = ("holiday", None, None)
            elif roll < 0.6:  # a make-up day with the calendar's default hours
                specials[day] = ("workday", None, None)
            elif roll < 0.8:
                specials[day] = ("workday", rng.randrange(7), None)
            else:
                specials[day] = ("workday", None, _random_periods(rng, avoid) or [(600, 660)])
        description = {
            "timezone": timezone,
            "week": {
                WEEKDAYS[i]: [f"{_clock(s)}-{_clock(e)}" for s, e in p] for i, p in enumerate(week)
            },
            "makeup_hours_of": "tue",
            "days": [
                {"date": day.isoformat(), "kind": kind}
                | ({"hours_of": WEEKDAYS[weekday]} if weekday is not None else {})
                | ({"periods": [f"{_clock(s)}-{_clock(e)}" for s, e in own]} if own else {})
                for day, (kind, weekday, own) in specials.items()
            ],
        }
        try:
            return WorkCalendar.from_json(description), week, specials
        except CalendarError:
            continue  # overlapping random periods: draw again


class Walk:
    """Every UTC minute of the window, open or not, by the plain definition."""

    def __init__(self, week, specials, tz: ZoneInfo, first: date, days: int):
        self.tz = tz
        base = first - timedelta(days=1)  # the day before can reach in with a night shift
        wall_open = bytearray((days + 3) * 1440)
        for offset in range(days + 1):
            day = base + timedelta(days=offset)
            kind, weekday, own = specials.get(day, ("week", None, None))
            if kind == "holiday":
                periods = []
            elif kind == "workday":
                periods = own if own is not None else week[1 if weekday is None else weekday]
            else:
                periods = week[day.weekday()]
            for start, end in periods:
                for minute in range(offset * 1440 + start, offset * 1440 + end):
                    wall_open[minute] = 1
        self.start = datetime(first.year, first.month, first.day, tzinfo=tz).astimezone(UTC)
        end = first + timedelta(days=days)
        self.size = (
            datetime(end.year, end.month, end.day, tzinfo=tz).astimezone(UTC) - self.start
        ) // MINUTE
        wall_base = datetime(base.year, base.month, base.day)  # noqa: DTZ001 - wall-clock arithmetic
        self.open = bytearray(self.size)
        for hour in range(self.size // 60):
            # Both zones change their offset only on whole UTC hours.
            local = (self.start + timedelta(hours=hour)).astimezone(tz).replace(tzinfo=None)
            wall = (local - wall_base) // MINUTE
            self.open[hour * 60 : hour * 60 + 60] = wall_open[wall : wall + 60]
        self.before = [0, *accumulate(self.open)]  # open minutes before minute i

    def instant(self, minute: int) -> datetime:
        return (self.start + minute * MINUTE).astimezone(self.tz)

    def due(self, minute: int, duration: int) -> int | None:
        found = bisect_left(self.before, self.before[minute] + duration)
        return found if found < len(self.before) else None

    def warn(self, minute: int, duration: int) -> int | None:
        target = self.before[minute] - duration
        return bisect_left(self.before, target) if target > 0 else None

    def next_open(self, minute: int) -> int | None:
        return next((m for m in range(minute, self.size) if self.open[m]), None)


WINDOWS = [
    ("Asia/Shanghai", date(2024, 12, 1), 100, None),  # year end and 春节 season
    ("Europe/Berlin", date(2025, 3, 1), 70, None),  # clocks forward on 30 March
    ("Europe/Berlin", date(2025, 10, 1), 100, DST_HOUR),  # clocks back on 26 October; year end
]


@pytest.mark.parametrize(("timezone", "first", "days", "avoid"), WINDOWS)
def test_random_calendars_agree_with_a_minute_by_minute_walk(timezone, first, days, avoid):
    rng = random.Random(f"{timezone}-{first}")  # seeded: the same cases on every run
    checked = 0
    for _ in range(25):
        calendar, week, specials = _random_calendar(rng, timezone, first, days, avoid)
        walk = Walk(week, specials, calendar.tz, first, days)
        for _ in range(40):
            minute = rng.randrange(1440, walk.size - 1440)
            duration = rng.choice(
                [rng.randint(1, 120), rng.randint(1, 3000), rng.randint(1, 12000)]
            )
            at = walk.instant(minute)
            assert calendar.is_open(at) is bool(walk.open[minute]), at
            opens = walk.next_open(minute)
            if opens is not None:
                assert calendar.next_open(at) == walk.instant(opens), at
            due = walk.due(minute, duration)
            if due is not None:
                assert calendar.add_business_time(at, duration * MINUTE) == walk.instant(due), (
                    at,
                    duration,
                )
                checked += 1
            warn = walk.warn(minute, duration)
            if warn is not None:
                assert calendar.subtract_business_time(at, duration * MINUTE) == walk.instant(warn)
            other = rng.randrange(0, walk.size)
            assert calendar.business_time_between(at, walk.instant(other)) == MINUTE * (
                walk.before[other] - walk.before[minute]
            )
    assert checked > 500  # most questions had an answer inside the window
