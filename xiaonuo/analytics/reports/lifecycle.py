"""Lifecycle per period (new / returning / resurrecting / dormant) and DAU / WAU / MAU.

A customer active in period p is *new* if p is their first active period, *returning* if they
were active in p - 1 too, *resurrecting* otherwise; one active in p - 1 but not in p is *dormant*
in p (shown below the axis). WAU on day d counts customers active in d-6 … d, MAU d-29 … d;
stickiness is DAU / MAU.

The rolling counts avoid expanding every active day 30 times: a customer's activity on day x
covers days x … x+W-1; consecutive active days overlap, so each active day adds only the part
of its span not covered by the previous one (``lag``). Those +1/-1 steps are summed per day by
the engine and accumulated in Python over at most a few hundred days.
"""

from dataclasses import dataclass

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from xiaonuo.analytics.reports.common import Period, events, period_column, period_start
from xiaonuo.analytics.sources import Inputs

STATUSES = ("new", "returning", "resurrecting", "dormant")


@dataclass(frozen=True)
class LifecycleRow:
    period: object  # date the period starts
    new: int
    returning: int
    resurrecting: int
    dormant: int  # a count; charts draw it negative


@dataclass(frozen=True)
class ActiveRow:
    day: object
    dau: int
    wau: int
    mau: int
    stickiness: float  # DAU / MAU


def lifecycle_expression(inputs: Inputs, period: Period, *, as_of_ts: int) -> Table:
    t = events(inputs, as_of_ts=as_of_ts)
    a = t.select("customer_id", p=period_column(t, period)).distinct()
    first = a.group_by("customer_id").agg(first=a.p.min())
    prev = a.select(prev_customer=a.customer_id, prev_p=a.p + 1)
    cur = a.join(first, "customer_id").left_join(
        prev, [a.customer_id == prev.prev_customer, a.p == prev.prev_p]
    )
    status = ibis.cases(
        (cur.p == cur.first, "new"),
        (cur.prev_p.notnull(), "returning"),
        else_="resurrecting",
    )
    active = cur.select(p=cur.p, status=status)
    gone = prev.anti_join(a, [prev.prev_customer == a.customer_id, prev.prev_p == a.p])
    dormant = gone.select(p=gone.prev_p, status=ibis.literal("dormant"))
    both = active.union(dormant)
    return both.group_by(["p", "status"]).agg(customers=both.p.count())


def shape_lifecycle(result: pa.Table, period: Period, *, last_period: int) -> list[LifecycleRow]:
    counts: dict[int, dict[str, int]] = {}
    for r in result.to_pylist():
        if r["p"] <= last_period:
            counts.setdefault(r["p"], {})[r["status"]] = r["customers"]
    if not counts:
        return []
    return [
        LifecycleRow(
            period=period_start(p, period), **{s: counts.get(p, {}).get(s, 0) for s in STATUSES}
        )
        for p in range(min(counts), last_period + 1)
    ]


def active_expressions(inputs: Inputs, *, as_of_ts: int) -> tuple[Table, Table, Table]:
    t = events(inputs, as_of_ts=as_of_ts)
    d = t.select("customer_id", "day").distinct()
    dau = d.group_by("day").agg(customers=d.customer_id.count())
    prev = d.mutate(prev=d.day.lag().over(group_by="customer_id", order_by="day"))
    return dau, _steps(prev, 7), _steps(prev, 30)


def _steps(d: Table, width: int) -> Table:
    start = ibis.greatest(d.day, (d.prev + width).fill_null(d.day))
    spans = d.select(start=start, end=d.day + width).filter(lambda r: r.start < r.end)
    up = spans.select(day=spans.start, delta=ibis.literal(1, "int64"))
    down = spans.select(day=spans.end, delta=ibis.literal(-1, "int64"))
    both = up.union(down, distinct=False)
    return both.group_by("day").agg(delta=both.delta.sum())


def shape_active(
    dau: pa.Table, wau: pa.Table, mau: pa.Table, *, first_day: int, last_day: int
) -> list[ActiveRow]:
    daily = {r["day"]: r["customers"] for r in dau.to_pylist()}
    if not daily:
        return []
    rows = []
    running = {7: 0, 30: 0}
    steps = {
        7: {r["day"]: r["delta"] for r in wau.to_pylist()},
        30: {r["day"]: r["delta"] for r in mau.to_pylist()},
    }
    start = min(min(daily), first_day)
    for day in range(start, last_day + 1):
        for width in running:
            running[width] += steps[width].get(day, 0)
        if day >= first_day:
            n, month = daily.get(day, 0), running[30]
            rows.append(
                ActiveRow(
                    day=period_start(day, Period.DAY),
                    dau=n,
                    wau=running[7],
                    mau=month,
                    stickiness=round(n / month, 4) if month else 0.0,
                )
            )
    return rows
