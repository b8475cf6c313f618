"""The reports as use cases: one function per report, taking the workspace, the report's options
and the engine; the console, the commands and the API all call these.

Each reads what it needs from the main database (``sources.gather``), runs the report's Ibis
expressions on the engine (``engines``) and shapes the small results in Python.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.analytics import engines, sources
from xiaonuo.analytics.exceptions import AnalyticsError
from xiaonuo.analytics.reports import churn, clv, costs, funnel, lifecycle, retention, rfm
from xiaonuo.analytics.reports.common import (
    Period,
    epoch_seconds,
    local_day,
    period_of_day,
)
from xiaonuo.customers.models import Customer
from xiaonuo.desk.models import Complaint
from xiaonuo.desk.surveys.models import Response, SurveyKind
from xiaonuo.lib.errors import ServiceError

MAX_FUNNEL_STEPS = 8
MAX_WINDOW_DAYS = 365


class Breakdown(StrEnum):
    NONE = ""
    PROPERTY = "property"  # a property of the customer's first cohort event
    SEED = "seed"  # seed users vs the rest (customers.Customer.is_seed)
    COMPLAINT = "complaint"  # outcome of the customer's latest complaint (desk.Complaint)
    CSAT = "csat"  # the customer's latest CSAT score, bucketed (desk.surveys.Response)


# Labels of the per-customer breakdowns (translated where shown).
SEED_LABELS = ("seed", "regular")
COMPLAINT_LABELS = ("recovered", "not_recovered", "pending", "none")
CSAT_LABELS = ("csat_low", "csat_neutral", "csat_high", "no_csat")  # 1–2, 3, 4–5, never rated


def csat_bucket(score: int) -> str:
    return "csat_low" if score <= 2 else "csat_neutral" if score == 3 else "csat_high"


@dataclass(frozen=True)
class Moment:
    """When a report is "as of": now by default; events after it are left out."""

    at: datetime
    ts: int
    day: int

    @classmethod
    def of(cls, at: datetime | None) -> "Moment":
        at = at or timezone.now()
        return cls(at=at, ts=epoch_seconds(at), day=local_day(at, str(settings.TIME_ZONE)))


def _invalid(message: str, field: str) -> ServiceError:
    return ServiceError(AnalyticsError.INVALID_PARAMETER, message, field=field)


def _prepare(
    workspace: Workspace,
    engine: str | None,
    columns: sources.Columns | None = None,
    dims: pa.Table | None = None,
) -> tuple[str, sources.Inputs]:
    name = engines.resolve(engine)
    inputs = sources.gather(
        workspace=workspace,
        columns=columns or sources.Columns(),
        dims=dims,
        tail_as_arrow=name != "postgres",
    )
    return name, inputs


# --- Retention --------------------------------------------------------------------------------


def breakdown_dims(*, workspace: Workspace, breakdown: Breakdown) -> tuple[pa.Table, str]:
    """The per-customer labels of a breakdown, and the label of everyone not listed."""
    if breakdown == Breakdown.SEED:
        ids = Customer.objects.filter(workspace=workspace, is_seed=True).values_list(
            "id", flat=True
        )
        return _dims((i, "seed") for i in ids), "regular"
    if breakdown == Breakdown.COMPLAINT:
        latest: dict[int, str] = {}
        complaints = Complaint.objects.filter(workspace=workspace).order_by("created_at", "id")
        for complaint in complaints.only(
            "customer_id",
            "satisfied_afterwards",
            "bought_again",
            "referred_someone",
            "outcome_recorded_at",
        ):
            outcome = complaint.recovered
            latest[complaint.customer_id] = (
                "pending" if outcome is None else "recovered" if outcome else "not_recovered"
            )
        return _dims(latest.items()), "none"
    if breakdown == Breakdown.CSAT:
        scores = (
            Response.objects.filter(
                workspace=workspace, invitation__kind=SurveyKind.CSAT, score__isnull=False
            )
            .order_by("created_at", "id")
            .values_list("invitation__customer_id", "score")
        )
        last = {customer: csat_bucket(score or 0) for customer, score in scores}
        return _dims(last.items()), "no_csat"
    raise _invalid(f"Unknown breakdown {breakdown!r}", "breakdown")


def _dims(pairs: object) -> pa.Table:
    rows = [{"dim_customer_id": c, "value": v} for c, v in pairs]  # type: ignore[attr-defined]
    return pa.Table.from_pylist(rows, schema=sources.DIMS_SCHEMA)


def get_retention(
    *,
    workspace: Workspace,
    period: Period = Period.WEEK,
    cohort_event: str | None = None,
    return_event: str | None = None,
    breakdown: Breakdown = Breakdown.NONE,
    property_key: str | None = None,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> list[retention.RetentionRow]:
    moment = Moment.of(as_of)
    columns, dims, default, mode = sources.Columns(), None, "", None
    if breakdown == Breakdown.PROPERTY:
        if not property_key:
            raise _invalid("A property breakdown needs the property's name", "property")
        columns = sources.Columns(property_key=sources.check_property_key(property_key))
        mode = "property"
    elif breakdown:
        dims, default = breakdown_dims(workspace=workspace, breakdown=breakdown)
        mode = "dims"
    spec = retention.RetentionSpec(
        period=period,
        cohort_event=cohort_event or None,
        return_event=return_event or None,
        breakdown=mode,
        default_segment=default,
    )
    name, inputs = _prepare(workspace, engine, columns, dims)
    last_period = period_of_day(moment.day, period)
    base = retention.fast_base(inputs, spec, last_period=last_period, engine=name)
    if base is not None:
        width = last_period - base + 1
        expr = retention.bits_expression(
            inputs, spec, as_of_ts=engines.AS_OF_PLACEHOLDER, base=base, width=width
        )
        (result,) = engines.run_all(name, inputs, [expr], as_of_ts=moment.ts)
        sizes, counts = retention.split_bits(result, width)
    else:
        expr = retention.expression(inputs, spec, as_of_ts=engines.AS_OF_PLACEHOLDER)
        (result,) = engines.run_all(name, inputs, [expr], as_of_ts=moment.ts)
        sizes, counts = retention.split(result)
    return retention.shape(sizes, counts, spec, last_period=last_period)


# --- Lifecycle and active customers -----------------------------------------------------------


@dataclass
class LifecycleReport:
    periods: list[lifecycle.LifecycleRow]
    active: list[lifecycle.ActiveRow]


def get_lifecycle(
    *,
    workspace: Workspace,
    period: Period = Period.WEEK,
    days: int = 90,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> LifecycleReport:
    if not 1 <= days <= 3660:
        raise _invalid("days must be between 1 and 3660", "days")
    moment = Moment.of(as_of)
    name, inputs = _prepare(workspace, engine)
    with engines.session(name, inputs) as run:
        periods = run(lifecycle.lifecycle_expression(inputs, period, as_of_ts=moment.ts))
        dau, wau, mau = (run(e) for e in lifecycle.active_expressions(inputs, as_of_ts=moment.ts))
    return LifecycleReport(
        periods=lifecycle.shape_lifecycle(
            periods, period, last_period=period_of_day(moment.day, period)
        ),
        active=lifecycle.shape_active(
            dau, wau, mau, first_day=moment.day - days + 1, last_day=moment.day
        ),
    )


# --- Funnel -----------------------------------------------------------------------------------


def get_funnel(
    *,
    workspace: Workspace,
    steps: Sequence[str],
    window_days: float = 7,
    since: date | None = None,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> list[funnel.FunnelRow]:
    steps = [s.strip() for s in steps if s.strip()]
    if not 2 <= len(steps) <= MAX_FUNNEL_STEPS:
        raise _invalid(f"A funnel has 2 to {MAX_FUNNEL_STEPS} steps", "steps")
    if not 0 < window_days <= MAX_WINDOW_DAYS:
        raise _invalid(f"The window is more than 0 and at most {MAX_WINDOW_DAYS} days", "window")
    moment = Moment.of(as_of)
    since_ts = 0
    if since is not None:
        since_ts = epoch_seconds(
            datetime.combine(since, time.min, tzinfo=timezone.get_default_timezone())
        )
    name, inputs = _prepare(workspace, engine)
    expr = funnel.expression(
        inputs,
        steps,
        window_seconds=int(window_days * 86400),
        since_ts=since_ts,
        as_of_ts=moment.ts,
    )
    (result,) = engines.run_all(name, inputs, [expr])
    return funnel.shape(result, steps)


# --- RFM --------------------------------------------------------------------------------------


@dataclass
class RfmReport:
    grid: list[dict[str, Any]]  # r, f, segment, customers, monetary
    segments: list[dict[str, Any]]  # segment, customers, share, monetary
    migrations: list[dict[str, Any]]  # before, segment, customers, alert
    alerts: list[dict[str, Any]]  # customers who moved from valued to slipping
    customers: int
    compare_days: int


def get_rfm(
    *,
    workspace: Workspace,
    event: str | None = None,
    amount_property: str = "amount",
    compare_days: int = 30,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> RfmReport:
    if not 1 <= compare_days <= 365:
        raise _invalid("compare_days must be between 1 and 365", "compare_days")
    moment = Moment.of(as_of)
    before = Moment.of(moment.at - timedelta(days=compare_days))
    spec = rfm.RfmSpec(event=event or None, compare_days=compare_days)
    columns = sources.Columns(amount_key=sources.check_property_key(amount_property))
    name, inputs = _prepare(workspace, engine, columns)
    now = rfm.scores(inputs, spec, as_of_ts=moment.ts, as_of_day=moment.day)
    then = rfm.scores(inputs, spec, as_of_ts=before.ts, as_of_day=before.day)
    with engines.session(name, inputs) as run:
        grid, moves, alerts = (
            run(rfm.grid(now)),
            run(rfm.migrations(then, now)),
            run(rfm.alerts(then, now)),
        )
    return _shape_rfm(grid, moves, alerts, compare_days)


def _shape_rfm(grid: pa.Table, moves: pa.Table, alerts: pa.Table, compare_days: int) -> RfmReport:
    cells = sorted(grid.to_pylist(), key=lambda r: (-r["r"], r["f"]))
    total = sum(c["customers"] for c in cells)
    per_segment: dict[str, dict[str, int]] = {}
    for c in cells:
        s = per_segment.setdefault(c["segment"], {"customers": 0, "cents": 0})
        s["customers"] += c["customers"]
        s["cents"] += c["monetary_cents"] or 0
    segments = [
        {
            "segment": seg,
            "customers": per_segment.get(seg, {}).get("customers", 0),
            "share": round(per_segment.get(seg, {}).get("customers", 0) / total, 4)
            if total
            else 0.0,
            "monetary": per_segment.get(seg, {}).get("cents", 0) / 100,
        }
        for seg in rfm.SEGMENTS
    ]
    migrations = [
        {**m, "alert": m["before"] in rfm.VALUED and m["segment"] in rfm.SLIPPING}
        for m in sorted(moves.to_pylist(), key=lambda m: (m["before"], m["segment"]))
        if m["before"] != m["segment"]
    ]
    return RfmReport(
        grid=[
            {**c, "monetary": (c["monetary_cents"] or 0) / 100, "monetary_cents": None}
            for c in cells
        ],
        segments=segments,
        migrations=migrations,
        alerts=[{**a, "monetary": a["monetary_cents"] / 100} for a in alerts.to_pylist()],
        customers=total,
        compare_days=compare_days,
    )


def list_rfm_customers(
    *,
    workspace: Workspace,
    event: str | None = None,
    amount_property: str = "amount",
    engine: str | None = None,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every customer's scores and segment (for the CSV export)."""
    moment = Moment.of(as_of)
    columns = sources.Columns(amount_key=sources.check_property_key(amount_property))
    name, inputs = _prepare(workspace, engine, columns)
    expr = rfm.scores(
        inputs, rfm.RfmSpec(event=event or None), as_of_ts=moment.ts, as_of_day=moment.day
    ).order_by("customer_id")
    (table,) = engines.run_all(name, inputs, [expr])
    return [{**r, "monetary": r["monetary_cents"] / 100} for r in table.to_pylist()]


