"""Console pages of the SLA: business hours, policies, the report and its CSV export.

Reading needs ``view_desk``; every change needs ``manage_desk``. Another workspace's calendar
or policy is "not found" (404), never "forbidden"."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.desk.sla import forms as sla_forms
from xiaonuo.desk.sla import selectors as sla_selectors
from xiaonuo.desk.sla import services as sla_services
from xiaonuo.desk.sla.models import BusinessCalendar
from xiaonuo.lib import workcalendar_cn
from xiaonuo.lib.errors import ServiceError
from xiaonuo.lib.workcalendar import WEEKDAYS, parse_date

ACTIVE_AREA = "inbox"  # the SLA pages belong to the service desk in the sidebar


def _require_manage(request: ConsoleRequest) -> None:
    if request.method == "POST" and not has_perm(request, Perm.MANAGE_DESK):
        raise PermissionDenied()


def _refused(form: Any, error: ServiceError) -> None:
    form.add_error(sla_forms.form_field_of(error, form), sla_forms.error_text(error))


# --- Calendars ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_required(Perm.VIEW_DESK)
def calendar_list(request: ConsoleRequest) -> HttpResponse:
    _require_manage(request)
    form = sla_forms.CalendarCreateForm(request.POST or None)
    error_code = ""
    if request.method == "POST" and form.is_valid():
        try:
            row = sla_services.create_calendar(
                workspace=request.workspace,
                name=form.cleaned_data["name"],
                preset=form.cleaned_data["preset"],
            )
            return redirect("desk_sla:calendar", calendar_id=row.pk)
        except ServiceError as error:
            _refused(form, error)
            error_code = error.code
    context = {
        "calendars": sla_selectors.list_calendars(workspace=request.workspace),
        "form": form,
        "error_code": error_code,
        "can_manage": has_perm(request, Perm.MANAGE_DESK),
        "active_area": ACTIVE_AREA,
        "tab": "calendars",
    }
    return render(
        request,
        "desk_sla/calendars.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@workspace_required(Perm.VIEW_DESK)
def calendar_detail(request: ConsoleRequest, calendar_id: int) -> HttpResponse:
    _require_manage(request)
    row = sla_selectors.get_calendar(workspace=request.workspace, calendar_id=calendar_id)
    hours_form = sla_forms.CalendarHoursForm.for_calendar(row)
    import_form = sla_forms.ScheduleImportForm(initial={"replace_years": True})
    action = request.POST.get("action", "")
    error_code = action_error = ""
    if request.method == "POST":
        handlers: dict[str, Callable[..., Any]] = {
            "hours": _save_hours,
            "import": _import_text,
            "official": _import_official,
            "remove_day": _remove_day,
            "delete": _delete_calendar,
        }
        handler = handlers.get(action)
        if handler is None:
            return HttpResponse(status=400)
        outcome = handler(request, row)
        if isinstance(outcome, HttpResponse):
            return outcome
        form, error_code, *message = outcome
        if action == "hours":
            hours_form = form
        else:
            import_form = form
        action_error = message[0] if message else ""
    context = _calendar_context(request, row, hours_form, import_form, error_code)
    context["action_error"] = action_error
    return render(request, "desk_sla/calendar.html", context, status=400 if error_code else 200)


def _calendar_context(
    request: ConsoleRequest,
    row: BusinessCalendar,
    hours_form: Any,
    import_form: Any,
    error_code: str,
) -> dict[str, Any]:
    days = []
    for entry in row.definition.get("days", []):
        hours_of = entry.get("hours_of") or ""
        days.append(
            {
                **entry,
                "hours_label": sla_forms.WEEKDAY_LABELS.get(hours_of, ""),
                "periods_text": " ".join(entry.get("periods", [])),
            }
        )
    return {
        "calendar": row,
        "hours_form": hours_form,
        "weekday_fields": [hours_form[day] for day in WEEKDAYS],
        "import_form": import_form,
        "days": days,
        "official_years": sorted(workcalendar_cn.OFFICIAL_SCHEDULES),
        "error_code": error_code,
        "can_manage": has_perm(request, Perm.MANAGE_DESK),
        "active_area": ACTIVE_AREA,
        "tab": "calendars",
    }


def _save_hours(request: ConsoleRequest, row: BusinessCalendar) -> Any:
    form = sla_forms.CalendarHoursForm(request.POST)
    if not form.is_valid():
        return form, "invalid_form"
    try:
        sla_services.update_calendar_hours(
            workspace=request.workspace,
            calendar_id=row.pk,
            name=form.cleaned_data["name"],
            week=form.week(),
            timezone_name=form.cleaned_data["timezone"].strip(),
            makeup_hours_of=form.cleaned_data["makeup_hours_of"],
        )
    except ServiceError as error:
        _refused(form, error)
        return form, error.code
    return redirect("desk_sla:calendar", calendar_id=row.pk)


def _import_text(request: ConsoleRequest, row: BusinessCalendar) -> Any:
    form = sla_forms.ScheduleImportForm(request.POST)
    if not form.is_valid():
        return form, "invalid_form"
    try:
        sla_services.import_schedule(
            workspace=request.workspace,
            calendar_id=row.pk,
            text=form.cleaned_data["text"],
            replace_years=form.cleaned_data["replace_years"],
        )
    except ServiceError as error:
        form.add_error("text", sla_forms.error_text(error))
        return form, error.code
    return redirect("desk_sla:calendar", calendar_id=row.pk)


def _import_official(request: ConsoleRequest, row: BusinessCalendar) -> Any:
    raw = request.POST.get("year", "")
    year = int(raw) if raw.isdigit() else 0
    return _attempt(
        lambda: sla_services.import_official_schedule(
            workspace=request.workspace, calendar_id=row.pk, year=year
        ),
        redirect("desk_sla:calendar", calendar_id=row.pk),
    )


def _remove_day(request: ConsoleRequest, row: BusinessCalendar) -> Any:
    def remove() -> None:
        day = parse_date(request.POST.get("date", ""))
        sla_services.remove_special_day(workspace=request.workspace, calendar_id=row.pk, day=day)

    return _attempt(remove, redirect("desk_sla:calendar", calendar_id=row.pk))


def _delete_calendar(request: ConsoleRequest, row: BusinessCalendar) -> Any:
    return _attempt(
        lambda: sla_services.delete_calendar(workspace=request.workspace, calendar_id=row.pk),
        redirect("desk_sla:calendars"),
    )


def _attempt(action: Callable[[], Any], success: HttpResponse) -> Any:
    """Run a one-button action; a refusal becomes the page's error above the import form."""
    try:
        action()
    except ServiceError as error:
        form = sla_forms.ScheduleImportForm(initial={"replace_years": True})
        return form, error.code, sla_forms.error_text(error)
    return success


