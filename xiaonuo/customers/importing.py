"""Customer import from CSV and XLSX files: column mapping, row validation, idempotent upsert.

How a file becomes customers:

1. ``open_table`` reads the header and yields rows with the line number people see in the file.
2. A mapping ``{file column: target}`` says what each column is (``suggest_mapping`` guesses it
   from common Chinese and English headers).
3. Every row is checked with the same rules as ``customers_services`` (identity normalising,
   attribute coercion). A row with any error is not stored; it goes to the error report.
4. Rows are matched to existing customers by any identity they carry (priority: external id,
   phone, e-mail, openid, unionid, QQ), so importing the same file twice updates and never
   duplicates. Two rows of one file claiming the same identity for different people is an
   error on the later line.
5. Valid rows are written in chunks of ``CHUNK_ROWS``, each in one transaction with bulk
   queries (one identity lookup, bulk inserts), so a crash leaves whole rows or none.
"""

import contextlib
import csv
import io
import itertools
import re
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import AuditAction, Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.customers.attributes import coerce_value
from xiaonuo.customers.identities import normalise
from xiaonuo.customers.models import (
    AttributeDefinition,
    AttributeType,
    ConsentPurpose,
    Customer,
    CustomerImport,
    Gender,
    Identity,
    ImportStatus,
    LifecycleStage,
    Tag,
)
from xiaonuo.lib import textfiles
from xiaonuo.lib.errors import NotFound, ServiceError


class ImportErrorCode(StrEnum):
    FILE_ENCODING_UNREADABLE = textfiles.FILE_ENCODING_UNREADABLE  # not UTF-8, GBK or GB18030
    FILE_EMPTY = "file_empty"  # no header row, or nothing but blank lines
    FILE_COLUMNS_MISSING = (
        "file_columns_missing"  # a mapped column is absent, or no identity column
    )
    FILE_FORMAT_UNSUPPORTED = "file_format_unsupported"  # neither CSV nor a readable XLSX
    FILE_TOO_LARGE = "file_too_large"  # over MAX_FILE_BYTES
    FILE_SHEET_MISSING = "file_sheet_missing"  # the named XLSX sheet does not exist
    MAPPING_INVALID = "mapping_invalid"  # an unknown target, or two columns on one target
    IMPORT_NOT_FOUND = "import_not_found"
    IMPORT_STARTED = "import_started"  # mapping can only change before the import runs


MAX_FILE_BYTES = 50 * 1024 * 1024
# 1,000 rows keep a chunk's identity lookup under SQLite's variable limit and its transaction
# short enough that the console can read while an import writes.
CHUNK_ROWS = 1000
PREVIEW_ROWS = 5

# Matching priority: the company's own id is the most deliberate, QQ the least.
IDENTITY_TARGETS = ("external_id", "phone", "email", "openid", "unionid", "qq")
FIELD_TARGETS = ("name", "gender", "city", "lifecycle_stage", "is_seed", "tags")
_CUSTOMER_FIELDS = ("name", "gender", "city", "lifecycle_stage", "is_seed")

_HEADER_ALIASES = {
    "name": (
        "姓名",
        "名字",
        "名称",
        "客户名称",
        "客户姓名",
        "用户名",
        "昵称",
        "name",
        "fullname",
        "nickname",
    ),
    "phone": (
        "手机",
        "手机号",
        "手机号码",
        "电话",
        "电话号码",
        "联系电话",
        "联系方式",
        "phone",
        "mobile",
        "tel",
        "telephone",
        "cellphone",
    ),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "email", "mail"),
    "openid": ("openid", "微信openid"),
    "unionid": ("unionid", "微信unionid"),
    "qq": ("qq", "qq号", "qq号码"),
    "external_id": (
        "会员id",
        "用户id",
        "客户id",
        "会员编号",
        "用户编号",
        "客户编号",
        "会员号",
        "externalid",
        "userid",
        "memberid",
        "customerid",
        "id",
    ),
    "city": ("城市", "所在城市", "city"),
    "gender": ("性别", "gender", "sex"),
    "tags": ("标签", "tags", "tag"),
    "lifecycle_stage": (
        "生命周期",
        "生命周期阶段",
        "用户阶段",
        "阶段",
        "lifecycle",
        "lifecyclestage",
        "stage",
    ),
    "is_seed": ("种子用户", "是否种子用户", "seed", "isseed"),
}
_HEADER_JUNK = re.compile(r"[\s_\-\u3000]+")
_ALIAS_TO_TARGET = {
    _HEADER_JUNK.sub("", a).lower(): t for t, aliases in _HEADER_ALIASES.items() for a in aliases
}

