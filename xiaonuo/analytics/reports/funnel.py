"""Funnels with a conversion window.

A customer enters at their first ``steps[0]`` event since ``since_ts``; each next step is their
first event of that name at or after the previous step (strictly after, when a step repeats the
previous name), no later than the entry plus ``window_seconds``. So step n counts customers who
did the steps in order within the window from entering.
"""

from dataclasses import dataclass

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from xiaonuo.analytics.reports.common import events
from xiaonuo.analytics.sources import Inputs


@dataclass(frozen=True)
class FunnelRow:
    step: int  # 1-based
    event: str
    customers: int
    conversion: float  # of step 1
    from_previous: float


def expression(
    inputs: Inputs, steps: list[str], *, window_seconds: int, since_ts: int, as_of_ts: int
) -> Table:
    t = events(inputs, as_of_ts=as_of_ts)
    t = t.filter(t.name.isin(steps)).select("customer_id", "name", "ts")
    entry = t.filter(t.name == steps[0], t.ts >= since_ts)
    current = entry.group_by("customer_id").agg(t0=entry.ts.min())
    current = current.mutate(at=current.t0)
    parts = [current.aggregate(step=ibis.literal(1, "int64"), customers=current.count())]
    for index in range(1, len(steps)):
        nxt = t.filter(t.name == steps[index]).select(cid=t.customer_id, ts=t.ts)
        after = nxt.ts > current.at if steps[index] == steps[index - 1] else nxt.ts >= current.at
        j = current.join(
            nxt, [current.customer_id == nxt.cid, after, nxt.ts <= current.t0 + window_seconds]
        )
        current = j.group_by(["customer_id", "t0"]).agg(at=j.ts.min())
        parts.append(
            current.aggregate(step=ibis.literal(index + 1, "int64"), customers=current.count())
        )
    return ibis.union(*parts, distinct=False)


def shape(result: pa.Table, steps: list[str]) -> list[FunnelRow]:
    counts = {r["step"]: r["customers"] for r in result.to_pylist()}
    rows = []
    first = counts.get(1, 0)
    previous = first
    for index, name in enumerate(steps, start=1):
        n = counts.get(index, 0)
        rows.append(
            FunnelRow(
                step=index,
                event=name,
                customers=n,
                conversion=round(n / first, 4) if first else 0.0,
                from_previous=round(n / previous, 4) if previous else 0.0,
            )
        )
        previous = n
    return rows
