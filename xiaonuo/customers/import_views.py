"""Console pages for importing customers from a file and exporting a list to CSV."""

from typing import Any

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import exporting, importing
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.customers.importing import ImportErrorCode
from xiaonuo.customers.models import (
    AttributeDefinition,
    ConsentPurpose,
    CustomerImport,
    IdentityKind,
    ImportStatus,
    LifecycleStage,
)
from xiaonuo.lib.errors import NotFound, ServiceError

# What people read for each file-level error; the code is shown too, for support.
_ERROR_MESSAGES: dict[str, Any] = {
    ImportErrorCode.FILE_ENCODING_UNREADABLE: gettext_lazy(
        "无法识别文件的编码。请另存为 UTF-8 或 GBK 编码的 CSV 后再上传。"
    ),
    ImportErrorCode.FILE_EMPTY: gettext_lazy("文件是空的：没有表头或没有数据行。"),
    ImportErrorCode.FILE_COLUMNS_MISSING: gettext_lazy(
        "缺少必需的列：至少需要一列身份信息（会员ID、手机号、邮箱、openid、unionid 或 QQ）。"
    ),
    ImportErrorCode.FILE_FORMAT_UNSUPPORTED: gettext_lazy("只能导入 .csv 或 .xlsx 文件。"),
    ImportErrorCode.FILE_TOO_LARGE: gettext_lazy("文件不能超过 50 MB。"),
    ImportErrorCode.FILE_SHEET_MISSING: gettext_lazy("找不到这个工作表。"),
    ImportErrorCode.MAPPING_INVALID: gettext_lazy("列的对应关系有误：每个字段只能对应一列。"),
    ImportErrorCode.IMPORT_STARTED: gettext_lazy("这次导入已经开始了。"),
}
_FIELD_LABELS = {
    "name": gettext_lazy("姓名"),
    "gender": gettext_lazy("性别"),
    "city": gettext_lazy("城市"),
    "lifecycle_stage": gettext_lazy("生命周期"),
    "is_seed": gettext_lazy("种子用户"),
    "tags": gettext_lazy("标签"),
}


def _error_text(exc: ServiceError) -> str:
    return f"{_ERROR_MESSAGES.get(exc.code, exc.message)} ({exc.code})"


def _get_import(request: ConsoleRequest, import_id: int) -> CustomerImport:
    try:
        return importing.get_import(workspace=request.workspace, import_id=import_id)
    except NotFound:
        raise Http404 from None


