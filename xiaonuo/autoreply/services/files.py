"""The knowledge base as a spreadsheet: import from CSV or .xlsx, export to the same columns.

One row per entry::

    question,phrasings,answer,answer_kind,tags,enabled,valid_from,valid_until,
    answer_url,answer_media_id,answer_title,answer_description,answer_picurl

``phrasings`` and ``tags`` hold several values separated by ``|``; ``answer_kind`` is text
(default), link, image or article; ``enabled`` is 1/0 (also true/false, 是/否; empty = 1);
validity times are ``YYYY-MM-DD[ HH:MM[:SS]]`` in the workspace's time zone (Excel date cells
too). Only ``question`` and ``answer`` are required columns; the Chinese headers the export
writes for people (标准问题, 相似问法 …) are understood as well.

An import is all or nothing: every row is checked first, and a file with any problem is
refused whole with each problem named by line and column. A row whose question already exists
updates that entry (one ``imported`` revision), so an exported file edited in Excel imports
back. CSV may be UTF-8 (with or without BOM) or GBK/GB18030, as Excel on Chinese Windows
writes it.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply.exceptions import AutoReplyError
from xiaonuo.autoreply.models import FaqEntry, RevisionAction
from xiaonuo.autoreply.services.knowledge import (
    Answer,
    FaqChanges,
    FaqInput,
    clean_input,
    create_entry,
    entry_input,
    update_entry,
)
from xiaonuo.customers import importing as customers_importing
from xiaonuo.lib.errors import ServiceError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_PROBLEMS = 100  # a file with thousands of bad rows names the first hundred

COLUMNS = (
    "question",
    "phrasings",
    "answer",
    "answer_kind",
    "tags",
    "enabled",
    "valid_from",
    "valid_until",
    "answer_url",
    "answer_media_id",
    "answer_title",
    "answer_description",
    "answer_picurl",
)
# Headers people write in Chinese → our column names.
_ALIASES = {
    "标准问题": "question",
    "问题": "question",
    "相似问法": "phrasings",
    "其他问法": "phrasings",
    "回复": "answer",
    "答案": "answer",
    "回复内容": "answer",
    "回复类型": "answer_kind",
    "标签": "tags",
    "启用": "enabled",
    "生效时间": "valid_from",
    "失效时间": "valid_until",
    "链接": "answer_url",
    "素材id": "answer_media_id",
    "图文标题": "answer_title",
    "图文摘要": "answer_description",
    "图文封面": "answer_picurl",
}
_TRUE = {"1", "true", "yes", "y", "是", "启用", "开", "on"}
_FALSE = {"0", "false", "no", "n", "否", "停用", "关", "off"}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class _Row:
    line: int
    data: FaqInput


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, line: int, field: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append({"line": line, "field": field, "message": message})


def import_entries(
    *, workspace: Workspace, filename: str, content: bytes, actor: Actor
) -> ImportResult:
    if len(content) > MAX_FILE_BYTES:
        raise _refused(filename, [{"line": 0, "field": "", "message": "file over 10 MB"}])
    table = _table(filename=filename, content=content)
    try:
        parsed = _parse(table, filename=filename)
    finally:
        customers_importing.close_table(table)
    return _store(workspace=workspace, rows=parsed, actor=actor)


def _parse(table: customers_importing.Table, *, filename: str) -> list[_Row]:
    problems = _Problems()
    columns = _columns(table.header, filename=filename)
    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        if len(parsed) >= MAX_ROWS:
            problems.add(line, "", f"at most {MAX_ROWS} rows per file")
            break
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        row = _parse_row(line, values, problems)
        if row is None:
            continue
        if row.data.question in seen:
            problems.add(line, "question", f"the same question as line {seen[row.data.question]}")
            continue
        seen[row.data.question] = line
        parsed.append(row)
    if problems.items:
        raise _refused(filename, problems.items)
    if not parsed:
        raise _refused(filename, [{"line": 1, "field": "", "message": "the file has no rows"}])
    return parsed


def _refused(filename: str, problems: list[dict[str, Any]]) -> ServiceError:
    first = problems[0]
    where = f"{filename}:{first['line']}" if first["line"] else filename  # 0: the whole file
    where += f" ({first['field']})" if first["field"] else ""
    return ServiceError(
        AutoReplyError.IMPORT_INVALID,
        f"{where}: {first['message']}; nothing was imported",
        status=422,
        problems=problems,
    )


def _table(*, filename: str, content: bytes) -> customers_importing.Table:
    """The spreadsheet through the customers importer's reader (CSV in UTF-8, BOM or
    GBK/GB18030, any common delimiter; the first sheet of an .xlsx); its refusals become this
    import's ``faq_import_invalid``."""
    try:
        return customers_importing.open_table(content, name=filename)
    except ServiceError as error:
        # Its messages start with the file's name, which ``_refused`` puts first itself.
        message = error.message.removeprefix(f"{filename}:").lstrip(" :0123456789")
        raise _refused(filename, [{"line": 0, "field": "", "message": message}]) from None