_TAG_SEPARATORS = re.compile(r"[,;，、|；]")
_GENDERS = {
    "男": Gender.MALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "先生": Gender.MALE,
    "女": Gender.FEMALE,
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "女士": Gender.FEMALE,
    "未知": Gender.UNKNOWN,
    "unknown": Gender.UNKNOWN,
}
_STAGES = {
    **{v: v for v in LifecycleStage.values},
    "新用户": "new",
    "活跃": "active",
    "忠实": "loyal",
    "粉丝": "fan",
    "推荐官": "ambassador",
    "流失风险": "at_risk",
    "已流失": "churned",
}
_TRUE = {"true", "1", "yes", "y", "是", "对", "√"}
_FALSE = {"false", "0", "no", "n", "否", "不", "×"}


# --- Reading files -------------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line as people see it in the file, cells)
    total: int  # an estimate of data rows, for the progress bar
    close: Callable[[], None] = lambda: None  # releases the file when not read to the end


def open_table(source: Path | bytes, *, name: str = "", sheet: str = "") -> Table:
    """A CSV or XLSX table from a file, or from an upload's bytes (then ``name`` says which)."""
    if isinstance(source, Path):
        name = name or source.name
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        workbook = io.BytesIO(source) if isinstance(source, bytes) else source
        return _xlsx_table(workbook, name=name, sheet=sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        data = source if isinstance(source, bytes) else source.read_bytes()
        return _csv_table(data, name=name)
    raise ServiceError(
        ImportErrorCode.FILE_FORMAT_UNSUPPORTED,
        f"{name}: only .csv and .xlsx files can be imported",
    )


def _csv_table(data: bytes, *, name: str) -> Table:
    text, _encoding = textfiles.decode_bytes(data, name=name)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = _header(next(reader, []), name=name)
    rows = _csv_rows(reader)
    first = next(rows, None)
    if first is None:
        raise ServiceError(ImportErrorCode.FILE_EMPTY, f"{name}: the file has a header but no rows")
    # An estimate for the progress bar (a quoted cell may span lines); the result has the count.
    total = max(len(text.splitlines()) - 1, 1)
    return Table(header=header, rows=itertools.chain([first], rows), total=total)


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    start = reader.line_num + 1
    for cells in reader:
        # A quoted cell may span lines; people look for the line where the record starts.
        line, start = start, reader.line_num + 1
        if any(c.strip() for c in cells):
            yield line, cells


def _xlsx_table(path: Path | io.BytesIO, *, name: str, sheet: str) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ServiceError(
            ImportErrorCode.FILE_FORMAT_UNSUPPORTED, f"{name}: not a readable .xlsx file"
        ) from None
    if sheet and sheet not in workbook.sheetnames:
        workbook.close()
        raise ServiceError(
            ImportErrorCode.FILE_SHEET_MISSING, f"{name}: no sheet named {sheet!r}", sheet=sheet
        )
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    rows = worksheet.iter_rows(values_only=True)
    first = next(rows, None)
    try:
        header = _header([_cell_text(v) for v in first or ()], name=name)
    except ServiceError:
        workbook.close()
        raise

    def data_rows() -> Generator[tuple[int, list[str]], None, None]:
        try:
            for line, values in enumerate(rows, start=2):
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    yield line, cells
        finally:
            workbook.close()

    body = data_rows()
    first_row = next(body, None)  # closes the workbook when there is none
    if first_row is None:
        raise ServiceError(
            ImportErrorCode.FILE_EMPTY, f"{name}: the sheet has a header but no rows"
        )
    # The sheet's declared size, when the writing tool recorded one; the result has the count.
    total = max((worksheet.max_row or 0) - 1, 1)
    return Table(
        header=header, rows=itertools.chain([first_row], body), total=total, close=body.close
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13800138000 as a float
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _header(cells: list[str], *, name: str) -> list[str]:
    header = [c.strip().lstrip("\ufeff") for c in cells]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise ServiceError(ImportErrorCode.FILE_EMPTY, f"{name}:1: the file has no header row")
    return header


def close_table(table: Table) -> None:
    """Release the file of a table that was not read to the end (an open XLSX workbook)."""
    table.close()


def preview(path: Path, *, name: str, sheet: str = "") -> tuple[list[str], list[list[str]]]:
    table = open_table(path, name=name, sheet=sheet)
    rows = []
    for _line, cells in table.rows:
        rows.append((cells + [""] * len(table.header))[: len(table.header)])
        if len(rows) == PREVIEW_ROWS:
            break
    close_table(table)
    return table.header, rows


# --- Mapping -------------------------------------------------------------------------------------


def target_choices(*, workspace: Workspace) -> list[str]:
    keys = AttributeDefinition.objects.filter(workspace=workspace).values_list("key", flat=True)
    return [
        *FIELD_TARGETS,
        *IDENTITY_TARGETS,
        *(f"consent.{p}" for p in ConsentPurpose.values),
        *(f"attributes.{k}" for k in keys),
    ]


def suggest_mapping(header: Iterable[str], *, workspace: Workspace) -> dict[str, str]:
    """A guess of what each column is; unknown columns are left out (not imported)."""
    targets = set(target_choices(workspace=workspace))
    attribute_labels = {
        _HEADER_JUNK.sub("", label).lower(): f"attributes.{key}"
        for key, label in AttributeDefinition.objects.filter(workspace=workspace).values_list(
            "key", "label"
        )
    }
    mapping: dict[str, str] = {}
    for column in header:
        plain = _HEADER_JUNK.sub("", column).lower()
        target = (
            column
            if column in targets
            else _ALIAS_TO_TARGET.get(plain)
            or attribute_labels.get(plain)
            or (f"attributes.{column}" if f"attributes.{column}" in targets else None)
        )
        if target and target not in mapping.values():
            mapping[column] = target
    return mapping


def check_mapping(
    *, header: list[str], mapping: dict[str, str], workspace: Workspace, name: str = ""
) -> dict[str, str]:
    """The mapping without skipped columns, or a ServiceError naming what is wrong."""
    mapping = {c: t for c, t in mapping.items() if t}
    targets = set(target_choices(workspace=workspace))
    for column, target in mapping.items():
        if column not in header:
            raise ServiceError(
                ImportErrorCode.FILE_COLUMNS_MISSING,
                f"{name or 'file'}:1: no column {column!r}",
                field=column,
            )
        if target not in targets:
            raise ServiceError(
                ImportErrorCode.MAPPING_INVALID,
                f"{column}: unknown target {target!r}",
                field=column,
            )
    if len(set(mapping.values())) != len(mapping):
        raise ServiceError(
            ImportErrorCode.MAPPING_INVALID, "two columns are mapped to the same field"
        )
    if not set(mapping.values()) & set(IDENTITY_TARGETS):
        raise ServiceError(
            ImportErrorCode.FILE_COLUMNS_MISSING,
            f"{name or 'file'}:1: at least one identity column is needed ({', '.join(IDENTITY_TARGETS)})",
            field="identity",
        )
    return mapping


# --- Rows ----------------------------------------------------------------------------------------


@dataclass
class RowError:
    line: int
    column: str  # as the header says
    field: str  # the target field
    reason: str


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any] = field(
        default_factory=dict
    )  # name, gender, city, lifecycle_stage, is_seed
    identities: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind → (value, column)
    attributes: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, bool] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


