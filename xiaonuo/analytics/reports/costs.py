"""Acquisition versus retention cost (the founding texts: keeping a customer costs about a sixth
of winning one — the 6× line on the page).

Inputs are spend per acquisition channel and per retention action over a date range. New
customers per channel are counted from the events when the staff do not type them in: customers
whose first event falls in the range, grouped by the ``channel`` property (any property name) of
that first event. Retained customers per action are typed in (the action's own records know).
"""

from dataclasses import dataclass

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from xiaonuo.analytics.reports.common import events
from xiaonuo.analytics.sources import Inputs

REFERENCE_RATIO = 6  # acquiring costs about 6× retaining


@dataclass(frozen=True)
class SpendLine:
    kind: str  # "acquisition" or "retention"
    name: str  # channel or action
    spend: float  # yuan
    customers: int | None = None  # None: acquisition lines count new customers from events


@dataclass(frozen=True)
class CostRow:
    kind: str
    name: str
    spend: float
    customers: int
    cost_per_customer: float | None


@dataclass
class CostSummary:
    rows: list[CostRow]
    acquisition_cost: float | None  # per new customer, all channels
    retention_cost: float | None  # per retained customer, all actions
    ratio: float | None  # acquisition / retention
    reference_ratio: int = REFERENCE_RATIO


def new_by_channel(inputs: Inputs, *, since_ts: int, until_ts: int, as_of_ts: int) -> Table:
    t = events(inputs, as_of_ts=as_of_ts)
    order = ibis.window(group_by="customer_id", order_by=["ts", "message_id"])
    first = t.mutate(n=ibis.row_number().over(order)).filter(lambda r: r.n == 0)
    first = first.filter(first.ts >= since_ts, first.ts <= until_ts)
    return first.group_by(channel=first.prop.fill_null("")).agg(customers=first.count())


def summarise(lines: list[SpendLine], new_customers: pa.Table | None) -> CostSummary:
    counted = (
        {r["channel"]: r["customers"] for r in new_customers.to_pylist()} if new_customers else {}
    )
    rows = []
    for line in lines:
        n = line.customers if line.customers is not None else counted.get(line.name, 0)
        rows.append(
            CostRow(
                kind=line.kind,
                name=line.name,
                spend=line.spend,
                customers=n,
                cost_per_customer=round(line.spend / n, 2) if n else None,
            )
        )
    acquisition = _per_customer([r for r in rows if r.kind == "acquisition"])
    retention = _per_customer([r for r in rows if r.kind == "retention"])
    ratio = round(acquisition / retention, 2) if acquisition and retention else None
    return CostSummary(
        rows=rows, acquisition_cost=acquisition, retention_cost=retention, ratio=ratio
    )


def _per_customer(rows: list[CostRow]) -> float | None:
    customers = sum(r.customers for r in rows)
    return round(sum(r.spend for r in rows) / customers, 2) if customers else None
