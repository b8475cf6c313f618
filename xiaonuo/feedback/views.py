"""Console pages of the voice of the customer: reviews (list, detail with the reply workflow),
import, the product × service quadrant, alerts and settings.

Thin: parse, check the permission (``workspace_required``), call one selector or service,
render. An id of another workspace is a 404. Reading needs ``view_desk`` (everyone who reads the
desk reads what customers say); replying needs ``handle_conversations``; importing and column
mappings ``import_customers``; acknowledging alerts ``handle_complaints``; the rules
``manage_desk`` (docs/decisions/0017).
"""

import tempfile
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.customers.importing import MAX_FILE_BYTES
from xiaonuo.feedback import alerts, corrections, presets, selectors, services, tasks
from xiaonuo.feedback.forms import (
    ASPECT_LABELS,
    FIELD_LABELS,
    ImportForm,
    MappingForm,
    SettingsForm,
)
from xiaonuo.feedback.models import (
    AlertStatus,
    Axis,
    CorrectedLabel,
    Platform,
    ReplyStatus,
    Review,
    Sentiment,
    SourceKind,
)
from xiaonuo.lib.errors import ServiceError

_AREA = {"active_area": "feedback"}
PAGE_SIZE = 50


def _month(value: str | None) -> date | None:
    try:
        return date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


def _review_filters(request: HttpRequest) -> selectors.ReviewFilters:
    get = request.GET
    complaint = {"1": True, "0": False}.get(get.get("complaint", ""))
    return selectors.ReviewFilters(
        platform=get.get("platform", ""),
        store=get.get("store", ""),
        product=get.get("product", ""),
        sentiment=get.get("sentiment", ""),
        complaint=complaint,
        reply_status=get.get("reply", ""),
        axis=get.get("axis", ""),
        polarity=get.get("polarity", ""),
        month=_month(get.get("month")),
        q=get.get("q", "").strip()[:100],
    )


@workspace_required(Perm.VIEW_DESK)
def review_list(request: ConsoleRequest) -> HttpResponse:
    filters = _review_filters(request)
    rows = selectors.list_reviews(workspace=request.workspace, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    stores, products = selectors.stores_and_products(workspace=request.workspace)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **_AREA,
        "tab": "reviews",
        "page": page,
        "filters": filters,
        "stores": stores,
        "products": products,
        "platforms": Platform.choices,
        "sentiments": Sentiment.choices,
        "reply_statuses": ReplyStatus.choices,
        "counts": selectors.review_counts(workspace=request.workspace),
        "query": query.urlencode(),
        "aspect_labels": ASPECT_LABELS,
        "drill": bool(filters.axis or filters.polarity or filters.month),
    }
    return render(request, "feedback/reviews.html", context)


@workspace_required(Perm.VIEW_DESK)
def review_detail(request: ConsoleRequest, review_id: int) -> HttpResponse:
    review = _review_or_404(request, review_id)
    return _render_detail(request, review)


def _render_detail(
    request: ConsoleRequest,
    review: Review,
    *,
    error: ServiceError | None = None,
    draft: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        **_AREA,
        "tab": "reviews",
        "review": review,
        "error": error,
        "draft": draft,
        "findings": error.details.get("findings", []) if error else [],
        "may_reply": has_perm(request, Perm.HANDLE_CONVERSATIONS),
        "aspect_labels": ASPECT_LABELS,
        "correction": selectors.get_correction(
            workspace=request.workspace,
            source_kind=SourceKind.REVIEW,
            source_id=review.pk,
        ),
        "corrected_labels": CorrectedLabel.choices,
    }
    return render(request, "feedback/review.html", context, status=status)


