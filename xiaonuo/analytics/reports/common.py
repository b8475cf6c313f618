"""Shared by the reports: the workspace's events with merges applied, and period arithmetic.

Periods are integers: ``day`` counts local days since 1970-01-01, a week starts on Monday
(1970-01-05 is day 4, so week = (day + 3) // 7), a month is year * 12 + month - 1. Integer
arithmetic is exact on every engine, and the Python below turns numbers back into dates.
"""

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import ibis
from ibis.expr.types import IntegerColumn, Table

from xiaonuo.analytics.sources import ANONYMOUS, MERGES, RAW, Inputs

EPOCH = date(1970, 1, 1)


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def events(inputs: Inputs, *, as_of_ts: int) -> Table:
    """Track events of known customers up to ``as_of_ts``, each under its current customer:
    anonymous ids identified later are resolved, then merged ids mapped to their survivor.
    Events after ``as_of_ts`` (clocks in the future, or a report "as of" an earlier day) and
    events of people never identified are left out."""
    t = RAW
    if inputs.has_anonymous:
        t = t.left_join(ANONYMOUS, t.anonymous_id == ANONYMOUS.anon_id)
        t = t.mutate(customer_id=ibis.coalesce(t.customer_id, t.known_customer_id)).drop(
            "anon_id", "known_customer_id"
        )
    if inputs.has_merges:
        t = t.left_join(MERGES, t.customer_id == MERGES.merged_id)
        t = t.mutate(customer_id=ibis.coalesce(t.survivor_id, t.customer_id)).drop(
            "merged_id", "survivor_id"
        )
    return t.filter(t.customer_id.notnull(), t.ts <= as_of_ts)


def period_column(t: Table, period: Period) -> IntegerColumn:
    if period == Period.DAY:
        return t.day
    if period == Period.WEEK:
        return (t.day + 3) // 7
    return t.month


def local_day(moment: datetime, zone: str) -> int:
    return (moment.astimezone(ZoneInfo(zone)).date() - EPOCH).days


def period_of_day(day: int, period: Period) -> int:
    if period == Period.DAY:
        return day
    if period == Period.WEEK:
        return (day + 3) // 7
    d = EPOCH + timedelta(days=day)
    return d.year * 12 + d.month - 1


def period_start(number: int, period: Period) -> date:
    if period == Period.DAY:
        return EPOCH + timedelta(days=number)
    if period == Period.WEEK:
        return EPOCH + timedelta(days=number * 7 - 3)
    return date(number // 12, number % 12 + 1, 1)


def epoch_seconds(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() // 1)