# --- Churn risk -------------------------------------------------------------------------------


def get_churn_risk(
    *,
    workspace: Workspace,
    horizon_days: int = 30,
    amount_property: str = "amount",
    engine: str | None = None,
    as_of: datetime | None = None,
) -> churn.ChurnResult:
    if not 7 <= horizon_days <= 180:
        raise _invalid("horizon_days must be between 7 and 180", "horizon_days")
    moment = Moment.of(as_of)
    horizon = horizon_days * 86400
    columns = sources.Columns(amount_key=sources.check_property_key(amount_property))
    name, inputs = _prepare(workspace, engine, columns)
    with engines.session(name, inputs) as run:
        train = run(
            churn.labelled(
                inputs,
                cutoff_ts=moment.ts - 2 * horizon,
                horizon_days=horizon_days,
                as_of_ts=moment.ts,
            )
        )
        test = run(
            churn.labelled(
                inputs, cutoff_ts=moment.ts - horizon, horizon_days=horizon_days, as_of_ts=moment.ts
            )
        )
        current = run(churn.features(inputs, cutoff_ts=moment.ts, as_of_ts=moment.ts))
    return churn.fit_and_score(train, test, current, horizon_days=horizon_days)


# --- CLV --------------------------------------------------------------------------------------


@dataclass
class ClvReport:
    summary: clv.ClvSummary
    curve: list[clv.ClvCurveRow]


