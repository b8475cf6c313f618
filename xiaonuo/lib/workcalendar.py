"""Business-hours calendars and SLA timer arithmetic, free of any domain or database.

A ``WorkCalendar`` says when a team is at work, in the wall-clock time of one time zone:

- a **week**: for each weekday, zero or more periods such as ``09:00-12:00`` and
  ``13:30-18:00``. A period whose end is not after its start runs past midnight
  (``22:00-02:00``) and belongs to the day it *starts* on; ``00:00-24:00`` is a whole day,
  so 24×7 is seven of those;
- **special days** that override the week for one date: a ``holiday`` (no periods start on that
  date) or a ``workday`` (a make-up working day, 调休上班: it has the hours of a named weekday,
  its own periods, or by default those of ``makeup_hours_of``).

The calendar is a frozen dataclass that round-trips through plain JSON (``to_json`` /
``from_json``), so a model can keep it in a JSONField. Official schedules are entered as text
(``parse_schedule``) and merged with ``with_days``.

Arithmetic (``is_open``, ``next_open``, ``add_business_time``, ``subtract_business_time``,
``business_time_between``) works on real elapsed time between aware datetimes. Each period is
one contiguous stretch of real time: from the first instant the wall clock reads its start to
the first instant it reads its end. Across a DST jump forward, a boundary inside the skipped
hour moves to the end of the jump; across a jump back, a boundary in the repeated hour is taken
on its first pass. So a 22:00-06:00 night shift is 9 real hours on the night the clocks go back
and 7 on the night they go forward, which is what the people on shift actually work.

How it is fast: the calendar lazily compiles whole local years into sorted arrays of open
intervals (epoch microseconds) with running totals of open time, so every query is two binary
searches. See docs/decisions/0007-business-hours-calendar.md.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xiaonuo.lib.errors import ServiceError

# Error codes, stable for API clients and for the desk's translated messages.
INVALID_PERIOD = "calendar_invalid_period"  # not "HH:MM-HH:MM" with real clock times
EMPTY_PERIOD = "calendar_empty_period"  # start == end: neither 0 nor 24 hours is implied
OVERLAPPING_PERIODS = (
    "calendar_overlapping_periods"  # two periods share time (also across midnight)
)
UNKNOWN_WEEKDAY = "calendar_unknown_weekday"  # a weekday name that is not mon…sun / 周一…周日
INVALID_DATE = "calendar_invalid_date"  # not an existing YYYY-MM-DD date
DUPLICATE_DATE = "calendar_duplicate_date"  # one date listed twice in one description
INVALID_DAY = "calendar_invalid_day"  # a special day whose kind or hours make no sense
UNKNOWN_TIMEZONE = "calendar_unknown_timezone"  # not an IANA zone name known to this machine
INVALID_CALENDAR = "calendar_invalid"  # the JSON description is not the documented shape
INVALID_SCHEDULE = "calendar_schedule_invalid"  # a line of schedule text is wrong (line, field)
NAIVE_DATETIME = "calendar_naive_datetime"  # a datetime without tzinfo: ambiguous, refused
NEGATIVE_DURATION = "calendar_negative_duration"  # durations to add or subtract must be >= 0
NEVER_OPEN = "calendar_never_open"  # no business time at all in the direction asked
OUT_OF_RANGE = "calendar_out_of_range"  # the answer would fall outside years 2…9998

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(("周一", "周二", "周三", "周四", "周五", "周六", "周日"))},
    **{
        name: i
        for i, name in enumerate(("星期一", "星期二", "星期三", "星期四", "星期五", "星期六"))
    },
    "周天": 6,
    "星期日": 6,
    "星期天": 6,
}
DEFAULT_TIMEZONE = "Asia/Shanghai"
DayKind = Literal["holiday", "workday"]

_DAY_MINUTES = 24 * 60
_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# Years we compile. datetime stops at 9999, and a period of 31 December runs into the next year.
_MIN_YEAR, _MAX_YEAR = 2, 9998
# A schedule line "2025-01-28~2025-02-04" covers at most this many days: a longer range is
# almost certainly a typo in the year (the longest official break, 春节, is 8-9 days).
_MAX_RANGE_DAYS = 31


class CalendarError(ServiceError, ValueError):
    """A calendar description or a calendar query was refused; ``code`` is one of the constants
    above, ``message`` is for developers (the desk translates what it shows to people)."""


# ---------------------------------------------------------------------------------------------
# The description


@dataclass(frozen=True, slots=True)
class Period:
    """Business hours within one day, in minutes after that day's local midnight.

    ``end`` may pass 1440: ``22:00-02:00`` is ``Period(1320, 1560)`` and belongs to the day on
    which it starts."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (
            0 <= self.start < _DAY_MINUTES and self.start < self.end <= self.start + _DAY_MINUTES
        ):
            raise CalendarError(
                INVALID_PERIOD, f"period minutes {self.start}-{self.end} out of range"
            )

    @classmethod
    def parse(cls, text: str, *, where: str = "period") -> Period:
        match = _PERIOD_RE.match(text) if isinstance(text, str) else None
        if match is None:
            raise CalendarError(
                INVALID_PERIOD, f"{where}: {text!r} is not HH:MM-HH:MM", where=where, value=text
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
            raise CalendarError(
                INVALID_PERIOD, f"{where}: {text!r} is not a clock time", where=where, value=text
            )
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end == start:
            raise CalendarError(
                EMPTY_PERIOD,
                f"{where}: {text!r} starts when it ends; write 00:00-24:00 for a whole day",
                where=where,
                value=text,
            )
        if end < start:  # runs past midnight into the next day
            end += _DAY_MINUTES
        return cls(start, end)

    def __str__(self) -> str:
        end = self.end if self.end == _DAY_MINUTES else self.end % _DAY_MINUTES
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """One date that does not follow the week.

    ``holiday``: no period starts on this date (a night shift that started the evening before
    still ends normally). ``workday``: a working day with the hours of weekday ``hours_of``
    (0 = Monday), or its own ``periods``, or when neither is given the calendar's
    ``makeup_hours_of``."""

    day: date
    kind: DayKind
    name: str = ""
    hours_of: int | None = None
    periods: tuple[Period, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("holiday", "workday"):
            raise CalendarError(
                INVALID_DAY, f"{self.day}: kind {self.kind!r} is not holiday/workday"
            )
        if self.kind == "holiday" and (self.hours_of is not None or self.periods is not None):
            raise CalendarError(INVALID_DAY, f"{self.day}: a holiday has no hours")
        if self.hours_of is not None and self.periods is not None:
            raise CalendarError(INVALID_DAY, f"{self.day}: give hours_of or periods, not both")
        if self.hours_of is not None and not 0 <= self.hours_of <= 6:
            raise CalendarError(UNKNOWN_WEEKDAY, f"{self.day}: weekday {self.hours_of} is not 0-6")
        if self.periods is not None:
            object.__setattr__(self, "periods", _in_order(self.periods, where=str(self.day)))


@dataclass(frozen=True)
class WorkCalendar:
    """When a team is at work. Build with ``from_json``, ``weekly`` or ``always_open``."""

    week: tuple[tuple[Period, ...], ...]  # 7 entries, Monday first
    timezone: str = DEFAULT_TIMEZONE
    days: tuple[SpecialDay, ...] = ()  # sorted by date, one entry per date
    makeup_hours_of: int = 0  # a make-up workday without hours works like this weekday
    _compiled: _Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise CalendarError(INVALID_CALENDAR, "week must have 7 days, Monday first")
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise CalendarError(
                UNKNOWN_TIMEZONE, f"unknown time zone {self.timezone!r}", value=self.timezone
            ) from None
        if not 0 <= self.makeup_hours_of <= 6:
            raise CalendarError(
                UNKNOWN_WEEKDAY, f"makeup_hours_of {self.makeup_hours_of} is not 0-6"
            )
        week = tuple(_in_order(tuple(p), where=WEEKDAYS[i]) for i, p in enumerate(self.week))
        object.__setattr__(self, "week", week)
        by_date: dict[date, SpecialDay] = {}
        for special in self.days:
            if special.day in by_date:
                raise CalendarError(
                    DUPLICATE_DATE, f"{special.day} is listed twice", value=str(special.day)
                )
            by_date[special.day] = special
        object.__setattr__(self, "days", tuple(sorted(self.days, key=lambda s: s.day)))
        object.__setattr__(self, "_compiled", _Compiled(self, tz, by_date))
        self._check_neighbours()

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def weekly(
        cls,
        week: dict[str, list[str]],
        *,
        timezone: str = DEFAULT_TIMEZONE,
        days: tuple[SpecialDay, ...] = (),
        makeup_hours_of: str = "mon",
    ) -> WorkCalendar:
        """``WorkCalendar.weekly({"mon": ["09:00-12:00", "13:30-18:00"], …})``; a weekday left
        out is closed."""
        return cls(
            week=_parse_week(week),
            timezone=timezone,
            days=days,
            makeup_hours_of=parse_weekday(makeup_hours_of, where="makeup_hours_of"),
        )

    @classmethod
    def always_open(cls, *, timezone: str = DEFAULT_TIMEZONE) -> WorkCalendar:
        """24×7: business time is wall time."""
        return cls(week=((Period(0, _DAY_MINUTES),),) * 7, timezone=timezone)

    def with_days(self, days: tuple[SpecialDay, ...] | list[SpecialDay]) -> WorkCalendar:
        """A copy with these special days added; an entry for a date already present replaces it,
        so re-importing a corrected official schedule just works."""
        merged = {s.day: s for s in self.days}
        merged.update({s.day: s for s in days})
        return replace(self, days=tuple(merged.values()))

    def without_days(self, *, year: int) -> WorkCalendar:
        """A copy with every special day of ``year`` removed (before importing a new version)."""
        return replace(self, days=tuple(s for s in self.days if s.day.year != year))

    def to_json(self) -> dict[str, Any]:
        """A plain JSON-serialisable dict; ``from_json(cal.to_json()) == cal``."""
        days: list[dict[str, Any]] = []
        for special in self.days:
            entry: dict[str, Any] = {"date": special.day.isoformat(), "kind": special.kind}
            if special.name:
                entry["name"] = special.name
            if special.hours_of is not None:
                entry["hours_of"] = WEEKDAYS[special.hours_of]
            if special.periods is not None:
                entry["periods"] = [str(p) for p in special.periods]
            days.append(entry)
        return {
            "version": 1,
            "timezone": self.timezone,
            "week": {WEEKDAYS[i]: [str(p) for p in periods] for i, periods in enumerate(self.week)},
            "makeup_hours_of": WEEKDAYS[self.makeup_hours_of],
            "days": days,
        }

    @classmethod
    def from_json(cls, data: Any) -> WorkCalendar:
        """The inverse of ``to_json``; every problem is a CalendarError naming where it is."""
        if not isinstance(data, dict):
            raise CalendarError(INVALID_CALENDAR, "a calendar is a JSON object")
        unknown = set(data) - {"version", "timezone", "week", "makeup_hours_of", "days"}
        if unknown:
            raise CalendarError(INVALID_CALENDAR, f"unknown keys {sorted(unknown)}")
        if data.get("version", 1) != 1:
            raise CalendarError(INVALID_CALENDAR, f"unsupported version {data.get('version')!r}")
        week = data.get("week", {})
        if not isinstance(week, dict):
            raise CalendarError(INVALID_CALENDAR, "week is an object such as {'mon': [...]}")
        raw_days = data.get("days", [])
        if not isinstance(raw_days, list):
            raise CalendarError(INVALID_CALENDAR, "days is a list")
        return cls.weekly(
            week,
            timezone=_text(data.get("timezone", DEFAULT_TIMEZONE), "timezone"),
            days=tuple(_day_from_json(entry, i) for i, entry in enumerate(raw_days)),
            makeup_hours_of=_text(data.get("makeup_hours_of", "mon"), "makeup_hours_of"),
        )

    # -- queries -----------------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self._compiled.tz

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The periods that start on ``day`` after holidays and make-up days are applied."""
        return self._compiled.periods_on(day)

    def hours_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open stretches that start on ``day``, as aware datetimes in the calendar's zone."""
        tz = self.tz
        out = []
        for period in self.periods_on(day):
            start = _from_us(_wall_to_us(day, period.start, tz), tz)
            end = _from_us(_wall_to_us(day, period.end, tz), tz)
            if end > start:
                out.append((start, end))
        return out

    def is_open(self, at: datetime) -> bool:
        return self._compiled.is_open(_to_us(at))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the start of the next open stretch."""
        return _from_us(self._compiled.next_open(_to_us(at)), self.tz)

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of business time has passed since
        ``start``: the SLA due time. Zero duration gives ``start`` back."""
        micros = _duration_us(duration)
        if micros == 0:
            return start
        return _from_us(self._compiled.add(_to_us(start), micros), self.tz)

    def subtract_business_time(self, end: datetime, duration: timedelta) -> datetime:
        """The earliest instant from which exactly ``duration`` of business time remains until
        ``end`` — "warn 30 business minutes before the due time". When ``end`` falls outside
        business hours the answer may be the close of the previous open stretch, so a warning
        reaches the agents while they are still at work."""
        micros = _duration_us(duration)
        if micros == 0:
            return end
        return _from_us(self._compiled.subtract(_to_us(end), micros), self.tz)

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from ``a`` to ``b``; negative when ``b`` is before ``a`` (so
        ``business_time_between(now, due)`` is the time left, negative once breached)."""
        return timedelta(microseconds=self._compiled.between(_to_us(a), _to_us(b)))

    # -- validation across days -------------------------------------------------------------

    def _check_neighbours(self) -> None:
        """A period running past midnight must end before the next day's first period starts:
        check every pair of weekdays, and every special day against the days either side."""
        for weekday in range(7):
            _check_pair(
                self.week[weekday],
                self.week[(weekday + 1) % 7],
                where=f"{WEEKDAYS[weekday]}-{WEEKDAYS[(weekday + 1) % 7]}",
            )
        compiled = self._compiled
        for special in self.days:
            before, day, after = (special.day + timedelta(days=d) for d in (-1, 0, 1))
            _check_pair(
                compiled.periods_on(before), compiled.periods_on(day), where=f"{before}-{day}"
            )
            _check_pair(
                compiled.periods_on(day), compiled.periods_on(after), where=f"{day}-{after}"
            )


# ---------------------------------------------------------------------------------------------
# Official schedules as text


def parse_schedule(text: str) -> tuple[SpecialDay, ...]:
    """Special days from a small CSV text, one date (or range) per line::

        # comment lines and blank lines are skipped; a header line "date,kind,…" is optional
        date,kind,name,hours_of
        2025-01-01,holiday,元旦
        2025-01-28~2025-02-04,holiday,春节
        2025-01-26,workday,春节调休,mon

    ``kind`` is ``holiday`` (or 休 / 放假) or ``workday`` (or 班 / 上班); ``name`` and
    ``hours_of`` (a weekday, only for workdays) are optional. Errors name the line and field."""
    days: dict[date, tuple[int, SpecialDay]] = {}
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = [f.strip() for f in next(csv.reader([stripped]))]
        if fields[0].lower() == "date":
            continue
        for special in _schedule_line(fields, number):
            if special.day in days:
                first = days[special.day][0]
                raise _line_error(
                    number, "date", str(special.day), f"also on line {first}", code=DUPLICATE_DATE
                )
            days[special.day] = (number, special)
    return tuple(special for _, special in sorted(days.values(), key=lambda v: v[1].day))


def _schedule_line(fields: list[str], number: int) -> list[SpecialDay]:
    if len(fields) < 2 or len(fields) > 4:
        raise _line_error(number, "line", ",".join(fields), "expected date,kind[,name[,hours_of]]")
    fields += [""] * (4 - len(fields))
    raw_date, raw_kind, name, raw_weekday = fields
    kinds: dict[str, DayKind] = {
        "holiday": "holiday",
        "休": "holiday",
        "放假": "holiday",
        "workday": "workday",
        "班": "workday",
        "上班": "workday",
    }
    kind = kinds.get(raw_kind.lower())
    if kind is None:
        raise _line_error(number, "kind", raw_kind, "expected holiday or workday")
    if len(name) > 100:
        raise _line_error(number, "name", name[:20] + "…", "longer than 100 characters")
    hours_of = None
    if raw_weekday:
        if kind == "holiday":
            raise _line_error(number, "hours_of", raw_weekday, "a holiday has no hours")
        try:
            hours_of = parse_weekday(raw_weekday, where="hours_of")
        except CalendarError:
            raise _line_error(
                number, "hours_of", raw_weekday, "expected a weekday (mon…sun, 周一…周日)"
            ) from None
    first, tilde, last = raw_date.partition("~")
    start = _line_date(first, number)
    end = _line_date(last, number) if tilde else start
    if not 0 <= (end - start).days < _MAX_RANGE_DAYS:
        raise _line_error(
            number,
            "date",
            raw_date,
            f"a range runs forward and covers at most {_MAX_RANGE_DAYS} days",
        )
    return [
        SpecialDay(start + timedelta(days=i), kind, name, hours_of)
        for i in range((end - start).days + 1)
    ]


def _line_date(text: str, number: int) -> date:
    try:
        return parse_date(text.strip())
    except CalendarError:
        raise _line_error(number, "date", text, "expected an existing date YYYY-MM-DD") from None


def _line_error(
    number: int, field_name: str, value: str, problem: str, *, code: str = INVALID_SCHEDULE
) -> CalendarError:
    return CalendarError(
        code,
        f"line {number}, {field_name} {value!r}: {problem}",
        line=number,
        field=field_name,
        value=value,
    )


# ---------------------------------------------------------------------------------------------
# Small parsers shared with callers


def parse_weekday(name: str, *, where: str = "weekday") -> int:
    """0 for Monday … 6 for Sunday, from ``mon`` … ``sun`` or 周一 … 周日 / 星期一 … 星期日."""
    index = _WEEKDAY_ALIASES.get(name.strip().lower()) if isinstance(name, str) else None
    if index is None:
        raise CalendarError(
            UNKNOWN_WEEKDAY, f"{where}: unknown weekday {name!r}", where=where, value=name
        )
    return index


def parse_date(text: str, *, where: str = "date") -> date:
    """A strict ``YYYY-MM-DD`` (``date.fromisoformat`` alone also takes ``20250101``)."""
    if not isinstance(text, str) or not _DATE_RE.match(text):
        raise CalendarError(
            INVALID_DATE, f"{where}: {text!r} is not YYYY-MM-DD", where=where, value=text
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarError(
            INVALID_DATE, f"{where}: {text!r} is not a date", where=where, value=text
        ) from None


def _parse_week(week: dict[str, list[str]]) -> tuple[tuple[Period, ...], ...]:
    days: list[tuple[Period, ...]] = [()] * 7
    for name, texts in week.items():
        if name not in WEEKDAYS:
            raise CalendarError(
                UNKNOWN_WEEKDAY, f"week: unknown weekday {name!r} (mon…sun)", value=name
            )
        if not isinstance(texts, list):
            raise CalendarError(INVALID_CALENDAR, f"week.{name} is a list of periods")
        days[WEEKDAYS.index(name)] = tuple(
            Period.parse(t, where=f"week.{name}[{i}]") for i, t in enumerate(texts)
        )
    return tuple(days)


def _day_from_json(entry: Any, index: int) -> SpecialDay:
    where = f"days[{index}]"
    if not isinstance(entry, dict):
        raise CalendarError(INVALID_CALENDAR, f"{where} is an object")
    unknown = set(entry) - {"date", "kind", "name", "hours_of", "periods"}
    if unknown:
        raise CalendarError(INVALID_CALENDAR, f"{where}: unknown keys {sorted(unknown)}")
    day = parse_date(entry.get("date", ""), where=f"{where}.date")
    hours_of = entry.get("hours_of")
    periods = entry.get("periods")
    if periods is not None and not isinstance(periods, list):
        raise CalendarError(INVALID_CALENDAR, f"{where}.periods is a list")
    return SpecialDay(
        day=day,
        kind=entry.get("kind", ""),  # checked by SpecialDay
        name=_text(entry.get("name", ""), f"{where}.name"),
        hours_of=None if hours_of is None else parse_weekday(hours_of, where=f"{where}.hours_of"),
        periods=None
        if periods is None
        else tuple(Period.parse(p, where=f"{where}.periods[{i}]") for i, p in enumerate(periods)),
    )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise CalendarError(INVALID_CALENDAR, f"{where} is a string")
    return value


def _in_order(periods: tuple[Period, ...], *, where: str) -> tuple[Period, ...]:
    """The periods sorted by start (order carries no meaning, and a canonical order makes equal
    calendars compare equal), after checking that none overlaps the next."""
    ordered = tuple(sorted(periods, key=lambda p: p.start))
    for first, second in zip(ordered, ordered[1:], strict=False):
        if second.start < first.end:
            raise CalendarError(
                OVERLAPPING_PERIODS, f"{where}: {first} overlaps {second}", where=where
            )
    return ordered


def _check_pair(today: tuple[Period, ...], tomorrow: tuple[Period, ...], *, where: str) -> None:
    if today and tomorrow and today[-1].end > tomorrow[0].start + _DAY_MINUTES:
        raise CalendarError(
            OVERLAPPING_PERIODS,
            f"{where}: {today[-1]} runs into the next day's {tomorrow[0]}",
            where=where,
        )


# ---------------------------------------------------------------------------------------------
# The compiled timeline


def _to_us(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError(NAIVE_DATETIME, f"{at!r} has no time zone")
    return (at - _EPOCH) // _US


def _from_us(micros: int, tz: ZoneInfo) -> datetime:
    return (_EPOCH + timedelta(microseconds=micros)).astimezone(tz)


def _duration_us(duration: timedelta) -> int:
    if duration < timedelta(0):
        raise CalendarError(NEGATIVE_DURATION, f"duration {duration} is negative")
    return duration // _US


def _wall_to_us(day: date, minutes: int, tz: ZoneInfo) -> int:
    """The first instant at which the wall clock in ``tz`` reads ``day`` + ``minutes`` or later.

    Aware arithmetic in zoneinfo is wall-clock arithmetic with fold=0, which is the first pass
    of a repeated hour. A wall time inside a DST gap does not exist; fold=0 maps it past the
    gap by the gap's length, so we search back for the instant the gap ends instead."""
    wall = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes)
    micros = (wall - _EPOCH) // _US
    back = _from_us(micros, tz)
    if (back.hour, back.minute, back.day) == (wall.hour, wall.minute, wall.day):
        return micros
    # In a gap: the answer lies between the two readings of the wall time; the instant the
    # offset changes is the first one whose wall clock is already past ``wall``.
    low = (wall.replace(fold=1) - _EPOCH) // _US
    high = micros
    second = 1_000_000
    while high - low > second:
        middle = low + (high - low) // 2 // second * second
        if middle <= low:
            break
        if _from_us(middle, tz).replace(tzinfo=None) >= wall.replace(tzinfo=None):
            high = middle
        else:
            low = middle
    return high


class _Compiled:
    """Lazily compiled open intervals of whole local years; a snapshot is swapped in as a whole,
    so readers in other threads never see half-built arrays."""

    def __init__(self, calendar: WorkCalendar, tz: ZoneInfo, by_date: dict[date, SpecialDay]):
        self.calendar = calendar
        self.tz = tz
        self.by_date = by_date
        # The local years that can hold business time: searches stop outside them instead of
        # compiling year after year of nothing (an empty calendar is never open).
        self.open_years: tuple[int, int] | None = (_MIN_YEAR, _MAX_YEAR)
        if not any(calendar.week):
            years = [
                s.day.year for s in calendar.days if s.kind == "workday" and self.periods_on(s.day)
            ]
            self.open_years = (min(years), max(years)) if years else None
        self.snapshot: _Snapshot | None = None

    def periods_on(self, day: date) -> tuple[Period, ...]:
        special = self.by_date.get(day)
        if special is None:
            return self.calendar.week[day.weekday()]
        if special.kind == "holiday":
            return ()
        if special.periods is not None:
            return special.periods
        weekday = (
            special.hours_of if special.hours_of is not None else self.calendar.makeup_hours_of
        )
        return self.calendar.week[weekday]

    # -- building

    def _year_intervals(self, year: int) -> tuple[list[int], list[int]]:
        starts: list[int] = []
        ends: list[int] = []
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            for period in self.periods_on(day):
                start = _wall_to_us(day, period.start, self.tz)
                end = _wall_to_us(day, period.end, self.tz)
                if end <= start:  # swallowed by a DST gap
                    continue
                if ends and ends[-1] == start:  # 24×7 and back-to-back shifts: one stretch
                    ends[-1] = end
                else:
                    starts.append(start)
                    ends.append(end)
            day += one
        return starts, ends

    def _build(self, first: int, last: int) -> _Snapshot:
        starts: list[int] = []
        ends: list[int] = []
        for year in range(first, last + 1):
            year_starts, year_ends = self._year_intervals(year)
            if ends and year_starts and ends[-1] == year_starts[0]:
                ends[-1] = year_ends[0]
                year_starts, year_ends = year_starts[1:], year_ends[1:]
            starts += year_starts
            ends += year_ends
        return _Snapshot(first, last, starts, ends)

    def covering(self, *instants: int) -> _Snapshot:
        """A snapshot complete for every interval that could contain one of ``instants`` or
        start before it in its year: the instants' local years and the year before (31
        December's night shift runs into 1 January)."""
        years = [_from_us(micros, self.tz).year for micros in instants]
        low, high = min(years), max(years)
        if low <= _MIN_YEAR or high > _MAX_YEAR:
            raise CalendarError(OUT_OF_RANGE, f"years outside {_MIN_YEAR + 1}-{_MAX_YEAR}")
        snap = self.snapshot
        if snap is not None and snap.first < low and high <= snap.last:
            return snap
        first, last = low - 1, min(_MAX_YEAR, high + 1)
        # Grow the cached range when the new years are near it; far-away years get a fresh one
        # rather than compiling every year in between.
        if snap is not None and snap.first - 3 <= high and low <= snap.last + 3:
            first, last = min(first, snap.first), max(last, snap.last)
        snap = self._build(first, last)
        self.snapshot = snap
        return snap

    def _extend_forward(self, snap: _Snapshot) -> _Snapshot:
        year = snap.last + 1
        if year > _MAX_YEAR:
            raise CalendarError(OUT_OF_RANGE, f"no answer before the end of year {_MAX_YEAR}")
        if self.open_years is None or year > self.open_years[1]:
            raise CalendarError(NEVER_OPEN, "the calendar has no business hours from here on")
        starts, ends = self._year_intervals(year)
        snap = snap.appended(year, starts, ends)
        self.snapshot = snap
        return snap

    def _extend_backward(self, snap: _Snapshot) -> _Snapshot:
        year = snap.first - 1
        if year < _MIN_YEAR:
            raise CalendarError(OUT_OF_RANGE, f"no answer after the start of year {_MIN_YEAR}")
        if self.open_years is None or year < self.open_years[0]:
            raise CalendarError(NEVER_OPEN, "the calendar has no business hours before this")
        snap = self._build(year, snap.last)
        self.snapshot = snap
        return snap

    # -- queries

    def is_open(self, t: int) -> bool:
        snap = self.covering(t)
        k = bisect_right(snap.starts, t) - 1
        return k >= 0 and t < snap.ends[k]

    def next_open(self, t: int) -> int:
        snap = self.covering(t)
        k = bisect_right(snap.starts, t) - 1
        if k >= 0 and t < snap.ends[k]:
            return t
        while k + 1 >= len(snap.starts):
            snap = self._extend_forward(snap)
        return snap.starts[k + 1]

    def between(self, a: int, b: int) -> int:
        if b < a:
            return -self.between(b, a)
        snap = self.covering(a, b)
        return snap.elapsed(b) - snap.elapsed(a)

    def add(self, t: int, micros: int) -> int:
        snap = self.covering(t)
        target = snap.elapsed(t) + micros
        while not snap.cum_end or snap.cum_end[-1] < target:
            snap = self._extend_forward(snap)
        return snap.instant(target)

    def subtract(self, t: int, micros: int) -> int:
        snap = self.covering(t)
        # A target of exactly 0 would be the close of an interval before the snapshot.
        while snap.elapsed(t) - micros <= 0:
            snap = self._extend_backward(snap)
        return snap.instant(snap.elapsed(t) - micros)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    first: int  # local years compiled, inclusive
    last: int
    starts: list[int]  # interval starts, epoch µs, ascending, non-overlapping, never adjacent
    ends: list[int]
    cum_end: list[int] = field(default_factory=list)  # business µs from the first start to ends[i]

    def __post_init__(self) -> None:
        if not self.cum_end and self.starts:
            total = 0
            for start, end in zip(self.starts, self.ends, strict=True):
                total += end - start
                self.cum_end.append(total)

    def appended(self, year: int, starts: list[int], ends: list[int]) -> _Snapshot:
        own_starts, own_ends, cum = list(self.starts), list(self.ends), list(self.cum_end)
        if own_ends and starts and own_ends[-1] == starts[0]:
            cum[-1] += ends[0] - starts[0]
            own_ends[-1] = ends[0]
            starts, ends = starts[1:], ends[1:]
        total = cum[-1] if cum else 0
        for start, end in zip(starts, ends, strict=True):
            total += end - start
            cum.append(total)
        return _Snapshot(self.first, year, own_starts + starts, own_ends + ends, cum)

    def elapsed(self, t: int) -> int:
        """Business µs from the snapshot's first interval up to ``t``."""
        k = bisect_right(self.starts, t) - 1
        if k < 0:
            return 0
        start, end = self.starts[k], self.ends[k]
        return self.cum_end[k] - (end - start) + (min(t, end) - start)

    def instant(self, target: int) -> int:
        """The earliest instant at which ``elapsed`` reaches ``target`` (> 0, <= the total)."""
        i = bisect_left(self.cum_end, target)
        return self.ends[i] - (self.cum_end[i] - target)
