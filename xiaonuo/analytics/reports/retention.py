"""Cohort retention: who came back, period by period after their cohort period.

A customer's cohort is the period of their first event (or first ``cohort_event``); they count as
retained in period k when they did any event (or ``return_event``) in cohort period + k. Period 0
is the cohort period itself, so with "any event" its rate is 100 %. Breakdowns split each cohort
by a label: a property of the customer's first cohort event, or a per-customer label handed in
as ``xn_dims`` (seed user, complaint outcome, CSAT) — customers without one get ``default``.
"""

from dataclasses import dataclass

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from xiaonuo.analytics.reports.common import (
    Period,
    events,
    period_column,
    period_of_day,
    period_start,
)
from xiaonuo.analytics.sources import DIMS, Inputs


@dataclass(frozen=True)
class RetentionSpec:
    period: Period = Period.WEEK
    cohort_event: str | None = None
    return_event: str | None = None
    # "property" (the first cohort event's ``Columns.property_key``) or "dims" (``xn_dims``).
    breakdown: str | None = None
    default_segment: str = ""


@dataclass(frozen=True)
class RetentionRow:
    segment: str
    cohort: object  # date of the cohort period's first day
    period: int
    customers: int
    retained: int
    rate: float


def cohorts(inputs: Inputs, spec: RetentionSpec, *, as_of_ts: int) -> Table:
    """customer_id, cohort (period number), segment."""
    t = events(inputs, as_of_ts=as_of_ts)
    if spec.cohort_event:
        t = t.filter(t.name == spec.cohort_event)
    t = t.mutate(p=period_column(t, spec.period))
    if spec.breakdown == "property":
        order = ibis.window(group_by="customer_id", order_by=["ts", "message_id"])
        first = t.mutate(n=ibis.row_number().over(order)).filter(lambda r: r.n == 0)
        return first.select(
            "customer_id", cohort=first.p, segment=first.prop.fill_null(spec.default_segment)
        )
    c = t.group_by("customer_id").agg(cohort=t.p.min())
    if spec.breakdown == "dims":
        c = c.left_join(DIMS, c.customer_id == DIMS.dim_customer_id)
        return c.select("customer_id", "cohort", segment=c.value.fill_null(spec.default_segment))
    return c.mutate(segment=ibis.literal(spec.default_segment))


MAX_BITS = 62  # periods a per-customer bit set can hold in a signed 64-bit integer


def fast_base(inputs: Inputs, spec: RetentionSpec, *, last_period: int, engine: str) -> int | None:
    """The first period, when every period up to ``last_period`` fits in a bit set. Not on
    Spark: Ibis 12 has no rule for BIT_OR there (the general path gives the same rows)."""
    if inputs.first_day is None or spec.breakdown == "property" or engine == "spark":
        return None
    base = period_of_day(inputs.first_day, spec.period)
    return base if 0 <= last_period - base <= MAX_BITS else None


def bits_expression(
    inputs: Inputs, spec: RetentionSpec, *, as_of_ts: int, base: int, width: int
) -> Table:
    """The fast path, one aggregation per customer instead of one per (customer, period): each
    customer's cohort period and the set of periods they returned in, as bits of one integer;
    then per cohort, the sum of bit k of (set >> cohort) is the number retained in period k.
    About 4× less hashing than distinct (customer, period) pairs at 10M events."""
    t = events(inputs, as_of_ts=as_of_ts)
    p = period_column(t, spec.period)
    one = p * 0 + 1  # a BIGINT 1: a bare literal is a 32-bit integer in SQL and would overflow
    # Shift amounts are 32-bit: PostgreSQL has bigint << integer only, Spark shiftleft(long, int).
    bit = one << (p - base).cast("int32")
    cohort_where = t.name == spec.cohort_event if spec.cohort_event else None
    return_where = t.name == spec.return_event if spec.return_event else None
    c = t.group_by("customer_id").agg(
        cohort=p.min(where=cohort_where), mask=bit.bit_or(where=return_where)
    )
    c = c.filter(c.cohort.notnull())
    if spec.breakdown == "dims":
        c = c.left_join(DIMS, c.customer_id == DIMS.dim_customer_id)
        c = c.mutate(segment=c.value.fill_null(spec.default_segment))
    else:
        c = c.mutate(segment=ibis.literal(spec.default_segment))
    c = c.mutate(rel=c.mask.fill_null(0) >> (c.cohort - base).cast("int32"))
    return c.group_by(["segment", "cohort"]).agg(
        customers=c.count(), **{f"r{k}": ((c.rel >> k) & 1).sum() for k in range(width)}
    )


