"""Each report as a table (header + rows): what the CSV exports of the console and the
``xiaonuo analytics`` command write, so both give the same file."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from xiaonuo.analytics.reports import churn, clv, costs, funnel, lifecycle, retention
from xiaonuo.analytics.selectors import RfmReport

Table = tuple[list[str], list[list[Any]]]


def retention_table(rows: Sequence[retention.RetentionRow], *, segmented: bool) -> Table:
    header = ["cohort", "period", "customers", "retained", "rate"]
    body = [[r.cohort, r.period, r.customers, r.retained, r.rate] for r in rows]
    if segmented:
        return ["segment", *header], [
            [r.segment, *line] for r, line in zip(rows, body, strict=True)
        ]
    return header, body


def lifecycle_table(rows: Sequence[lifecycle.LifecycleRow]) -> Table:
    return ["period", "new", "returning", "resurrecting", "dormant"], [
        [r.period, r.new, r.returning, r.resurrecting, r.dormant] for r in rows
    ]


def active_table(rows: Sequence[lifecycle.ActiveRow]) -> Table:
    return ["day", "dau", "wau", "mau", "stickiness"], [
        [r.day, r.dau, r.wau, r.mau, r.stickiness] for r in rows
    ]


def funnel_table(rows: Sequence[funnel.FunnelRow]) -> Table:
    return ["step", "event", "customers", "conversion", "from_previous"], [
        [r.step, r.event, r.customers, r.conversion, r.from_previous] for r in rows
    ]


def rfm_customers_table(rows: Sequence[dict[str, Any]]) -> Table:
    header = ["customer_id", "recency", "frequency", "monetary", "r", "f", "m", "segment"]
    return header, [[r[h] for h in header] for r in rows]


def rfm_segments_table(report: RfmReport) -> Table:
    return ["segment", "customers", "share", "monetary"], [
        [s["segment"], s["customers"], s["share"], s["monetary"]] for s in report.segments
    ]


def rfm_migrations_table(report: RfmReport) -> Table:
    return ["before", "segment", "customers", "alert"], [
        [m["before"], m["segment"], m["customers"], int(bool(m["alert"]))]
        for m in report.migrations
    ]


def churn_table(result: churn.ChurnResult) -> Table:
    return ["customer_id", "risk", "recency_days", "events_90"], [
        [r.customer_id, r.risk, r.recency_days, r.events_90] for r in result.rows
    ]


def clv_table(rows: Sequence[clv.ClvCurveRow]) -> Table:
    return ["cohort", "month", "customers", "revenue", "cumulative_per_customer"], [
        [r.cohort, r.month, r.customers, r.revenue, r.cumulative_per_customer] for r in rows
    ]


def costs_table(summary: costs.CostSummary) -> Table:
    return ["kind", "name", "spend", "customers", "cost_per_customer"], [
        [
            r.kind,
            r.name,
            r.spend,
            r.customers,
            "" if r.cost_per_customer is None else r.cost_per_customer,
        ]
        for r in summary.rows
    ]


def to_csv(table: Table) -> str:
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(_cells(rows))
    return buffer.getvalue()


def _cells(rows: Iterable[list[Any]]) -> Iterable[list[Any]]:
    for row in rows:
        # A spreadsheet runs a cell starting with = + - @ as a formula; property values are
        # customer-supplied text, so such cells are prefixed with a quote (OWASP CSV injection).
        yield ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row]