def _columns(header: list[str], *, filename: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").lower()
        name = _ALIASES.get(name, name)
        if name in COLUMNS and name not in columns:
            columns[name] = i
    missing = [name for name in ("question", "answer") if name not in columns]
    if missing:
        raise _refused(
            filename,
            [
                {"line": 1, "field": name, "message": f"the header has no {name} column"}
                for name in missing
            ],
        )
    return columns


def _parse_row(line: int, values: dict[str, str], problems: _Problems) -> _Row | None:
    before = len(problems.items)
    enabled = _flag(values.get("enabled", ""), line, problems)
    valid_from = _time(values.get("valid_from", ""), line, "valid_from", problems)
    valid_until = _time(values.get("valid_until", ""), line, "valid_until", problems)
    if len(problems.items) > before:
        return None
    data = FaqInput(
        question=values.get("question", ""),
        phrasings=_split(values.get("phrasings", "")),
        answer=Answer(
            kind=values.get("answer_kind", "").lower() or "text",
            text=values.get("answer", ""),
            url=values.get("answer_url", ""),
            media_id=values.get("answer_media_id", ""),
            title=values.get("answer_title", ""),
            description=values.get("answer_description", ""),
            picurl=values.get("answer_picurl", ""),
        ),
        tags=_split(values.get("tags", "")),
        enabled=enabled,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    try:
        return _Row(line=line, data=clean_input(data))
    except ServiceError as exc:
        field = str(exc.details.get("field", ""))
        problems.add(line, _FIELD_COLUMN.get(field, field), exc.message)
        return None


# Service field names → the file's column names, so a problem names the column people see.
_FIELD_COLUMN = {"answer_text": "answer", "answer": "answer"}


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace("\n", "|").split("|") if part.strip()]


def _flag(cell: str, line: int, problems: _Problems) -> bool:
    value = cell.strip().lower()
    if not value or value in _TRUE:
        return True
    if value in _FALSE:
        return False
    problems.add(line, "enabled", f"{cell!r} is not 1 or 0")
    return True


def _time(cell: str, line: int, field: str, problems: _Problems) -> datetime | None:
    value = cell.strip()
    if not value:
        return None
    for pattern in _TIME_FORMATS:
        try:
            moment = datetime.strptime(value, pattern)  # noqa: DTZ007 - made aware below
        except ValueError:
            continue
        return timezone.make_aware(moment)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems.add(line, field, f"{cell!r} is not a date like 2026-11-22 or 2026-11-22 18:00")
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _store(*, workspace: Workspace, rows: list[_Row], actor: Actor) -> ImportResult:
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = dict(
            FaqEntry.objects.filter(
                workspace=workspace, question__in=[r.data.question for r in rows]
            ).values_list("question", "pk")
        )
        for row in rows:
            entry_id = existing.get(row.data.question)
            if entry_id is None:
                create_entry(
                    workspace=workspace, data=row.data, actor=actor, action=RevisionAction.IMPORTED
                )
                created += 1
            elif entry_input(FaqEntry.objects.get(pk=entry_id)) == row.data:
                unchanged += 1
            else:
                update_entry(
                    workspace=workspace,
                    entry_id=entry_id,
                    changes=_changes(row.data),
                    actor=actor,
                    action=RevisionAction.IMPORTED,
                )
                updated += 1
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _changes(data: FaqInput) -> FaqChanges:
    unset = frozenset(name for name in ("valid_from", "valid_until") if getattr(data, name) is None)
    return FaqChanges(
        answer=data.answer,
        phrasings=data.phrasings,
        tags=data.tags,
        enabled=data.enabled,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        unset=unset,
    )


# --- export ------------------------------------------------------------------------------------


def export_entries(*, workspace: Workspace, format: str = "csv") -> bytes:  # noqa: A002
    """Every entry of the workspace in the import's columns: CSV in UTF-8 with a BOM (Excel
    opens it as UTF-8), or .xlsx."""
    rows = [list(COLUMNS), *_export_rows(workspace)]
    if format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def _export_rows(workspace: Workspace) -> Iterator[list[str]]:
    entries = (
        FaqEntry.objects.filter(workspace=workspace).order_by("pk").prefetch_related("phrasings")
    )
    for entry in entries:
        yield [
            entry.question,
            "|".join(p.text for p in sorted(entry.phrasings.all(), key=lambda p: p.pk)),
            entry.answer_text,
            entry.answer_kind,
            "|".join(entry.tags),
            "1" if entry.enabled else "0",
            _export_time(entry.valid_from),
            _export_time(entry.valid_until),
            entry.answer_url,
            entry.answer_media_id,
            entry.answer_title,
            entry.answer_description,
            entry.answer_picurl,
        ]


def _export_time(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""
