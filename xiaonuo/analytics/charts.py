"""Report results shaped for the console's charts (ECharts options are built in analytics.js
from these small dictionaries; labels are translated here)."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from xiaonuo.analytics import labels
from xiaonuo.analytics.reports import churn, clv, costs, funnel, lifecycle, retention
from xiaonuo.analytics.selectors import RfmReport

MAX_CURVES = 12  # cohorts drawn as curves; the heat map shows them all


def retention_chart(rows: Sequence[retention.RetentionRow]) -> dict[str, Any]:
    segments = sorted({r.segment for r in rows})
    segment = segments[0] if segments else ""
    mine = [r for r in rows if r.segment == segment]
    cohorts = sorted({str(r.cohort) for r in mine})
    width = max((r.period for r in mine), default=-1) + 1
    cells = [[r.period, cohorts.index(str(r.cohort)), round(r.rate * 100, 1)] for r in mine]
    curves = [
        {"name": c, "data": [round(r.rate * 100, 1) for r in mine if str(r.cohort) == c]}
        for c in cohorts[-MAX_CURVES:]
    ]
    return {
        "kind": "heatmap",
        "x": [str(k) for k in range(width)],
        "y": cohorts,
        "cells": cells,
        "max": 100,
        "unit": "%",
        "curves": {
            "kind": "lines",
            "x": [str(k) for k in range(width)],
            "series": curves,
            "unit": "%",
        },
    }


def retention_matrix(rows: Sequence[retention.RetentionRow]) -> list[dict[str, Any]]:
    """The triangle as table rows: one per (segment, cohort) with its rates by period."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r.segment, str(r.cohort))
        line = out.setdefault(
            key,
            {
                "segment": labels.BREAKDOWN_VALUES.get(r.segment, r.segment),
                "cohort": r.cohort,
                "customers": r.customers,
                "cells": [],
            },
        )
        line["cells"].append(
            {"rate": r.rate, "pct": round(r.rate * 100, 1), "retained": r.retained}
        )
    return list(out.values())


def lifecycle_chart(rows: Sequence[lifecycle.LifecycleRow]) -> dict[str, Any]:
    return {
        "kind": "stack",
        "x": [str(r.period) for r in rows],
        "series": [
            {
                "name": str(labels.LIFECYCLE[s]),
                "data": [(-1 if s == "dormant" else 1) * getattr(r, s) for r in rows],
            }
            for s in lifecycle.STATUSES
        ],
    }


def active_chart(rows: Sequence[lifecycle.ActiveRow]) -> dict[str, Any]:
    return {
        "kind": "lines",
        "x": [str(r.day) for r in rows],
        "series": [
            {"name": "DAU", "data": [r.dau for r in rows]},
            {"name": "WAU", "data": [r.wau for r in rows]},
            {"name": "MAU", "data": [r.mau for r in rows]},
        ],
    }


def stickiness_chart(rows: Sequence[lifecycle.ActiveRow]) -> dict[str, Any]:
    return {
        "kind": "lines",
        "unit": "%",
        "x": [str(r.day) for r in rows],
        "series": [
            {"name": _("黏性 DAU/MAU"), "data": [round(r.stickiness * 100, 1) for r in rows]}
        ],
    }


def funnel_chart(rows: Sequence[funnel.FunnelRow]) -> dict[str, Any]:
    return {
        "kind": "funnel",
        "series": [{"name": f"{r.step}. {r.event}", "value": r.customers} for r in rows],
    }


def rfm_chart(report: RfmReport) -> dict[str, Any]:
    cells = [[c["f"] - 1, c["r"] - 1, c["customers"]] for c in report.grid]
    return {
        "kind": "heatmap",
        "x": ["F1", "F2", "F3", "F4", "F5"],
        "y": ["R1", "R2", "R3", "R4", "R5"],
        "cells": cells,
        "max": max((c[2] for c in cells), default=1),
        "unit": "",
    }


def rfm_segments_chart(report: RfmReport) -> dict[str, Any]:
    return {
        "kind": "bars",
        "x": [str(labels.SEGMENTS[s["segment"]]) for s in report.segments],
        "series": [{"name": _("用户数"), "data": [s["customers"] for s in report.segments]}],
    }


def churn_chart(result: churn.ChurnResult) -> dict[str, Any]:
    buckets = [0] * 10
    for r in result.rows:
        buckets[min(int(r.risk * 10), 9)] += 1
    return {
        "kind": "bars",
        "x": [f"{i * 10}–{i * 10 + 10}%" for i in range(10)],
        "series": [{"name": _("用户数"), "data": buckets}],
    }


def clv_chart(rows: Sequence[clv.ClvCurveRow]) -> dict[str, Any]:
    cohorts = sorted({str(r.cohort) for r in rows})[-MAX_CURVES:]
    width = max((r.month for r in rows), default=-1) + 1
    return {
        "kind": "lines",
        "x": [str(k) for k in range(width)],
        "series": [
            {"name": c, "data": [r.cumulative_per_customer for r in rows if str(r.cohort) == c]}
            for c in cohorts
        ],
    }


def costs_chart(summary: costs.CostSummary) -> dict[str, Any]:
    rows = [r for r in summary.rows if r.cost_per_customer is not None]
    reference = summary.retention_cost * summary.reference_ratio if summary.retention_cost else None
    return {
        "kind": "bars",
        "x": [r.name for r in rows],
        "series": [{"name": _("每位用户成本（元）"), "data": [r.cost_per_customer for r in rows]}],
        "reference": reference,
        "reference_label": _("留存成本 × %(n)s") % {"n": summary.reference_ratio},
    }