class _RowParser:
    def __init__(self, *, header: list[str], mapping: dict[str, str], workspace: Workspace):
        self.columns = [
            (header.index(column), column, target) for column, target in mapping.items()
        ]
        self.definitions = {
            d.key: d for d in AttributeDefinition.objects.filter(workspace=workspace)
        }

    def parse(self, line: int, cells: list[str]) -> ParsedRow | list[RowError]:
        row = ParsedRow(line=line)
        errors = []
        for index, column, target in self.columns:
            raw = cells[index].strip() if index < len(cells) else ""
            if not raw:
                continue  # an empty cell leaves the stored value as it is
            try:
                self._set(row, target, raw, column)
            except ValueError as exc:
                errors.append(RowError(line, column, target, str(exc)))
        if not errors and not row.identities:
            errors.append(
                RowError(
                    line, "", "identity", _("这一行没有任何身份信息（手机号、邮箱、openid 等）")
                )
            )
        return errors or row

    def _set(self, row: ParsedRow, target: str, raw: str, column: str) -> None:  # noqa: C901, PLR0912
        if target in IDENTITY_TARGETS:
            try:
                row.identities[target] = (normalise(target, raw), column)
            except ServiceError:
                raise ValueError(_("格式不正确：%(value)s") % {"value": raw}) from None
        elif target == "name":
            if len(raw) > 100:
                raise ValueError(_("超过 100 个字符"))
            row.values["name"] = raw
        elif target == "city":
            if len(raw) > 50:
                raise ValueError(_("超过 50 个字符"))
            row.values["city"] = raw
        elif target == "gender":
            if raw.lower() not in _GENDERS:
                raise ValueError(_("性别应为 男 或 女：%(value)s") % {"value": raw})
            row.values["gender"] = _GENDERS[raw.lower()]
        elif target == "lifecycle_stage":
            if raw.lower() not in _STAGES:
                raise ValueError(_("未知的生命周期阶段：%(value)s") % {"value": raw})
            row.values["lifecycle_stage"] = _STAGES[raw.lower()]
        elif target == "is_seed":
            row.values["is_seed"] = _boolean(raw)
        elif target == "tags":
            row.tags = [t.strip()[:50] for t in _TAG_SEPARATORS.split(raw) if t.strip()]
        elif target.startswith("consent."):
            row.consent[target.removeprefix("consent.")] = _boolean(raw)
        elif target.startswith("attributes."):
            definition = self.definitions[target.removeprefix("attributes.")]
            try:
                row.attributes[definition.key] = coerce_value(definition, raw)
            except ServiceError:
                raise ValueError(_attribute_reason(definition, raw)) from None


