"""Console pages of the analytics area: each report's page paints at once with its form, and the
heavy query loads after (htmx fetches ``?partial=1``; without JavaScript, ``?inline=1`` renders
the results in the page). ``?format=csv&table=…`` exports any table of the results.

Everything runs in the signed-in staff member's current workspace (``request.workspace``), so
another workspace's data cannot be asked for.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms as django_forms
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.analytics import charts, forms, labels, selectors, tables
from xiaonuo.analytics.reports.common import Period
from xiaonuo.lib.errors import ServiceError

Compute = Callable[[Any, dict[str, Any]], dict[str, Any]]
# Tables listing customers one by one need the export permission; aggregates do not.
PER_CUSTOMER = {"rfm_alerts", "churn"}
_CONTROL = {"partial", "inline", "format", "table"}

REPORTS = (
    ("retention", _("留存")),
    ("lifecycle", _("生命周期与活跃")),
    ("funnel", _("漏斗")),
    ("rfm", _("RFM 分层")),
    ("churn", _("流失风险")),
    ("clv", _("用户终身价值")),
    ("costs", _("获客与留存成本")),
)


def _report(
    request: ConsoleRequest, name: str, form_class: type[django_forms.Form], compute: Compute
) -> HttpResponse:
    submitted = bool(set(request.GET) - _CONTROL)
    form = form_class(request.GET if submitted else {})
    # Reports whose options all have defaults run at once; the others wait for the form.
    ready = submitted or not any(f.required for f in form.fields.values())
    context: dict[str, Any] = {
        "form": form,
        "report": name,
        "reports": REPORTS,
        "active_area": "analytics",
        "query": _query(request),
        "ready": ready,
    }
    wants = (
        request.GET.get("format") == "csv"
        or request.GET.get("partial")
        or request.GET.get("inline")
    )
    if not wants or not ready:
        return render(request, "analytics/report.html", context)
    if not form.is_valid():
        return _bad_request(request, context, form.errors.get_json_data(), form=form)
    try:
        context.update(compute(request.workspace, form.cleaned_data))
    except ServiceError as exc:
        return _bad_request(request, context, {exc.details.get("field", "__all__"): exc.message})
    if request.GET.get("format") == "csv":
        return _csv(request, name, context)
    context["can_export_customers"] = has_perm(request, Perm.EXPORT_CUSTOMERS)
    if request.GET.get("partial"):
        return render(request, f"analytics/_{name}.html", context)
    context["inline"] = True
    return render(request, "analytics/report.html", context)


def _bad_request(
    request: ConsoleRequest, context: dict[str, Any], errors: dict[str, Any], form: Any = None
) -> HttpResponse:
    if request.GET.get("format") == "csv":
        return HttpResponseBadRequest("invalid_parameter", content_type="text/plain")
    context["errors"] = errors
    template = "analytics/_error.html" if request.GET.get("partial") else "analytics/report.html"
    response = render(request, template, context, status=400)
    response["X-Error-Code"] = "invalid_parameter"
    return response


def _csv(request: ConsoleRequest, name: str, context: dict[str, Any]) -> HttpResponse:
    key = request.GET.get("table", name)
    table = context.get("tables", {}).get(key)
    if table is None:
        return HttpResponseBadRequest("unknown_table", content_type="text/plain")
    if key in PER_CUSTOMER and not has_perm(request, Perm.EXPORT_CUSTOMERS):
        return HttpResponse("permission_denied", status=403, content_type="text/plain")
    response = HttpResponse(tables.to_csv(table), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{key}-{stamp}.csv"'
    return response


def _query(request: ConsoleRequest) -> str:
    params = request.GET.copy()
    for key in _CONTROL:
        params.pop(key, None)
    return params.urlencode()


# --- Reports ----------------------------------------------------------------------------------


def _retention(workspace: Any, data: dict[str, Any]) -> dict[str, Any]:
    breakdown = selectors.Breakdown(data.get("breakdown") or "")
    rows = selectors.get_retention(
        workspace=workspace,
        period=Period(data.get("period") or "week"),
        cohort_event=data.get("cohort_event"),
        return_event=data.get("return_event"),
        breakdown=breakdown,
        property_key=data.get("property"),
    )
    return {
        "rows": rows,
        "matrix": charts.retention_matrix(rows),
        "chart": charts.retention_chart(rows),
        "curves": charts.retention_chart(rows)["curves"],
        "segmented": bool(breakdown),
        "tables": {"retention": tables.retention_table(rows, segmented=bool(breakdown))},
    }


def _lifecycle(workspace: Any, data: dict[str, Any]) -> dict[str, Any]:
    report = selectors.get_lifecycle(
        workspace=workspace,
        period=Period(data.get("period") or "week"),
        days=data.get("days") or 90,
    )
    return {
        "periods": report.periods,
        "active": report.active,
        "latest": report.active[-1] if report.active else None,
        "chart": charts.lifecycle_chart(report.periods),
        "active_chart": charts.active_chart(report.active),
        "stickiness_chart": charts.stickiness_chart(report.active),
        "tables": {
            "lifecycle": tables.lifecycle_table(report.periods),
            "active": tables.active_table(report.active),
        },
    }


def _funnel(workspace: Any, data: dict[str, Any]) -> dict[str, Any]:
    rows = selectors.get_funnel(
        workspace=workspace,
        steps=data["steps"],
        window_days=data.get("window_days") or 7,
        since=data.get("since"),
    )
    return {
        "rows": rows,
        "chart": charts.funnel_chart(rows),
        "tables": {"funnel": tables.funnel_table(rows)},
    }


def _rfm(workspace: Any, data: dict[str, Any]) -> dict[str, Any]:
    report = selectors.get_rfm(
        workspace=workspace,
        event=data.get("event"),
        amount_property=data.get("amount_property") or "amount",
        compare_days=data.get("compare_days") or 30,
    )
    alerts_table = (
        ["customer_id", "before", "segment", "recency", "frequency", "monetary"],
        [
            [
                a["customer_id"],
                a["before"],
                a["segment"],
                a["recency"],
                a["frequency"],
                a["monetary"],
            ]
            for a in report.alerts
        ],
    )
    return {
        "rfm": report,
        "segment_labels": labels.SEGMENTS,
        "segments": [{**s, "label": labels.SEGMENTS[s["segment"]]} for s in report.segments],
        "migrations": [
            {
                **m,
                "before_label": labels.SEGMENTS[m["before"]],
                "label": labels.SEGMENTS[m["segment"]],
            }
            for m in report.migrations
        ],
        "alerts": [
            {
                **a,
                "before_label": labels.SEGMENTS[a["before"]],
                "label": labels.SEGMENTS[a["segment"]],
            }
            for a in report.alerts[:100]
        ],
        "chart": charts.rfm_chart(report),
        "segments_chart": charts.rfm_segments_chart(report),
        "tables": {
            "rfm_segments": tables.rfm_segments_table(report),
            "rfm_migrations": tables.rfm_migrations_table(report),
            "rfm_alerts": alerts_table,
        },
    }


def _churn(workspace: Any, data: dict[str, Any]) -> dict[str, Any]:
    result = selectors.get_churn_risk(
        workspace=workspace,
        horizon_days=data.get("horizon_days") or 30,
        amount_property=data.get("amount_property") or "amount",
    )
    return {
        "result": result,
        "top": [{"row": r, "band": labels.RISK_BANDS[_band(r.risk)]} for r in result.rows[:50]],
        "chart": charts.churn_chart(result),
        "tables": {"churn": tables.churn_table(result)},
    }


def _band(risk: float) -> str:
    return "high" if risk >= 0.7 else "medium" if risk >= 0.4 else "low"


def _clv(workspace: Any, data: dict[str, Any]) -> dict[str, Any]:
    report = selectors.get_clv(
        workspace=workspace,
        event=data.get("event"),
        amount_property=data.get("amount_property") or "amount",
        months=data.get("months") or 6,
        margin=data.get("margin") or 1.0,
    )
    return {
        "summary": report.summary,
        "curve": report.curve,
        "chart": charts.clv_chart(report.curve),
        "tables": {"clv": tables.clv_table(report.curve)},
    }


def _costs(workspace: Any, data: dict[str, Any]) -> dict[str, Any]:
    summary = selectors.get_costs(
        workspace=workspace,
        lines=data["lines"],
        since=data["since"],
        until=data["until"],
        channel_property=data.get("channel_property") or "channel",
    )
    return {
        "summary": summary,
        "chart": charts.costs_chart(summary),
        "tables": {"costs": tables.costs_table(summary)},
    }


@workspace_required(Perm.VIEW_CUSTOMERS)
def retention(request: ConsoleRequest) -> HttpResponse:
    return _report(request, "retention", forms.RetentionForm, _retention)


@workspace_required(Perm.VIEW_CUSTOMERS)
def lifecycle(request: ConsoleRequest) -> HttpResponse:
    return _report(request, "lifecycle", forms.LifecycleForm, _lifecycle)


@workspace_required(Perm.VIEW_CUSTOMERS)
def funnel(request: ConsoleRequest) -> HttpResponse:
    return _report(request, "funnel", forms.FunnelForm, _funnel)


@workspace_required(Perm.VIEW_CUSTOMERS)
def rfm(request: ConsoleRequest) -> HttpResponse:
    return _report(request, "rfm", forms.RfmForm, _rfm)


@workspace_required(Perm.VIEW_CUSTOMERS)
def churn(request: ConsoleRequest) -> HttpResponse:
    return _report(request, "churn", forms.ChurnForm, _churn)


@workspace_required(Perm.VIEW_CUSTOMERS)
def clv(request: ConsoleRequest) -> HttpResponse:
    return _report(request, "clv", forms.ClvForm, _clv)


@workspace_required(Perm.VIEW_CUSTOMERS)
def costs(request: ConsoleRequest) -> HttpResponse:
    # A sensible first range: the last 30 days.
    if not set(request.GET) - _CONTROL:
        today = timezone.localdate()
        initial = {"since": today - timedelta(days=30), "until": today}
        form = forms.CostsForm(initial=initial)
        return render(
            request,
            "analytics/report.html",
            {
                "form": form,
                "report": "costs",
                "reports": REPORTS,
                "active_area": "analytics",
                "query": "",
                "ready": False,
            },
        )
    return _report(request, "costs", forms.CostsForm, _costs)
