"""Customer lifetime value: what each acquisition cohort has spent so far, and a projection.

Historical: for customers whose first event fell in month c, their revenue in month c + k,
accumulated per cohort customer (the CLV curve; integer cents, exact on every engine).

Projected (the textbook formula, stated on the page): average order value × orders per active
customer per month × expected lifetime in months (1 / monthly churn) × gross margin. Monthly
churn is the share of customers active in a month who are not active in the next, and orders per
active customer the monthly average, both over the last ``months`` complete months.
"""

from dataclasses import dataclass

import pyarrow as pa
from ibis.expr.types import Table

from xiaonuo.analytics.reports.common import Period, events, period_start
from xiaonuo.analytics.sources import Inputs


@dataclass(frozen=True)
class ClvCurveRow:
    cohort: object  # first day of the cohort month
    month: int  # months since the cohort month
    customers: int
    revenue: float  # yuan, in that month
    cumulative_per_customer: float  # yuan per cohort customer, up to that month


@dataclass
class ClvSummary:
    customers: int
    orders: int
    revenue: float
    average_order_value: float
    orders_per_active_month: float | None
    monthly_churn: float | None
    expected_lifetime_months: float | None
    margin: float
    clv: float | None


def expressions(
    inputs: Inputs, *, event: str | None, as_of_ts: int
) -> tuple[Table, Table, Table, Table]:
    """Cohort sizes, cohort revenue by month offset, per-month activity (active, churned into
    the next month, orders) and the totals."""
    t = events(inputs, as_of_ts=as_of_ts)
    cohort = t.group_by("customer_id").agg(cohort=t.month.min())
    paid = t.filter(t.name == event) if event else t
    paid = paid.filter(paid.amount_cents.notnull())
    p = paid.select(pid=paid.customer_id, month=paid.month, cents=paid.amount_cents)
    j = cohort.join(p, cohort.customer_id == p.pid)
    j = j.mutate(k=j.month - j.cohort)
    revenue = j.group_by(["cohort", "k"]).agg(cents=j.cents.sum())
    sizes = cohort.group_by("cohort").agg(customers=cohort.count())
    a = t.select("customer_id", "month").distinct()
    nxt = a.select(nid=a.customer_id, nmonth=a.month - 1)
    flagged = a.left_join(nxt, [a.customer_id == nxt.nid, a.month == nxt.nmonth])
    monthly = flagged.group_by("month").agg(
        active=flagged.count(), churned=flagged.nid.isnull().sum()
    )
    orders = p.group_by("month").agg(orders=p.count())
    monthly = monthly.left_join(orders, monthly.month == orders.month).select(
        month=monthly.month,
        active=monthly.active,
        churned=monthly.churned,
        orders=orders.orders.fill_null(0),
    )
    totals = p.aggregate(orders=p.count(), cents=p.cents.sum().fill_null(0))
    return sizes, revenue, monthly, totals


def shape_curve(sizes: pa.Table, revenue: pa.Table, *, last_month: int) -> list[ClvCurveRow]:
    cents = {(r["cohort"], r["k"]): r["cents"] for r in revenue.to_pylist()}
    rows = []
    for size in sorted(sizes.to_pylist(), key=lambda r: r["cohort"]):
        cohort, customers = size["cohort"], size["customers"]
        total = 0
        for k in range(last_month - cohort + 1):
            month_cents = cents.get((cohort, k), 0)
            total += month_cents
            rows.append(
                ClvCurveRow(
                    cohort=period_start(cohort, Period.MONTH),
                    month=k,
                    customers=customers,
                    revenue=month_cents / 100,
                    cumulative_per_customer=round(total / customers / 100, 2),
                )
            )
    return rows


def summarise(
    sizes: pa.Table,
    monthly: pa.Table,
    totals: pa.Table,
    *,
    last_month: int,
    months: int,
    margin: float,
) -> ClvSummary:
    total = totals.to_pylist()[0] if totals.num_rows else {"orders": 0, "cents": 0}
    orders, cents = int(total["orders"] or 0), int(total["cents"] or 0)
    by_month = {r["month"]: r for r in monthly.to_pylist()}
    # Complete months only: the current month is partial, and churn out of a month needs the next.
    rate_months = [by_month[m] for m in range(last_month - months, last_month) if m in by_month]
    churn_months = [
        by_month[m] for m in range(last_month - months - 1, last_month - 1) if m in by_month
    ]
    active = sum(r["active"] for r in rate_months)
    per_active = round(sum(r["orders"] for r in rate_months) / active, 4) if active else None
    at_start = sum(r["active"] for r in churn_months)
    churn = round(sum(r["churned"] for r in churn_months) / at_start, 4) if at_start else None
    lifetime = round(1 / churn, 2) if churn else None
    aov = round(cents / orders / 100, 2) if orders else 0.0
    clv = (
        round(aov * per_active * lifetime * margin, 2)
        if per_active is not None and lifetime is not None
        else None
    )
    return ClvSummary(
        customers=sum(r["customers"] for r in sizes.to_pylist()),
        orders=orders,
        revenue=cents / 100,
        average_order_value=aov,
        orders_per_active_month=per_active,
        monthly_churn=churn,
        expected_lifetime_months=lifetime,
        margin=margin,
        clv=clv,
    )