def _boolean(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("应为 是 或 否：%(value)s") % {"value": raw})


def _attribute_reason(definition: AttributeDefinition, raw: str) -> str:
    if definition.type == AttributeType.CHOICE:
        return _("不是可选值之一：%(value)s") % {"value": raw}
    return _("不是有效的%(type)s：%(value)s") % {
        "type": AttributeType(definition.type).label,
        "value": raw,
    }


# --- Storing -------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Person:
    """One person of the file: an existing customer, or one this import creates."""

    customer_id: int | None
    line: int | None = None  # the first line of the file that named this person
    # The company's own ids of this person: a row with another external id is someone else,
    # even when it shares a phone number with them.
    external_ids: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class _Values:
    """The columns of a customer an import may set: model instances cost more than the
    database work at import sizes (``Model.__init__``, datetime conversion)."""

    pk: int | None = None
    name: str = ""
    gender: str = ""
    city: str = ""
    lifecycle_stage: str = LifecycleStage.NEW
    is_seed: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, bool] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.error_rows


@dataclass
class _State:
    owners: dict[tuple[str, str], _Person] = field(
        default_factory=dict
    )  # identity → person, whole file
    by_customer: dict[int, _Person] = field(default_factory=dict)


Progress = Callable[[int, int], None]


def import_table(
    *,
    workspace: Workspace,
    table: Table,
    mapping: dict[str, str],
    actor: Actor,
    name: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and store every row of ``table``; see the module docstring for the rules."""
    mapping = check_mapping(header=table.header, mapping=mapping, workspace=workspace, name=name)
    parser = _RowParser(header=table.header, mapping=mapping, workspace=workspace)
    result = ImportResult(total_rows=table.total)
    state = _State()
    # A dry run is one transaction rolled back at the end; a real run commits chunk by chunk,
    # so the progress bar moves and other writers are never blocked for long.
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        chunk: list[ParsedRow] = []
        for line, cells in table.rows:
            parsed = parser.parse(line, cells)
            if isinstance(parsed, list):
                result.errors.extend(parsed)
                result.error_rows += 1
            else:
                chunk.append(parsed)
            if len(chunk) == CHUNK_ROWS:
                _store_chunk(workspace=workspace, rows=chunk, state=state, result=result)
                chunk = []
                _report(progress, result)
        if chunk:
            _store_chunk(workspace=workspace, rows=chunk, state=state, result=result)
        result.total_rows = result.processed
        _report(progress, result)
        result.errors.sort(key=lambda e: e.line)
        if dry_run:
            transaction.set_rollback(True)
        else:
            accounts_services.record_audit(
                workspace=workspace,
                actor=actor,
                action=AuditAction.IMPORT,
                target_type="customer",
                detail={
                    "rows": result.total_rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "error_rows": result.error_rows,
                },
            )
    return result


def _report(progress: Progress | None, result: ImportResult) -> None:
    if progress is not None:
        progress(result.processed, max(result.total_rows, result.processed))


def _store_chunk(
    *, workspace: Workspace, rows: list[ParsedRow], state: _State, result: ImportResult
) -> None:
    # One transaction per chunk (a savepoint in a dry run). A concurrent writer taking one of
    # our identities between lookup and insert makes the chunk fail as a whole; the retry then
    # sees that identity as taken and reports the row instead.
    for attempt in range(3):
        try:
            with transaction.atomic():
                chunk = _ChunkWriter(workspace=workspace, state=state)
                chunk.plan(rows)
                chunk.write()
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        chunk.commit_to(state, result)
        return


class _ChunkWriter:
    def __init__(self, *, workspace: Workspace, state: _State):
        self.workspace = workspace
        self.state = state
        self.local: dict[tuple[str, str], _Person] = {}
        self.local_customers: dict[int, _Person] = {}
        self.found: dict[tuple[str, str], int] = {}
        self.external_ids: dict[int, set[str]] = {}
        self.plans: list[tuple[_Person, ParsedRow]] = []
        self.errors: list[RowError] = []
        self.created = self.updated = self.unchanged = 0

    def _owner(self, key: tuple[str, str]) -> _Person | None:
        person = self.local.get(key) or self.state.owners.get(key)
        if person is None and key in self.found:
            customer_id = self.found[key]
            person = self.state.by_customer.get(customer_id) or self.local_customers.get(
                customer_id
            )
            if person is None:
                person = self.local_customers[customer_id] = _Person(
                    customer_id, external_ids=self.external_ids.get(customer_id, set())
                )
        return person

    def plan(self, rows: list[ParsedRow]) -> None:
        keys = {(kind, value) for row in rows for kind, (value, _c) in row.identities.items()}
        self.found = {
            (kind, value): customer_id
            for kind, value, customer_id in Identity.objects.filter(
                workspace=self.workspace, value__in={v for _k, v in keys}
            ).values_list("kind", "value", "customer_id")
            if (kind, value) in keys
        }
        # By customer id alone (these ids came from this workspace): with the workspace and kind
        # in the filter, SQLite walks every external id of the workspace for each chunk.
        for customer_id, kind, value in Identity.objects.filter(
            customer_id__in=set(self.found.values())
        ).values_list("customer_id", "kind", "value"):
            if kind == "external_id":
                self.external_ids.setdefault(customer_id, set()).add(value)
        for row in rows:
            self._plan_row(row)

    def _plan_row(self, row: ParsedRow) -> None:
        kinds = [k for k in IDENTITY_TARGETS if k in row.identities]
        owners = {kind: self._owner((kind, row.identities[kind][0])) for kind in kinds}
        target = next((owners[k] for k in kinds if owners[k] is not None), None)
        external_id = row.identities.get("external_id", ("", ""))[0]
        if external_id and target is not None and target.external_ids - {external_id}:
            target = None  # a new external id: someone else, whatever else the row shares
        conflicts = [
            RowError(row.line, row.identities[kind][1], kind, _conflict_reason(owner))
            for kind, owner in owners.items()
            if owner is not None and owner is not target
        ]
        if conflicts:
            self.errors.extend(conflicts)
            return
        if target is None:
            target = _Person(None)
        if target.line is None:
            target.line = row.line
        for kind in kinds:
            self.local[(kind, row.identities[kind][0])] = target
        if external_id:
            target.external_ids.add(external_id)
        self.plans.append((target, row))

    def write(self) -> None:
        existing_ids = {p.customer_id for p, _row in self.plans if p.customer_id is not None}
        customers = {
            values[0]: _Values(*values)
            for values in Customer.objects.filter(
                workspace=self.workspace, pk__in=existing_ids
            ).values_list("pk", *_CUSTOMER_FIELDS, "attributes", "consent")
        }
        known = {(k, v) for (k, v), _cid in self.found.items()}
        links = set(
            Customer.tags.through.objects.filter(customer_id__in=existing_ids).values_list(
                "customer_id", "tag_id"
            )
        )
        tags = self._tags({t for _p, row in self.plans for t in row.tags})
        new: dict[_Person, _Values] = {}
        changed: set[int] = set()
        new_identities: list[tuple[_Person, str, str]] = []
        new_links: list[tuple[_Person, int]] = []
        for person, row in self.plans:
            is_new = person.customer_id is None and person not in new
            customer = (
                customers[person.customer_id]
                if person.customer_id
                else new.setdefault(person, _Values())
            )
            before = None if is_new else _snapshot(customer)
            _apply(customer, row)
            added = [(k, v) for k, (v, _c) in row.identities.items() if (k, v) not in known]
            known.update(added)
            new_identities.extend((person, k, v) for k, v in added)
            cid = person.customer_id
            added_links = [tags[n] for n in row.tags if cid is None or (cid, tags[n]) not in links]
            links.update((cid, t) for t in added_links if cid is not None)
            new_links.extend((person, t) for t in added_links)
            fields_changed = before is not None and before != _snapshot(customer)
            if is_new:
                self.created += 1
            elif fields_changed or added or added_links:
                self.updated += 1
                if cid is not None and fields_changed:
                    changed.add(cid)
            else:
                self.unchanged += 1
        self._save(
            new=new,
            changed=[customers[c] for c in changed],
            identities=new_identities,
            links=new_links,
        )

    def _tags(self, names: set[str]) -> dict[str, int]:
        if not names:
            return {}
        found = dict(
            Tag.objects.filter(workspace=self.workspace, name__in=names).values_list("name", "id")
        )
        missing = names - found.keys()
        if missing:
            Tag.objects.bulk_create(
                [Tag(workspace=self.workspace, name=n) for n in missing], ignore_conflicts=True
            )
            found.update(
                Tag.objects.filter(workspace=self.workspace, name__in=missing).values_list(
                    "name", "id"
                )
            )
        return found

    def _save(
        self,
        *,
        new: dict[_Person, _Values],
        changed: list[_Values],
        identities: list[tuple[_Person, str, str]],
        links: list[tuple[_Person, int]],
    ) -> None:
        now = timezone.now()
        if new:
            ids = _insert_customers(self.workspace, list(new.values()), now=now)
            for person, customer_id in zip(new, ids, strict=True):
                person.customer_id = customer_id
        if changed:
            for customer in changed:
                customer.updated_at = now
            _update_many(
                Customer, [*_CUSTOMER_FIELDS, "attributes", "consent", "updated_at"], changed
            )
        created_at = _prepare(_field(Identity, "created_at"), now)
        _insert_many(
            Identity,
            ["workspace", "customer", "kind", "value", "created_at"],
            [(self.workspace.pk, p.customer_id, k, v, created_at) for p, k, v in identities],
        )
        _insert_many(
            Customer.tags.through,
            ["customer", "tag"],
            [(p.customer_id, t) for p, t in links],
            ignore_conflicts=True,
        )

    def commit_to(self, state: _State, result: ImportResult) -> None:
        state.owners.update(self.local)
        state.by_customer.update(self.local_customers)
        for person, _row in self.plans:
            if person.customer_id is not None:
                state.by_customer.setdefault(person.customer_id, person)
        result.created += self.created
        result.updated += self.updated
        result.unchanged += self.unchanged
        result.errors.extend(self.errors)
        result.error_rows += len({e.line for e in self.errors})


# At import sizes Django's bulk_create and bulk_update spend more time building expressions than
# the database spends writing (bulk_update's CASE WHEN grows with every row), so identities, tag
# links and updates go through the DB-API's executemany: one prepared statement, many rows.


def _insert_many(
    model: Any,
    field_names: list[str],
    rows: list[tuple[Any, ...]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Rows must already hold database values: see ``_prepare`` for datetimes and JSON."""
    if not rows:
        return
    ops = connection.ops
    fields = [_field(model, name) for name in field_names]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    suffix = ops.on_conflict_suffix_sql(fields, on_conflict, [], []) or ""
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(model._meta.db_table)} "
        f"({', '.join(ops.quote_name(f.column) for f in fields)}) VALUES ({', '.join(['%s'] * len(fields))}) {suffix}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _field(model: Any, name: str) -> Any:
    """A concrete field (with a ``column``) of ``model``."""
    return model._meta.get_field(name)