def _review_or_404(request: ConsoleRequest, review_id: int) -> Review:
    try:
        return selectors.get_review(workspace=request.workspace, review_id=review_id)
    except ServiceError:
        raise Http404 from None


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def review_sentiment(request: ConsoleRequest, review_id: int) -> HttpResponse:
    """One click: "this review is really positive/negative", or undo it."""
    label = request.POST.get("label", "")
    try:
        if label == "undo":
            corrections.undo_correction(
                workspace=request.workspace, source_kind=SourceKind.REVIEW, source_id=review_id
            )
            messages.success(request, _("已撤销更正，恢复模型的判断。"))
        else:
            corrections.correct_sentiment(
                workspace=request.workspace,
                source_kind=SourceKind.REVIEW,
                source_id=review_id,
                label=label,
                actor=Actor(user=request.user),
            )
            messages.success(request, _("已更正情感，下次重新训练时模型会学习这条更正。"))
    except ServiceError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, _("更正无效。"))
    return redirect("feedback:review", review_id=review_id)


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def review_reply(request: ConsoleRequest, review_id: int) -> HttpResponse:
    review = _review_or_404(request, review_id)
    text = request.POST.get("text", "")
    actor = Actor(user=request.user)
    try:
        if request.POST.get("action") == "replied":
            services.mark_replied(
                workspace=request.workspace,
                review_id=review_id,
                text=text,
                actor=actor,
                despite_tone=request.POST.get("despite_tone") == "1",
            )
            messages.success(request, _("已标记为已回复。"))
        else:
            outcome = services.draft_reply(
                workspace=request.workspace, review_id=review_id, text=text, actor=actor
            )
            if outcome.findings:
                messages.warning(request, _("草稿已保存，语气检查发现需要斟酌的措辞。"))
            else:
                messages.success(request, _("草稿已保存，语气检查通过。"))
    except ServiceError as error:
        return _render_detail(request, review, error=error, draft=text, status=400)
    return redirect("feedback:review", review_id=review_id)


@workspace_required(Perm.IMPORT_CUSTOMERS)
def import_page(request: ConsoleRequest) -> HttpResponse:
    mappings = list(selectors.list_mappings(workspace=request.workspace))
    form = ImportForm(
        request.POST or None, request.FILES or None, mappings=[m.name for m in mappings]
    )
    error: ServiceError | None = None
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            error = ServiceError("file_too_large", f"{upload.name}: over 50 MB")
        else:
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    file_format = services.get_file_format(
                        workspace=request.workspace, name=form.cleaned_data["format"]
                    )
                    result = services.import_file(
                        workspace=request.workspace,
                        path=Path(handle.name),
                        name=upload.name,
                        file_format=file_format,
                    )
                except ServiceError as exc:
                    error = exc
        status = 400 if error else 200
    elif request.method == "POST":
        status = 400
    context = {
        **_AREA,
        "tab": "import",
        "form": form,
        "error": error,
        "result": result,
        "mappings": mappings,
        "mapping_form": MappingForm(),
        "presets": _preset_table(),
    }
    return render(request, "feedback/import.html", context, status=status)


def _preset_table() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (name, [(str(FIELD_LABELS[f]), " / ".join(headers)) for f, headers in preset.items()])
        for name, (_platform, preset) in presets.PRESETS.items()
    ]


@require_POST
@workspace_required(Perm.IMPORT_CUSTOMERS)
def mapping_save(request: ConsoleRequest) -> HttpResponse:
    form = MappingForm(request.POST)
    if form.is_valid():
        try:
            services.save_mapping(
                workspace=request.workspace,
                name=form.cleaned_data["name"],
                platform=form.cleaned_data["platform"],
                columns=form.columns(),
            )
            messages.success(request, _("列映射已保存。"))
            return redirect("feedback:import")
        except ServiceError as error:
            messages.error(
                request, _("列映射无效：%(reason)s") % {"reason": f"{error.message} ({error.code})"}
            )
            return redirect("feedback:import")
    messages.error(request, _("列映射无效：请填写名称和评价内容所在的列。"))
    return redirect("feedback:import")


@require_POST
@workspace_required(Perm.IMPORT_CUSTOMERS)
def mapping_delete(request: ConsoleRequest, mapping_id: int) -> HttpResponse:
    try:
        services.delete_mapping(workspace=request.workspace, mapping_id=mapping_id)
    except ServiceError:
        raise Http404 from None
    messages.success(request, _("列映射已删除。"))
    return redirect("feedback:import")


