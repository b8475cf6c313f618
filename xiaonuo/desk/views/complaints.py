"""The complaints page (open complaints by severity and age, the recovery rate) and a
complaint's page with its actions: classify, compensation and its approval, escalation,
resolution, and the recovery outcome afterwards."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.forms import (
    ClassifyForm,
    CompensationForm,
    DecisionForm,
    EscalateForm,
    RecoveryForm,
    ResolveForm,
)
from xiaonuo.desk.models import (
    CompensationKind,
    CompensationStatus,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintStatus,
)
from xiaonuo.desk.views import _common
from xiaonuo.lib.errors import NotFound, ServiceError

LIST_LIMIT = 200


@workspace_required(Perm.VIEW_DESK)
def complaint_list(request: ConsoleRequest) -> HttpResponse:
    workspace = request.workspace
    open_complaints = list(desk_selectors.list_open_complaints(workspace=workspace)[:LIST_LIMIT])
    awaiting = list(desk_selectors.list_complaints_awaiting_outcome(workspace=workspace)[:50])
    _common.load_identities_of_nameless(c.customer for c in [*open_complaints, *awaiting])
    by_severity = {s: 0 for s in ComplaintSeverity.values}
    for c in open_complaints:
        by_severity[c.severity] += 1
    rate = desk_selectors.get_recovery_rate(workspace=workspace)
    context = _common.desk_context(
        request,
        desk_tab="complaints",
        open_rows=[(c, _common.customer_label(c.customer)) for c in open_complaints],
        awaiting_rows=[(c, _common.customer_label(c.customer)) for c in awaiting],
        severity_counts=[
            (ComplaintSeverity(s).label, n) for s, n in sorted(by_severity.items(), reverse=True)
        ],
        truncated=len(open_complaints) == LIST_LIMIT,
        rate=rate,
        rate_percent=round(rate.rate * 100) if rate.rate is not None else None,
    )
    return render(request, "desk/complaints.html", context)


def _render_complaint(
    request: ConsoleRequest, complaint_id: int, *, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    complaint = desk_selectors.get_complaint(workspace=request.workspace, complaint_id=complaint_id)
    _common.load_identities_of_nameless([complaint.customer])
    names = desk_selectors.get_staff_names(
        workspace=request.workspace,
        user_ids=[
            pk
            for pk in (
                complaint.created_by_id,
                complaint.compensation_offered_by_id,
                complaint.compensation_decided_by_id,
                complaint.resolved_by_id,
            )
            if pk is not None
        ],
    )
    resolved = complaint.status == ComplaintStatus.RESOLVED
    can_handle = has_perm(request, Perm.HANDLE_COMPLAINTS)
    context: dict[str, Any] = _common.desk_context(
        request,
        desk_tab="complaints",
        complaint=complaint,
        customer=_common.customer_label(complaint.customer),
        names=names,
        created_by=names.get(complaint.created_by_id or 0, ""),
        offered_by=names.get(complaint.compensation_offered_by_id or 0, ""),
        decided_by=names.get(complaint.compensation_decided_by_id or 0, ""),
        resolved_by=names.get(complaint.resolved_by_id or 0, ""),
        supervisors=desk_selectors.list_supervisors(workspace=request.workspace),
        can_act=can_handle and not resolved,
        can_decide=has_perm(request, Perm.APPROVE_COMPENSATION)
        and complaint.compensation_status == CompensationStatus.PROPOSED,
        can_record_outcome=can_handle and resolved,
        severities=ComplaintSeverity.choices,
        categories=ComplaintCategory.choices,
        compensation_kinds=CompensationKind.choices[1:],
        outcome=_outcome_initial(complaint),
        forms=forms_,
    )
    return render(request, "desk/complaint.html", context, status=status)


def _outcome_initial(complaint: Any) -> dict[str, str]:
    def tri(value: bool | None) -> str:
        return "" if value is None else ("yes" if value else "no")

    return {
        "satisfied_afterwards": tri(complaint.satisfied_afterwards),
        "bought_again": tri(complaint.bought_again),
        "referred_someone": tri(complaint.referred_someone),
    }


@workspace_required(Perm.VIEW_DESK)
def complaint_detail(request: ConsoleRequest, complaint_id: int) -> HttpResponse:
    return _render_complaint(request, complaint_id)


def _act(
    request: ConsoleRequest,
    complaint_id: int,
    form: forms.Form,
    call: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Validate the form, call the service, and say what happened (or why not)."""
    desk_selectors.get_complaint(workspace=request.workspace, complaint_id=complaint_id)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return _render_complaint(request, complaint_id, status=422)
    try:
        call(form.cleaned_data)
    except NotFound:
        raise
    except ServiceError as error:
        messages.error(request, _common.error_text(error))
        return _render_complaint(request, complaint_id, status=error.status)
    messages.success(request, done)
    return redirect("desk:complaint", complaint_id=complaint_id)


ACTIONS = ("classify", "compensation", "decide", "escalate", "resolve", "recovery")


@require_POST
@workspace_required(Perm.HANDLE_COMPLAINTS)
def complaint_action(request: ConsoleRequest, complaint_id: int, action: str) -> HttpResponse:
    ws, actor = request.workspace, Actor(user=request.user)
    if action == "classify":
        return _act(
            request,
            complaint_id,
            ClassifyForm(request.POST),
            lambda d: desk_services.classify_complaint(
                workspace=ws,
                complaint_id=complaint_id,
                severity=d["severity"],
                category=d["category"],
                actor=actor,
            ),
            _("分类已更新。"),
        )
    if action == "compensation":
        return _act(
            request,
            complaint_id,
            CompensationForm(request.POST),
            lambda d: desk_services.offer_compensation(
                workspace=ws,
                complaint_id=complaint_id,
                kind=d["kind"],
                amount=d["amount"] if d["amount"] is not None else "0",
                actor=actor,
            ),
            _("补偿方案已记录。"),
        )
    if action == "decide":
        if not has_perm(request, Perm.APPROVE_COMPENSATION):
            raise PermissionDenied
        return _act(
            request,
            complaint_id,
            DecisionForm(request.POST),
            lambda d: desk_services.decide_compensation(
                workspace=ws,
                complaint_id=complaint_id,
                approve=d["decision"] == "approve",
                actor=actor,
            ),
            _("审批结果已记录。"),
        )
    if action == "escalate":
        return _act(
            request,
            complaint_id,
            EscalateForm(request.POST),
            lambda d: desk_services.escalate_complaint(
                workspace=ws,
                complaint_id=complaint_id,
                to_user_id=d["to_user"],
                reason=d["reason"],
                actor=actor,
            ),
            _("投诉已升级。"),
        )
    if action == "resolve":
        return _act(
            request,
            complaint_id,
            ResolveForm(request.POST),
            lambda d: desk_services.resolve_complaint(
                workspace=ws, complaint_id=complaint_id, resolution=d["resolution"], actor=actor
            ),
            _("投诉已结案。"),
        )
    if action == "recovery":
        form = RecoveryForm(request.POST)
        return _act(
            request,
            complaint_id,
            form,
            lambda d: desk_services.record_recovery(
                workspace=ws,
                complaint_id=complaint_id,
                actor=actor,
                satisfied_afterwards=form.answer("satisfied_afterwards"),
                bought_again=form.answer("bought_again"),
                referred_someone=form.answer("referred_someone"),
            ),
            _("挽回结果已记录。"),
        )
    raise Http404
