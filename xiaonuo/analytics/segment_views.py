"""Console pages of segments and of the lifecycle-stage rules (under /analytics/).

Everything runs in the signed-in member's current workspace (``request.workspace``): another
workspace's segment is "not found". Viewing and counting need ``view_customers``; saving and
deleting ``edit_customers``; the CSV export ``export_customers`` (audited). Identifiers in the
preview and the export are masked unless the role may reveal them, as on the customer pages.
"""

import csv
from collections.abc import Iterator
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.models import AuditAction
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.analytics import forms, labels, lifecycle_stage, segments
from xiaonuo.analytics.exceptions import AnalyticsError
from xiaonuo.customers.identities import masked_value
from xiaonuo.customers.models import (
    AttributeDefinition,
    Customer,
    IdentityKind,
    LifecycleStage,
    Tag,
)
from xiaonuo.lib.errors import NotFound, ServiceError

PREVIEW_ROWS = 50
EXPORT_BATCH = 500
_SHOWN_IDENTITIES = (IdentityKind.EXTERNAL_ID, IdentityKind.PHONE, IdentityKind.OPENID)
EXAMPLE = {
    "match": "all",
    "conditions": [
        {"type": "event", "event": "支付成功", "op": "at_least", "count": 3, "within_days": 30},
        {"type": "event", "event": "登录", "op": "none", "within_days": 14},
    ],
}


def builder_labels() -> dict[str, Any]:
    """What the rule builder (static/analytics/segments.js) shows, translated."""
    return {
        "types": {
            "event": _("行为"),
            "attribute": _("属性"),
            "tag": _("标签"),
            "lifecycle_stage": _("生命周期"),
            "seed": _("种子用户"),
            "rfm_segment": _("RFM 分层"),
        },
        "ops": {
            "eq": _("等于"),
            "ne": _("不等于"),
            "in": _("属于"),
            "not_in": _("不属于"),
            "contains": _("包含"),
            "gt": _("大于"),
            "gte": _("大于等于"),
            "lt": _("小于"),
            "lte": _("小于等于"),
            "is_set": _("已填写"),
            "is_not_set": _("未填写"),
            "has": _("有"),
            "has_not": _("没有"),
            "at_least": _("至少"),
            "at_most": _("至多"),
            "exactly": _("恰好"),
            "none": _("没有做过"),
        },
        "stages": {value: str(label) for value, label in LifecycleStage.choices},
        "rfm": {key: str(label) for key, label in labels.SEGMENTS.items()},
        "all": _("满足全部条件"),
        "any": _("满足任一条件"),
        "add": _("添加条件"),
        "addGroup": _("添加条件组"),
        "remove": _("删除条件"),
        "removeGroup": _("删除条件组"),
        "kind": _("条件类型"),
        "field": _("字段（name、city、gender 或 attributes.键）"),
        "op": _("比较"),
        "value": _("值"),
        "values": _("取值"),
        "commas": _("用逗号分隔"),
        "tag": _("标签"),
        "event": _("事件名"),
        "times": _("次"),
        "within": _("时间范围：最近"),
        "days": _("天"),
        "ever": _("不限"),
        "match": _("组合方式"),
        "yes": _("是"),
        "no": _("否"),
    }


def _context(request: ConsoleRequest, **extra: Any) -> dict[str, Any]:
    return {
        "active_area": "analytics",
        "can_edit": has_perm(request, Perm.EDIT_CUSTOMERS),
        "can_export": has_perm(request, Perm.EXPORT_CUSTOMERS),
        "stages": LifecycleStage.choices,
        **extra,
    }


@workspace_required(Perm.VIEW_CUSTOMERS)
def segment_list(request: ConsoleRequest) -> HttpResponse:
    items = segments.list_segments(workspace=request.workspace)
    return render(request, "analytics/segments/list.html", _context(request, segments=items))


@workspace_required(Perm.VIEW_CUSTOMERS)
def segment_edit(request: ConsoleRequest, segment_id: int | None = None) -> HttpResponse:
    segment = None
    if segment_id is not None:
        segment = segments.get_segment(workspace=request.workspace, segment_id=segment_id)
    if request.method == "POST":
        if not has_perm(request, Perm.EDIT_CUSTOMERS):
            raise PermissionDenied()
        form = forms.SegmentForm(request.POST)
        if form.is_valid():
            try:
                saved = segments.save_segment(
                    workspace=request.workspace,
                    segment_id=segment_id,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    definition=form.cleaned_data["definition"],
                    user=request.user,
                )
            except ServiceError as exc:
                form.add_error(
                    "name" if exc.code == AnalyticsError.SEGMENT_NAME_TAKEN else None, exc.message
                )
            else:
                return redirect("analytics:segment", segment_id=saved.pk)
        status = 400
    else:
        initial = {
            "name": segment.name if segment else "",
            "description": segment.description if segment else "",
            "definition": orjson.dumps(
                segment.definition if segment else EXAMPLE, option=orjson.OPT_INDENT_2
            ).decode(),
        }
        form = forms.SegmentForm(initial=initial)
        status = 200
    return render(
        request,
        "analytics/segments/edit.html",
        _context(
            request,
            form=form,
            segment=segment,
            labels=builder_labels(),
            tags=Tag.objects.filter(workspace=request.workspace).values_list("name", flat=True)[
                :500
            ],
            fields=[*segments.BUILTIN_FIELDS]
            + [
                f"attributes.{key}"
                for key in AttributeDefinition.objects.filter(
                    workspace=request.workspace
                ).values_list("key", flat=True)
            ],
        ),
        status=status,
    )


