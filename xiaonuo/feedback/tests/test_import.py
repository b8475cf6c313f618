"""Export files: presets, encodings, .xlsx, saved mappings, all or nothing, the CLI."""

import csv

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from xiaonuo.feedback import services
from xiaonuo.feedback.models import ColumnMapping, Review
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db

TAOBAO = ["订单号", "宝贝名称", "评价内容", "评分", "买家昵称", "评价时间"]
ROWS = [
    ["TB001", "杨枝甘露", "味道很好，物流也快", "5", "小王", "2026-03-01 10:00:00"],
    ["TB002", "柠檬茶", "太甜了，客服态度也差", "1星", "小李", "2026/03/02 11:30"],
]


def write_csv(path, header, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def fmt(cast, name="taobao"):
    return services.get_file_format(workspace=cast.shop, name=name)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_taobao_export_in_any_encoding_is_imported(cast, tmp_path, encoding):
    path = write_csv(tmp_path / "tb.csv", TAOBAO, ROWS, encoding=encoding)
    result = services.import_file(workspace=cast.shop, path=path, file_format=fmt(cast))
    assert result.created == 2
    stored = Review.objects.get(workspace=cast.shop, external_id="TB002")
    assert stored.platform == "taobao" and stored.product == "柠檬茶" and stored.rating == 1
    assert stored.text == "太甜了，客服态度也差" and stored.author_name == "小李"
    again = services.import_file(workspace=cast.shop, path=path, file_format=fmt(cast))
    assert again.created == 0 and again.duplicates == 2


def test_an_xlsx_export_of_meituan_is_imported(cast, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["门店名称", "评价内容", "总体评分", "评价时间", "用户名"])
    sheet.append(["长沙五一广场店", "送餐很快，奶茶好喝", 5, "2026-02-01 12:00", "阿明"])
    book.save(tmp_path / "mt.xlsx")
    result = services.import_file(
        workspace=cast.shop, path=tmp_path / "mt.xlsx", file_format=fmt(cast, "meituan")
    )
    assert result.created == 1
    assert Review.objects.get(workspace=cast.shop).store == "长沙五一广场店"


def test_bad_rows_store_nothing_and_name_file_line_and_field(cast, tmp_path):
    rows = [
        *ROWS,
        ["TB003", "柠檬茶", "", "5", "小赵", "2026-03-03"],
        ["TB004", "x", "好", "9", "y", "明天"],
    ]
    path = write_csv(tmp_path / "bad.csv", TAOBAO, rows)
    with pytest.raises(ServiceError) as caught:
        services.import_file(workspace=cast.shop, path=path, name="bad.csv", file_format=fmt(cast))
    error = caught.value
    assert error.code == "file_rows_invalid"
    found = {(e["where"], e["field"]) for e in error.details["errors"]}
    assert found == {("bad.csv:4", "text"), ("bad.csv:5", "rating"), ("bad.csv:5", "reviewed_at")}
    assert not Review.objects.exists()


def test_a_file_without_the_text_column_is_refused(cast, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["订单号", "评价时间"], [["1", "2026-03-01"]])
    with pytest.raises(ServiceError) as caught:
        services.import_file(workspace=cast.shop, path=path, name="x.csv", file_format=fmt(cast))
    assert caught.value.code == "file_columns_missing" and "x.csv:1" in caught.value.message


def test_a_saved_mapping_reads_a_custom_file_and_belongs_to_its_workspace(cast, tmp_path):
    services.save_mapping(
        workspace=cast.shop,
        name="自家小程序",
        platform="other",
        columns={"text": "留言", "reviewed_at": "时间", "store": "店"},
    )
    path = write_csv(
        tmp_path / "own.csv", ["留言", "时间", "店"], [["环境很干净", "2026-01-05", "梅溪湖店"]]
    )
    result = services.import_file(
        workspace=cast.shop, path=path, file_format=fmt(cast, "自家小程序")
    )
    assert result.created == 1
    with pytest.raises(ServiceError) as caught:
        services.get_file_format(workspace=cast.other_shop, name="自家小程序")
    assert caught.value.code == "mapping_not_found"


@pytest.mark.parametrize(
    "columns",
    [{"reviewed_at": "时间"}, {"text": "留言", "colour": "颜色"}],
)
def test_an_invalid_mapping_is_refused(cast, columns):
    with pytest.raises(ServiceError) as caught:
        services.save_mapping(workspace=cast.shop, name="m", platform="other", columns=columns)
    assert caught.value.code == "mapping_invalid"
    assert not ColumnMapping.objects.exists()


def test_the_command_imports_and_reports_errors_by_line(cast, tmp_path, capsys):
    good = write_csv(
        tmp_path / "jd.csv",
        ["评价内容", "评价时间", "商品名称"],
        [["质量不错", "2026-03-01", "柠檬茶"]],
    )
    call_command(
        "feedback", "import", "--workspace", "chayu", "--file", str(good), "--format", "jd"
    )
    assert "1 review(s) imported" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", ["评价内容", "评价时间"], [["质量不错", "不是时间"]])
    with pytest.raises(CommandError) as caught:
        call_command(
            "feedback", "import", "--workspace", "chayu", "--file", str(bad), "--format", "jd"
        )
    assert f"{bad}:2: reviewed_at" in str(caught.value)
    with pytest.raises(CommandError, match="mapping_not_found"):
        call_command(
            "feedback", "import", "--workspace", "chayu", "--file", str(good), "--format", "nope"
        )
