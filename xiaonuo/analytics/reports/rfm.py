"""RFM: recency, frequency and monetary scores 1–5, the standard segments, and migrations.

Scores are quintiles by cumulative share with ties kept together: a customer's F score is
ceil(5 × share of customers with a frequency ≤ theirs), computed from an integer rank, so every
engine gives the same score (NTILE would split ties arbitrarily). R uses recency the other way
round (the most recent get 5). Segments are the usual R × F grid:

    R\\F   1         2         3            4          5
    5     new       potential potential    champions  champions
    4     promising potential potential    loyal      loyal
    3     about to sleep ×2   need attention loyal    loyal
    1–2   hibernating ×2      at risk      at risk    can't lose

Migrations compare each customer's segment now with ``compare_days`` earlier; a move from
Champions or Loyal into At Risk, Can't Lose, Hibernating or About to Sleep is an alert.
"""

from dataclasses import dataclass

import ibis
from ibis.expr.types import Table

from xiaonuo.analytics.reports.common import events
from xiaonuo.analytics.sources import Inputs

SEGMENTS = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new_customers",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
)
VALUED = {"champions", "loyal"}
SLIPPING = {"at_risk", "cant_lose", "hibernating", "about_to_sleep"}


def segment_of(r: int, f: int) -> str:
    """The grid above, in Python (for the console's grid and the brute-force tests)."""
    if r >= 5 and f >= 4:
        return "champions"
    if r >= 3 and f >= 4:
        return "loyal"
    if r >= 4 and f >= 2:
        return "potential_loyalists"
    if r == 5:
        return "new_customers"
    if r == 4:
        return "promising"
    if r == 3:
        return "need_attention" if f == 3 else "about_to_sleep"
    if f == 5:
        return "cant_lose"
    return "at_risk" if f >= 3 else "hibernating"


def _segment(r: ibis.Value, f: ibis.Value) -> ibis.Value:
    return ibis.cases(
        ((r >= 5) & (f >= 4), "champions"),
        ((r >= 3) & (f >= 4), "loyal"),
        ((r >= 4) & (f >= 2), "potential_loyalists"),
        (r == 5, "new_customers"),
        (r == 4, "promising"),
        ((r == 3) & (f == 3), "need_attention"),
        (r == 3, "about_to_sleep"),
        (f == 5, "cant_lose"),
        (f >= 3, "at_risk"),
        else_="hibernating",
    )


@dataclass(frozen=True)
class RfmSpec:
    event: str | None = None  # the purchase event; None: every event counts
    compare_days: int = 30


def scores(inputs: Inputs, spec: RfmSpec, *, as_of_ts: int, as_of_day: int) -> Table:
    """customer_id, recency (days), frequency, monetary_cents, r, f, m, segment."""
    t = events(inputs, as_of_ts=as_of_ts)
    if spec.event:
        t = t.filter(t.name == spec.event)
    c = t.group_by("customer_id").agg(
        last_day=t.day.max(),
        frequency=t.count(),
        monetary_cents=t.amount_cents.sum().fill_null(0),
    )
    c = c.mutate(recency=as_of_day - c.last_day, n=c.count().over(ibis.window()))

    def score(at_least_as_good: ibis.Value) -> ibis.Value:
        return (5 * at_least_as_good + c.n - 1) // c.n

    # rank() is 0-based: the number of customers strictly better than this one.
    c = c.mutate(
        r=score(c.n - ibis.rank().over(order_by=c.recency)),
        f=score(c.n - ibis.rank().over(order_by=ibis.desc(c.frequency))),
        m=score(c.n - ibis.rank().over(order_by=ibis.desc(c.monetary_cents))),
    )
    return c.select(
        "customer_id",
        "recency",
        "frequency",
        "monetary_cents",
        "r",
        "f",
        "m",
        segment=_segment(c.r, c.f),
    )


def grid(table: Table) -> Table:
    return table.group_by(["r", "f", "segment"]).agg(
        customers=table.count(), monetary_cents=table.monetary_cents.sum()
    )


def migrations(before: Table, now: Table) -> Table:
    b = before.select(bid=before.customer_id, before=before.segment)
    j = now.join(b, now.customer_id == b.bid)
    return j.group_by(["before", "segment"]).agg(customers=j.count())


def alerts(before: Table, now: Table) -> Table:
    b = before.select(bid=before.customer_id, before=before.segment)
    j = now.join(b, now.customer_id == b.bid)
    j = j.filter(j.before.isin(sorted(VALUED)), j.segment.isin(sorted(SLIPPING)))
    return j.select(
        "customer_id", "before", "segment", "recency", "frequency", "monetary_cents"
    ).order_by("customer_id")