@workspace_required(Perm.VIEW_DESK)
def quadrant(request: ConsoleRequest) -> HttpResponse:
    get = request.GET
    sources = tuple(s for s in get.getlist("source") if s in SourceKind.values) or (
        SourceKind.REVIEW,
    )
    filters = selectors.QuadrantFilters(
        store=get.get("store", ""),
        product=get.get("product", ""),
        start=_month(get.get("start")),
        end=_month(get.get("end")),
        sources=sources,
    )
    found = selectors.get_quadrant(workspace=request.workspace, filters=filters)
    stores, products = selectors.stores_and_products(workspace=request.workspace)

    def plotted(points: list[selectors.Point]) -> list[dict[str, object]]:
        return [
            {"label": p.label, "x": p.service.score, "y": p.product.score}
            for p in points
            if p.plotted
        ]

    chart = {
        "trajectory": plotted(found.months),
        "stores": [] if filters.store else plotted(found.stores),
        "axisX": _("服务 →"),
        "axisY": _("产品 →"),
        "trajectoryName": _("按月轨迹"),
        "storesName": _("门店"),
    }
    context = {
        **_AREA,
        "tab": "quadrant",
        "filters": filters,
        "found": found,
        "chart": chart,
        "stores": stores,
        "products": products,
        "min_evidence": selectors.MIN_EVIDENCE,
        "source_choices": SourceKind.choices,
        "axis_product": Axis.PRODUCT,
        "axis_service": Axis.SERVICE,
        "start": get.get("start", ""),
        "end": get.get("end", ""),
    }
    return render(request, "feedback/quadrant.html", context)


@workspace_required(Perm.VIEW_DESK)
def alert_list(request: ConsoleRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in AlertStatus.values:
        status = ""
    rows = selectors.list_alerts(workspace=request.workspace, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **_AREA,
        "tab": "alerts",
        "page": page,
        "status": status,
        "may_acknowledge": has_perm(request, Perm.HANDLE_COMPLAINTS),
    }
    return render(request, "feedback/alerts.html", context)


@require_POST
@workspace_required(Perm.HANDLE_COMPLAINTS)
def alert_acknowledge(request: ConsoleRequest, alert_id: int) -> HttpResponse:
    try:
        alerts.acknowledge_alert(
            workspace=request.workspace, alert_id=alert_id, actor=Actor(user=request.user)
        )
    except ServiceError:
        raise Http404 from None
    messages.success(request, _("预警已确认。"))
    return redirect("feedback:alerts")


@workspace_required(Perm.MANAGE_DESK)
def settings_page(request: ConsoleRequest) -> HttpResponse:
    current = services.get_settings(workspace=request.workspace)
    initial = {
        "auto_complaint": current.auto_complaint,
        "aspects": current.auto_complaint_aspects,
        "repeat_only": current.auto_complaint_repeat_only,
        "alert_min_count": current.alert_min_count,
        "alert_mad_k": current.alert_mad_k,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_settings(
            workspace=request.workspace,
            auto_complaint=data["auto_complaint"],
            aspects=data["aspects"],
            repeat_only=data["repeat_only"],
            alert_min_count=data["alert_min_count"],
            alert_mad_k=data["alert_mad_k"],
        )
        messages.success(request, _("设置已保存。"))
        return redirect("feedback:settings")
    status = 400 if request.method == "POST" else 200
    context = {
        **_AREA,
        "tab": "settings",
        "form": form,
        "model": corrections.get_model_status(workspace=request.workspace),
    }
    return render(request, "feedback/settings.html", context, status=status)


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def retrain_model(request: ConsoleRequest) -> HttpResponse:
    """Retrain the workspace's sentiment model now, in the worker (under a minute)."""
    status = corrections.get_model_status(workspace=request.workspace)
    if not status.corrections:
        messages.error(request, _("还没有任何情感更正，暂时无需重新训练。"))
    else:
        tasks.retrain_sentiment_model(request.workspace.pk)
        messages.success(request, _("已开始重新训练，约一分钟后新的分析会使用本工作区的模型。"))
    return redirect("feedback:settings")