@workspace_required(Perm.IMPORT_CUSTOMERS)
def import_upload(request: ConsoleRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要上传的文件。")
        elif upload.size and upload.size > importing.MAX_FILE_BYTES:
            error = _error_text(ServiceError(ImportErrorCode.FILE_TOO_LARGE, ""))
        else:
            try:
                customer_import = importing.create_import(
                    workspace=request.workspace,
                    actor=Actor(user=request.user),
                    file_name=upload.name or "",
                    chunks=upload.chunks(),
                    sheet=request.POST.get("sheet", "").strip(),
                )
            except ServiceError as exc:
                error = _error_text(exc)
            else:
                return redirect("customers:import_mapping", customer_import.pk)
    recent = CustomerImport.objects.filter(workspace=request.workspace).order_by("-id")[:10]
    return render(
        request,
        "customers/import_upload.html",
        {
            "error": error,
            "recent": recent,
            "active_area": "customers",
            "max_mb": importing.MAX_FILE_BYTES // 2**20,
        },
        status=400 if error else 200,
    )


@workspace_required(Perm.IMPORT_CUSTOMERS)
def import_mapping(request: ConsoleRequest, import_id: int) -> HttpResponse:
    customer_import = _get_import(request, import_id)
    if customer_import.started_at is not None:
        return redirect("customers:import_progress", customer_import.pk)
    path = importing.stored_path(customer_import.file_path)
    header, rows = importing.preview(
        path, name=customer_import.file_name, sheet=customer_import.sheet
    )
    mapping = customer_import.mapping
    error = ""
    if request.method == "POST":
        mapping = {column: request.POST.get(f"col-{i}", "") for i, column in enumerate(header)}
        try:
            importing.start_import(
                workspace=request.workspace, import_id=customer_import.pk, mapping=mapping
            )
        except ServiceError as exc:
            error = _error_text(exc)
        else:
            return redirect("customers:import_progress", customer_import.pk)
    columns = [
        {
            "index": i,
            "name": column,
            "target": mapping.get(column, ""),
            "samples": [r[i] for r in rows if r[i]][:3],
        }
        for i, column in enumerate(header)
    ]
    return render(
        request,
        "customers/import_mapping.html",
        {
            "import": customer_import,
            "columns": columns,
            "header": header,
            "rows": rows,
            "error": error,
            "choices": _target_choices(request),
            "active_area": "customers",
        },
        status=400 if error else 200,
    )


def _target_choices(request: ConsoleRequest) -> list[tuple[str, str]]:
    labels: dict[str, str] = {
        **{k: str(v) for k, v in _FIELD_LABELS.items()},
        **{
            kind.value: str(kind.label)
            for kind in IdentityKind
            if kind.value in importing.IDENTITY_TARGETS
        },
        **{
            f"consent.{p.value}": _("授权：%(purpose)s") % {"purpose": p.label}
            for p in ConsentPurpose
        },
        **{
            f"attributes.{key}": _("属性：%(label)s") % {"label": label}
            for key, label in AttributeDefinition.objects.filter(
                workspace=request.workspace
            ).values_list("key", "label")
        },
    }
    return [
        ("", _("（不导入）")),
        *((t, labels.get(t, t)) for t in importing.target_choices(workspace=request.workspace)),
    ]


@workspace_required(Perm.IMPORT_CUSTOMERS)
def import_progress(request: ConsoleRequest, import_id: int) -> HttpResponse:
    customer_import = _get_import(request, import_id)
    total = max(customer_import.total_rows, customer_import.processed_rows)
    finished = customer_import.status in (ImportStatus.DONE, ImportStatus.FAILED)
    context = {
        "import": customer_import,
        "finished": finished,
        "total": total,
        "percent": 100
        if customer_import.status == ImportStatus.DONE
        else (int(100 * customer_import.processed_rows / total) if total else 0),
        "failure": _ERROR_MESSAGES.get(customer_import.failure_code, customer_import.failure_code),
        "active_area": "customers",
    }
    if request.headers.get("HX-Request"):
        return render(request, "customers/import_progress_bar.html", context)
    return render(request, "customers/import_progress.html", context)


# workspace_required is typed for HttpResponse; a streamed response works the same at run time.
@workspace_required(Perm.IMPORT_CUSTOMERS)  # type: ignore[arg-type]
def import_errors(request: ConsoleRequest, import_id: int) -> FileResponse:
    customer_import = _get_import(request, import_id)
    if not customer_import.error_report_path:
        raise Http404
    path = importing.stored_path(customer_import.error_report_path)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        content_type="text/csv; charset=utf-8",
        filename=f"import-{customer_import.pk}-errors.csv",
    )


@workspace_required(Perm.EXPORT_CUSTOMERS)  # type: ignore[arg-type]
def customer_export(request: ConsoleRequest) -> StreamingHttpResponse:
    stage = request.GET.get("stage", "")
    filters = customers_selectors.CustomerFilters(
        q=request.GET.get("q", "")[:200],
        lifecycle_stage=stage if stage in LifecycleStage.values else "",
        tag=request.GET.get("tag", "")[:50],
        is_seed={"1": True, "0": False}.get(request.GET.get("seed", "")),
    )
    lines = exporting.export_customers_csv(
        workspace=request.workspace,
        filters=filters,
        actor=Actor(user=request.user),
        reveal_pii=has_perm(request, Perm.REVEAL_PII),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"customers-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