def split_bits(result: pa.Table, width: int) -> tuple[pa.Table, pa.Table]:
    rows = result.to_pylist()
    counts = [
        {"segment": r["segment"], "cohort": r["cohort"], "k": k, "retained": r[f"r{k}"]}
        for r in rows
        for k in range(width)
        if r[f"r{k}"]
    ]
    sizes = [
        {"segment": r["segment"], "cohort": r["cohort"], "customers": r["customers"]} for r in rows
    ]
    return pa.Table.from_pylist(sizes), pa.Table.from_pylist(counts)


def expression(inputs: Inputs, spec: RetentionSpec, *, as_of_ts: int) -> Table:
    """One query: retained customers per (segment, cohort, k), and each cohort's size as k = -1
    (one scan of the events instead of two)."""
    sizes, counts = expressions(inputs, spec, as_of_ts=as_of_ts)
    sizes = sizes.select("segment", "cohort", k=ibis.literal(-1, "int64"), retained="customers")
    return counts.select("segment", "cohort", "k", "retained").union(sizes, distinct=False)


def split(result: pa.Table) -> tuple[pa.Table, pa.Table]:
    rows = result.to_pylist()
    sizes = [
        {"segment": r["segment"], "cohort": r["cohort"], "customers": r["retained"]}
        for r in rows
        if r["k"] == -1
    ]
    return pa.Table.from_pylist(sizes), pa.Table.from_pylist([r for r in rows if r["k"] >= 0])


def expressions(inputs: Inputs, spec: RetentionSpec, *, as_of_ts: int) -> tuple[Table, Table]:
    c = cohorts(inputs, spec, as_of_ts=as_of_ts)
    t = events(inputs, as_of_ts=as_of_ts)
    if spec.return_event:
        t = t.filter(t.name == spec.return_event)
    active = t.select("customer_id", p=period_column(t, spec.period)).distinct()
    joined = c.join(active, "customer_id")
    joined = joined.mutate(k=joined.p - joined.cohort).filter(lambda r: r.k >= 0)
    counts = joined.group_by(["segment", "cohort", "k"]).agg(retained=joined.customer_id.count())
    sizes = c.group_by(["segment", "cohort"]).agg(customers=c.customer_id.count())
    return sizes, counts


def shape(
    sizes: pa.Table, counts: pa.Table, spec: RetentionSpec, *, last_period: int
) -> list[RetentionRow]:
    """Every (cohort, k) up to the last period, zeros included, oldest cohort first."""
    retained = {(r["segment"], r["cohort"], r["k"]): r["retained"] for r in counts.to_pylist()}
    if not sizes.num_rows:
        return []
    rows: list[RetentionRow] = []
    for size in sorted(sizes.to_pylist(), key=lambda r: (r["segment"], r["cohort"])):
        segment, cohort, customers = size["segment"], size["cohort"], size["customers"]
        for k in range(last_period - cohort + 1):
            n = retained.get((segment, cohort, k), 0)
            rows.append(
                RetentionRow(
                    segment=segment,
                    cohort=period_start(cohort, spec.period),
                    period=k,
                    customers=customers,
                    retained=n,
                    rate=round(n / customers, 4),
                )
            )
    return rows