# --- Policies -----------------------------------------------------------------------------------


def _policy_form(request: ConsoleRequest, **kwargs: Any) -> sla_forms.PolicyForm:
    return sla_forms.PolicyForm(
        request.POST or None,
        channels=list(channels_selectors.list_channels(workspace=request.workspace)),
        calendars=list(sla_selectors.list_calendars(workspace=request.workspace)),
        **kwargs,
    )


@require_http_methods(["GET", "POST"])
@workspace_required(Perm.VIEW_DESK)
def policy_list(request: ConsoleRequest) -> HttpResponse:
    _require_manage(request)
    form = _policy_form(
        request,
        initial={
            "clock": "business",
            "pause_on_pending": True,
            "pause_on_hold": True,
            "warn_percent": 80,
        },
    )
    error_code = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                sla_services.create_policy(workspace=request.workspace, data=form.policy_input())
                return redirect("desk_sla:policies")
            except ServiceError as error:
                _refused(form, error)
                error_code = error.code
        else:
            error_code = "invalid_form"
    context = {
        "policies": sla_selectors.list_policies(workspace=request.workspace),
        "form": form,
        "error_code": error_code,
        "can_manage": has_perm(request, Perm.MANAGE_DESK),
        "active_area": ACTIVE_AREA,
        "tab": "policies",
    }
    return render(request, "desk_sla/policies.html", context, status=400 if error_code else 200)