def _prepare(field: Any, value: Any) -> Any:
    """A value in the form the database driver takes (datetimes and JSON need adapting)."""
    return field.get_db_prep_save(value, connection)


def _insert_customers(
    workspace: Workspace, customers: list[_Values], *, now: datetime
) -> list[int]:
    """Ids of the inserted customers, in order (multi-row INSERT … RETURNING, as bulk_create
    does on SQLite ≥ 3.35 and PostgreSQL, without its per-value expression machinery)."""
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("The database cannot return ids of bulk-inserted rows")
    ops = connection.ops
    names = [*_CUSTOMER_FIELDS, "attributes", "consent"]
    fields = [_field(Customer, n) for n in ("workspace", *names, "created_at", "updated_at")]
    stamp = _prepare(fields[-1], now)
    empty = _prepare(fields[-3], {})  # most imported customers have no attributes or consent
    json_fields = [_field(Customer, "attributes"), _field(Customer, "consent")]
    rows = [
        (
            workspace.pk,
            *(getattr(c, n) for n in _CUSTOMER_FIELDS),
            *(_prepare_json(f, getattr(c, f.attname), empty) for f in json_fields),
            stamp,
            stamp,
        )
        for c in customers
    ]
    # SQLite allows 999 parameters per statement; PostgreSQL has no Django limit (65,535 in the protocol).
    per_statement = max((connection.features.max_query_params or 65535) // len(fields), 1)
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    head = (
        f"INSERT INTO {ops.quote_name(Customer._meta.db_table)} "  # noqa: S608 (quoted names from model meta)
        f"({', '.join(ops.quote_name(f.column) for f in fields)}) VALUES "
    )
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            cursor.execute(
                f"{head}{', '.join([row_sql] * len(batch))} RETURNING {ops.quote_name('id')}",
                [value for row in batch for value in row],
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _prepare_json(field: Any, value: dict[str, Any], empty: Any) -> Any:
    return _prepare(field, value) if value else empty


def _update_many(model: Any, field_names: list[str], objects: list[Any]) -> None:
    ops = connection.ops
    fields = [_field(model, name) for name in field_names]
    sql = (
        f"UPDATE {ops.quote_name(model._meta.db_table)} SET "  # noqa: S608 (quoted names from model meta)
        f"{', '.join(f'{ops.quote_name(f.column)} = %s' for f in fields)} WHERE {ops.quote_name('id')} = %s"
    )
    params = [
        (*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields), obj.pk)
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _conflict_reason(owner: _Person) -> str:
    if owner.line is not None:
        return _("第 %(line)s 行的另一位用户已使用此身份") % {"line": owner.line}
    return _("此身份已属于另一位用户（#%(id)s）") % {"id": owner.customer_id}


def _snapshot(customer: _Values) -> tuple[Any, ...]:
    return (
        *(getattr(customer, f) for f in _CUSTOMER_FIELDS),
        dict(customer.attributes),
        dict(customer.consent),
    )


def _apply(customer: _Values, row: ParsedRow) -> None:
    for name, value in row.values.items():
        setattr(customer, name, value)
    if row.attributes:
        customer.attributes = {**customer.attributes, **row.attributes}
    if row.consent:
        customer.consent = {**customer.consent, **row.consent}


# --- Error report --------------------------------------------------------------------------------


def write_error_report(errors: list[RowError], out: io.TextIOBase | Any) -> None:
    writer = csv.writer(out)
    writer.writerow([_("行号"), _("列"), _("字段"), _("原因")])
    for error in errors:
        writer.writerow([error.line, error.column, error.field, error.reason])


# --- Imports uploaded in the console -------------------------------------------------------------


def _imports_dir(workspace: Workspace) -> Path:
    directory = Path(settings.DATA_DIR) / "imports" / str(workspace.pk)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def stored_path(relative: str) -> Path:
    return Path(settings.DATA_DIR) / relative


def create_import(
    *, workspace: Workspace, actor: Actor, file_name: str, chunks: Iterable[bytes], sheet: str = ""
) -> CustomerImport:
    """Store an uploaded file and check that it can be read; the mapping is only suggested."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx"):
        raise ServiceError(
            ImportErrorCode.FILE_FORMAT_UNSUPPORTED,
            f"{file_name}: only .csv and .xlsx files can be imported",
        )
    path = _imports_dir(workspace) / f"{uuid.uuid4().hex}{suffix}"
    size = 0
    with path.open("wb") as out:
        for piece in chunks:
            size += len(piece)
            if size > MAX_FILE_BYTES:
                out.close()
                path.unlink()
                raise ServiceError(
                    ImportErrorCode.FILE_TOO_LARGE, f"{file_name}: larger than 50 MB"
                )
            out.write(piece)
    try:
        table = open_table(path, name=file_name, sheet=sheet)
        close_table(table)
    except ServiceError:
        path.unlink()
        raise
    return CustomerImport.objects.create(
        workspace=workspace,
        created_by=actor.user,
        file_name=file_name[:255],
        sheet=sheet,
        file_path=str(path.relative_to(settings.DATA_DIR)),
        total_rows=table.total,
        mapping=suggest_mapping(table.header, workspace=workspace),
    )


def get_import(*, workspace: Workspace, import_id: int) -> CustomerImport:
    customer_import = CustomerImport.objects.filter(workspace=workspace, pk=import_id).first()
    if customer_import is None:
        raise NotFound(ImportErrorCode.IMPORT_NOT_FOUND, "Import not found")
    return customer_import


def start_import(
    *, workspace: Workspace, import_id: int, mapping: dict[str, str]
) -> CustomerImport:
    """Fix the mapping and queue the import; it runs in the background after commit."""
    from xiaonuo.customers import tasks

    customer_import = get_import(workspace=workspace, import_id=import_id)
    header, _rows = preview(
        stored_path(customer_import.file_path),
        name=customer_import.file_name,
        sheet=customer_import.sheet,
    )
    mapping = check_mapping(
        header=header, mapping=mapping, workspace=workspace, name=customer_import.file_name
    )
    with transaction.atomic():
        # Conditional UPDATE: a second click on "start" must not queue a second run.
        started = CustomerImport.objects.filter(
            pk=customer_import.pk, status=ImportStatus.PENDING, started_at__isnull=True
        ).update(mapping=mapping, started_at=timezone.now())
        if started != 1:
            raise ServiceError(ImportErrorCode.IMPORT_STARTED, "This import has already started")
        transaction.on_commit(lambda: tasks.run_customer_import(customer_import.pk))
    customer_import.refresh_from_db()
    return customer_import


def run_import(*, import_id: int) -> None:
    """The background half of a console import. Safe to run twice: only one run claims it."""
    claimed = CustomerImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING
    )
    if claimed != 1:
        return
    customer_import = CustomerImport.objects.select_related("workspace", "created_by").get(
        pk=import_id
    )

    def progress(processed: int, total: int) -> None:
        CustomerImport.objects.filter(pk=import_id).update(
            processed_rows=processed, total_rows=total
        )

    try:
        table = open_table(
            stored_path(customer_import.file_path),
            name=customer_import.file_name,
            sheet=customer_import.sheet,
        )
        result = import_table(
            workspace=customer_import.workspace,
            table=table,
            mapping=customer_import.mapping,
            actor=Actor(user=customer_import.created_by),
            name=customer_import.file_name,
            progress=progress,
        )
    except ServiceError as exc:
        _fail(import_id, exc.code)
        return
    except Exception:
        _fail(import_id, "internal_error")  # a bug: the worker log has the traceback
        raise
    # The upload holds personal data and is not needed once imported; keeping it would let a
    # customer's row outlive their privacy erasure. (Failed imports keep it for a retry.)
    stored_path(customer_import.file_path).unlink(missing_ok=True)
    report = ""
    if result.errors:
        path = _imports_dir(customer_import.workspace) / f"{import_id}-errors.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            write_error_report(result.errors, out)
        report = str(path.relative_to(settings.DATA_DIR))
    CustomerImport.objects.filter(pk=import_id).update(
        status=ImportStatus.DONE,
        total_rows=result.total_rows,
        processed_rows=result.processed,
        created_count=result.created,
        updated_count=result.updated,
        unchanged_count=result.unchanged,
        error_count=result.error_rows,
        error_report_path=report,
        finished_at=timezone.now(),
    )


def _fail(import_id: int, code: str) -> None:
    CustomerImport.objects.filter(pk=import_id).update(
        status=ImportStatus.FAILED, failure_code=code, finished_at=timezone.now()
    )
