"""Import and export of the knowledge base: CSV (UTF-8, BOM, GBK/GB18030) and .xlsx, all or
nothing, problems named by line and column, and an export that imports back unchanged."""

import csv
import io
from datetime import datetime

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import FaqEntry, FaqRevision, RevisionAction
from xiaonuo.autoreply.services import Answer, FaqInput
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db

HEADER = [
    "question",
    "phrasings",
    "answer",
    "answer_kind",
    "tags",
    "enabled",
    "valid_from",
    "valid_until",
]
ROWS = [
    ["多久发货", "什么时候发货|几天发货", "48 小时内发货", "text", "物流|发货", "1", "", ""],
    ["怎么退款", "我要退款", "在订单页申请退款", "", "售后", "", "2026-01-01", "2026-12-31 23:59"],
    ["㐀字茶是什么", "", "一种茶", "text", "", "0", "", ""],  # 㐀 exists in GB18030, not in GBK
]


def _csv(rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(cast, content, filename="faq.csv"):
    return autoreply_services.import_entries(
        workspace=cast.shop, filename=filename, content=content, actor=Actor(user=cast.owner)
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_in_any_encoding_excel_writes_imports(cast, encoding):
    result = _import(cast, _csv([HEADER, *ROWS], encoding))

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    entry = FaqEntry.objects.get(workspace=cast.shop, question="多久发货")
    assert sorted(p.text for p in entry.phrasings.all()) == ["什么时候发货", "几天发货"]
    assert entry.tags == ["物流", "发货"]
    refund = FaqEntry.objects.get(question="怎么退款")
    assert refund.enabled is True
    assert f"{timezone.localtime(refund.valid_until):%Y-%m-%d %H:%M}" == "2026-12-31 23:59"
    assert FaqEntry.objects.get(question="㐀字茶是什么").enabled is False
    assert set(FaqRevision.objects.values_list("action", flat=True)) == {RevisionAction.IMPORTED}


def test_an_xlsx_imports_with_chinese_headers_and_date_cells(cast):
    rows = [
        ["标准问题", "相似问法", "回复", "启用", "生效时间"],
        ["多久发货", "什么时候发货", "48 小时内发货", 1, datetime(2026, 1, 1, 9, 0)],  # noqa: DTZ001 - Excel cells have no zone
    ]

    result = _import(cast, _xlsx(rows), filename="知识库.xlsx")

    assert result.created == 1
    entry = FaqEntry.objects.get(question="多久发货")
    assert f"{timezone.localtime(entry.valid_from):%Y-%m-%d %H:%M}" == "2026-01-01 09:00"


def test_a_file_with_bad_rows_is_refused_whole_naming_each_line_and_column(cast):
    rows = [
        HEADER,
        ["多久发货", "", "48 小时内发货", "text", "", "1", "", ""],
        ["", "", "没有问题的回答", "text", "", "1", "", ""],
        ["怎么退款", "", "", "text", "", "1", "", ""],
        ["运费", "", "8 元", "text", "", "也许", "", ""],
        ["门店", "", "10 点", "text", "", "1", "明天", ""],
        ["链接", "", "看这里", "link", "", "1", "", ""],
        ["多久发货", "", "重复", "text", "", "1", "", ""],
    ]

    with pytest.raises(ServiceError) as error:
        _import(cast, _csv(rows))

    assert error.value.code == "faq_import_invalid"
    problems = [(p["line"], p["field"]) for p in error.value.details["problems"]]
    assert problems == [
        (3, "question"),
        (4, "answer"),
        (5, "enabled"),
        (6, "valid_from"),
        (7, "answer_url"),
        (8, "question"),
    ]
    assert "faq.csv:3" in error.value.message
    assert not FaqEntry.objects.exists()  # all or nothing


def test_a_file_without_the_required_columns_or_unreadable_is_refused(cast):
    with pytest.raises(ServiceError) as error:
        _import(cast, _csv([["问", "答"], ["a", "b"]]))
    assert error.value.code == "faq_import_invalid"
    assert {p["field"] for p in error.value.details["problems"]} == {"question", "answer"}

    with pytest.raises(ServiceError) as error:
        _import(cast, b"PK\x03\x04 not really a workbook", filename="faq.xlsx")
    assert error.value.code == "faq_import_invalid"

    with pytest.raises(ServiceError) as error:
        _import(cast, _csv([HEADER]))
    assert error.value.code == "faq_import_invalid"


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(cast, format_):
    _import(cast, _csv([HEADER, *ROWS]))
    autoreply_services.create_entry(
        workspace=cast.shop,
        data=FaqInput(
            question="新品图文",
            answer=Answer(
                kind="article",
                title="秋季新茶",
                description="今年的第一批",
                url="https://example.com/new",
                picurl="https://example.com/new.jpg",
            ),
        ),
        actor=Actor(user=cast.owner),
    )
    revisions = FaqRevision.objects.count()

    exported = autoreply_services.export_entries(workspace=cast.shop, format=format_)
    result = _import(cast, exported, filename=f"export.{format_}")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert FaqRevision.objects.count() == revisions
    if format_ == "csv":
        assert exported.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    else:
        sheet = load_workbook(io.BytesIO(exported)).active
        assert sheet.cell(1, 1).value == "question"


def test_an_edited_export_updates_entries_by_their_question(cast):
    _import(cast, _csv([HEADER, *ROWS]))
    exported = autoreply_services.export_entries(workspace=cast.shop).decode("utf-8-sig")
    edited = exported.replace("48 小时内发货", "24 小时内发货")

    result = _import(cast, edited.encode("utf-8"))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert FaqEntry.objects.get(question="多久发货").answer_text == "24 小时内发货"


def test_an_export_holds_only_the_workspaces_own_entries(cast):
    _import(cast, _csv([HEADER, *ROWS]))

    exported = autoreply_services.export_entries(workspace=cast.other_shop)

    assert exported.decode("utf-8-sig").strip().splitlines() == [
        ",".join(
            [
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
            ]
        )
    ]