@require_http_methods(["GET", "POST"])
@workspace_required(Perm.VIEW_DESK)
def policy_detail(request: ConsoleRequest, policy_id: int) -> HttpResponse:
    _require_manage(request)
    policy = sla_selectors.get_policy(workspace=request.workspace, policy_id=policy_id)
    if request.method == "POST" and request.POST.get("action") == "delete":
        sla_services.delete_policy(workspace=request.workspace, policy_id=policy.pk)
        return redirect("desk_sla:policies")
    form = _policy_form(
        request,
        initial={
            "name": policy.name,
            "priority": policy.priority,
            "channel": policy.channel_id,
            "first_response_minutes": policy.first_response_minutes,
            "resolution_minutes": policy.resolution_minutes,
            "clock": policy.clock,
            "calendar": policy.calendar_id,
            "pause_on_pending": policy.pause_on_pending,
            "pause_on_hold": policy.pause_on_hold,
            "warn_percent": policy.warn_percent,
            "warn_minutes_before": policy.warn_minutes_before,
        },
    )
    error_code = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                sla_services.update_policy(
                    workspace=request.workspace, policy_id=policy.pk, data=form.policy_input()
                )
                return redirect("desk_sla:policies")
            except ServiceError as error:
                _refused(form, error)
                error_code = error.code
        else:
            error_code = "invalid_form"
    context = {
        "policy": policy,
        "form": form,
        "error_code": error_code,
        "can_manage": has_perm(request, Perm.MANAGE_DESK),
        "active_area": ACTIVE_AREA,
        "tab": "policies",
    }
    return render(request, "desk_sla/policy.html", context, status=400 if error_code else 200)


# --- Report -------------------------------------------------------------------------------------

REPORT_DEFAULT_DAYS = 30


def _report(request: ConsoleRequest) -> tuple[sla_selectors.SlaReport | None, dict[str, Any]]:
    today = timezone.localdate()
    params = {
        "start": request.GET.get("start", ""),
        "end": request.GET.get("end", ""),
        "period": request.GET.get("period", "day"),
    }
    try:
        start = (
            parse_date(params["start"])
            if params["start"]
            else today - timedelta(days=REPORT_DEFAULT_DAYS - 1)
        )
        end = parse_date(params["end"]) if params["end"] else today
        report = sla_selectors.get_report(
            workspace=request.workspace, start=start, end=end, period=params["period"]
        )
    except ServiceError as error:
        return None, {**params, "error": sla_forms.error_text(error), "error_code": error.code}
    return report, {**params, "start": start.isoformat(), "end": end.isoformat()}


@workspace_required(Perm.VIEW_DESK)
def report(request: ConsoleRequest) -> HttpResponse:
    result, params = _report(request)
    context: dict[str, Any] = {"params": params, "active_area": ACTIVE_AREA, "tab": "report"}
    if result is None:
        return render(request, "desk_sla/report.html", context, status=400)
    tables = sla_selectors.label_report(workspace=request.workspace, report=result)
    periods = tables["period"]
    context.update(
        {
            "report": result,
            "tables": [(_dimension_title(d), rows) for d, rows in tables.items()],
            "chart": {
                "labels": [row.label for row in periods],
                "series": [
                    {
                        "name": _("首次响应达标率"),
                        "values": [_percent(r.first_rate) for r in periods],
                    },
                    {
                        "name": _("解决达标率"),
                        "values": [_percent(r.resolution_rate) for r in periods],
                    },
                ],
            },
        }
    )
    return render(request, "desk_sla/report.html", context)


@workspace_required(Perm.VIEW_DESK)
def report_csv(request: ConsoleRequest) -> HttpResponse:
    result, params = _report(request)
    if result is None:
        return HttpResponse(params["error"], status=400, content_type="text/plain; charset=utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("维度"),
            _("分组"),
            _("首次响应达标"),
            _("首次响应总数"),
            _("首次响应达标率"),
            _("解决达标"),
            _("解决总数"),
            _("解决达标率"),
        ]
    )
    for dimension, rows in sla_selectors.label_report(
        workspace=request.workspace, report=result
    ).items():
        for row in rows:
            writer.writerow(
                [
                    _dimension_title(dimension),
                    _cell(row.label),
                    row.first_met,
                    row.first_total,
                    _percent(row.first_rate),
                    row.resolution_met,
                    row.resolution_total,
                    _percent(row.resolution_rate),
                ]
            )
    # A BOM so that Excel (the usual reader in a Chinese office) opens UTF-8 correctly.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"sla-{params['start']}-{params['end']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _dimension_title(dimension: str) -> str:
    titles = {
        "period": _("按时间"),
        "channel": _("按渠道"),
        "priority": _("按优先级"),
        "agent": _("按客服"),
    }
    return titles[dimension]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def _cell(text: str) -> str:
    """Names typed by people could start a spreadsheet formula; a leading quote keeps text text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