def get_clv(
    *,
    workspace: Workspace,
    event: str | None = None,
    amount_property: str = "amount",
    months: int = 6,
    margin: float = 1.0,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> ClvReport:
    if not 1 <= months <= 36:
        raise _invalid("months must be between 1 and 36", "months")
    if not 0 < margin <= 1:
        raise _invalid("margin is a share: more than 0 and at most 1", "margin")
    moment = Moment.of(as_of)
    columns = sources.Columns(amount_key=sources.check_property_key(amount_property))
    name, inputs = _prepare(workspace, engine, columns)
    sizes, revenue, monthly, totals = engines.run_all(
        name, inputs, clv.expressions(inputs, event=event or None, as_of_ts=moment.ts)
    )
    last_month = period_of_day(moment.day, Period.MONTH)
    return ClvReport(
        summary=clv.summarise(
            sizes, monthly, totals, last_month=last_month, months=months, margin=margin
        ),
        curve=clv.shape_curve(sizes, revenue, last_month=last_month),
    )


# --- Acquisition vs retention cost ------------------------------------------------------------


def get_costs(
    *,
    workspace: Workspace,
    lines: Sequence[costs.SpendLine],
    since: date,
    until: date,
    channel_property: str = "channel",
    engine: str | None = None,
    as_of: datetime | None = None,
) -> costs.CostSummary:
    if since > until:
        raise _invalid("The range starts after it ends", "since")
    for line in lines:
        if line.kind not in ("acquisition", "retention") or line.spend < 0:
            raise _invalid(f"Spend line {line.name!r}: kind or amount is invalid", "spend")
        if line.customers is not None and line.customers < 0:
            raise _invalid(f"Spend line {line.name!r}: customers must be ≥ 0", "spend")
    counted = None
    if any(line.kind == "acquisition" and line.customers is None for line in lines):
        moment = Moment.of(as_of)
        zone = timezone.get_default_timezone()
        columns = sources.Columns(property_key=sources.check_property_key(channel_property))
        name, inputs = _prepare(workspace, engine, columns)
        expr = costs.new_by_channel(
            inputs,
            since_ts=epoch_seconds(datetime.combine(since, time.min, tzinfo=zone)),
            until_ts=epoch_seconds(datetime.combine(until, time.max, tzinfo=zone)),
            as_of_ts=moment.ts,
        )
        (counted,) = engines.run_all(name, inputs, [expr])
    return costs.summarise(list(lines), counted)