@workspace_required(Perm.VIEW_CUSTOMERS)
def segment_count(request: ConsoleRequest) -> HttpResponse:
    """The live count while editing: the definition as typed (POST), counted now; or a saved
    segment's (GET ``?segment=ID``)."""
    saved = request.GET.get("segment", "")
    try:
        if saved.isdigit():  # a saved segment's count (the list loads one per row)
            segment = segments.get_segment(workspace=request.workspace, segment_id=int(saved))
            definition = segment.definition
        else:
            definition = forms.definition_from_text(request.POST.get("definition", ""))
        found = segments.count(workspace=request.workspace, definition=definition)
    except forms.forms.ValidationError as exc:
        response = render(
            request, "analytics/segments/_count.html", {"error": " ".join(exc.messages)}, status=400
        )
        response["X-Error-Code"] = AnalyticsError.SEGMENT_INVALID
        return response
    except NotFound:
        raise  # another workspace's segment: 404, as everywhere
    except ServiceError as exc:
        response = render(
            request, "analytics/segments/_count.html", {"error": exc.message}, status=400
        )
        response["X-Error-Code"] = str(exc.code)
        return response
    return render(request, "analytics/segments/_count.html", {"count": found})


def _identities(customer: Customer, reveal: bool) -> dict[str, str]:
    shown: dict[str, str] = {}
    for identity in customer.identities.all():
        if identity.kind in _SHOWN_IDENTITIES and identity.kind not in shown:
            value = identity.value if reveal else masked_value(identity.kind, identity.value)
            shown[identity.kind] = value
    return shown


@workspace_required(Perm.VIEW_CUSTOMERS)
def segment_preview(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    segment = segments.get_segment(workspace=request.workspace, segment_id=segment_id)
    ids = segments.evaluate(workspace=request.workspace, definition=segment.definition)
    reveal = has_perm(request, Perm.REVEAL_PII)
    rows = [
        {"customer": c, "identities": _identities(c, reveal)}
        for c in segments.customers_page(workspace=request.workspace, ids=ids, limit=PREVIEW_ROWS)
    ]
    return render(
        request,
        "analytics/segments/_preview.html",
        {
            "segment": segment,
            "rows": rows,
            "total": len(ids),
            "kinds": [(k.value, k.label) for k in _SHOWN_IDENTITIES],
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@workspace_required(Perm.EXPORT_CUSTOMERS)  # type: ignore[arg-type]
def segment_export(request: ConsoleRequest, segment_id: int) -> StreamingHttpResponse:
    workspace = request.workspace
    segment = segments.get_segment(workspace=workspace, segment_id=segment_id)
    ids = segments.evaluate(workspace=workspace, definition=segment.definition)
    reveal = has_perm(request, Perm.REVEAL_PII)
    accounts_services.record_audit(
        workspace=workspace,
        actor=Actor(user=request.user),
        action=AuditAction.EXPORT,
        target_type="segment",
        target_id=str(segment.pk),
        detail={"format": "csv", "rows": len(ids), "pii": reveal},
    )

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        # Excel reads a CSV as UTF-8 only after a BOM.
        yield "\ufeff" + writer.writerow(
            [_("用户ID"), _("姓名"), _("城市"), _("生命周期"), _("种子用户"), _("标签")]
            + [str(k.label) for k in _SHOWN_IDENTITIES]
        )
        after = 0
        while True:
            page = segments.customers_page(
                workspace=workspace, ids=ids, after_id=after, limit=EXPORT_BATCH
            )
            for c in page:
                shown = _identities(c, reveal)
                yield writer.writerow(
                    [
                        c.pk,
                        c.name,
                        c.city,
                        c.get_lifecycle_stage_display(),
                        _("是") if c.is_seed else _("否"),
                        "、".join(t.name for t in c.tags.all()),
                    ]
                    + [shown.get(k, "") for k in _SHOWN_IDENTITIES]
                )
            if len(page) < EXPORT_BATCH:
                return
            after = page[-1].pk

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}-{stamp}.csv"'
    return response


@require_POST
@workspace_required(Perm.EDIT_CUSTOMERS)
def segment_delete(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    segments.delete_segment(workspace=request.workspace, segment_id=segment_id)
    return redirect("analytics:segments")


@workspace_required(Perm.VIEW_CUSTOMERS)
def lifecycle_rules(request: ConsoleRequest) -> HttpResponse:
    rules = lifecycle_stage.get_rules(workspace=request.workspace)
    saved = False
    if request.method == "POST":
        if not has_perm(request, Perm.EDIT_CUSTOMERS):
            raise PermissionDenied()
        form = forms.LifecycleRulesForm(request.POST, instance=rules)
        if form.is_valid():
            lifecycle_stage.save_rules(workspace=request.workspace, values=form.cleaned_data)
            saved = True
    else:
        form = forms.LifecycleRulesForm(instance=rules)
    status = 400 if form.errors else 200
    return render(
        request,
        "analytics/segments/lifecycle_rules.html",
        _context(request, form=form, saved=saved),
        status=status,
    )
