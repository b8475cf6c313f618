"""Reading customer files: encodings, Excel, and files that cannot be imported."""

import pytest

from xiaonuo.accounts.services import Actor
from xiaonuo.customers import importing
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_customer, make_customer_file

HEADER = ["姓名", "手机号", "城市"]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def import_file(workspace, path, mapping=None):
    table = importing.open_table(path)
    mapping = (
        mapping
        if mapping is not None
        else importing.suggest_mapping(table.header, workspace=workspace)
    )
    return importing.import_table(
        workspace=workspace, table=table, mapping=mapping, actor=Actor(), name=path.name
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_csv_files_are_read_in_every_common_encoding(cast, tmp_path, encoding):
    # Given a file as Excel, WPS or an ERP writes it
    path = make_customer_file(
        tmp_path / "会员.csv", [HEADER, ["王小明", "13800138000", "杭州"]], encoding=encoding
    )

    # When it is imported
    result = import_file(cast.shop, path)

    # Then the header is recognised (no BOM left on "姓名") and the Chinese text is intact
    assert (result.created, result.error_rows) == (1, 0)
    customer = Customer.objects.get(workspace=cast.shop)
    assert (customer.name, customer.city) == ("王小明", "杭州")


def test_gb18030_characters_outside_gbk_survive(cast, tmp_path):
    path = make_customer_file(
        tmp_path / "a.csv", [HEADER, ["㐀先生", "13800138000", "成都"]], encoding="gb18030"
    )

    import_file(cast.shop, path)

    assert Customer.objects.get(workspace=cast.shop).name == "㐀先生"


def test_xlsx_files_are_read_with_numbers_and_dates_as_people_typed_them(cast, tmp_path):
    from datetime import date

    from xiaonuo.customers import services as customers_services

    customers_services.declare_attribute(
        workspace=cast.shop, key="birthday", label="生日", type="date"
    )
    path = make_customer_file(
        tmp_path / "会员.xlsx",
        [
            ["姓名", "手机", "生日", "性别"],
            ["李雷", 13800138000, date(1990, 5, 1), "男"],
            ["韩梅梅", 13900139000.0, None, "女"],
        ],
    )

    result = import_file(cast.shop, path)

    assert (result.created, result.error_rows) == (2, 0)
    lilei = Identity.objects.get(workspace=cast.shop, value="13800138000").customer
    assert (lilei.name, lilei.gender, lilei.attributes) == (
        "李雷",
        "male",
        {"birthday": "1990-05-01"},
    )
    assert Identity.objects.filter(workspace=cast.shop, value="13900139000").exists()


def test_a_named_sheet_is_used_and_a_missing_one_is_refused(cast, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["说明"])
    sheet = workbook.create_sheet("会员")
    sheet.append(["姓名", "手机"])
    sheet.append(["张三", "13800138000"])
    workbook.save(tmp_path / "b.xlsx")

    table = importing.open_table(tmp_path / "b.xlsx", sheet="会员")
    assert table.header == ["姓名", "手机"]
    with pytest.raises(ServiceError) as caught:
        importing.open_table(tmp_path / "b.xlsx", sheet="不存在")
    assert caught.value.code == "file_sheet_missing"


def test_a_file_in_a_broken_encoding_is_refused_with_a_stable_code_and_nothing_changes(
    cast, tmp_path
):
    # Given a customer already stored, and a UTF-8 file with bytes that no encoding can read
    make_customer(workspace=cast.shop, name="老顾客", phone="13800138000")
    path = tmp_path / "broken.csv"
    path.write_bytes("姓名,手机号\n张三,13900139000\n".encode() + b"\xff\xfe\x80\x81\n")

    # When it is opened, then the error names the code and the line
    with pytest.raises(ServiceError) as caught:
        importing.open_table(path)
    assert caught.value.code == "file_encoding_unreadable"
    assert caught.value.details["line"] == 3
    assert list(Customer.objects.filter(workspace=cast.shop).values_list("name", flat=True)) == [
        "老顾客"
    ]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n", "姓名,手机号\n".encode()])
def test_an_empty_file_or_one_with_only_a_header_is_refused_as_empty(cast, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    with pytest.raises(ServiceError) as caught:
        importing.open_table(path)

    assert caught.value.code == "file_empty"


def test_a_file_without_any_identity_column_is_refused_before_any_row_is_stored(cast, tmp_path):
    path = make_customer_file(tmp_path / "names.csv", [["姓名", "城市"], ["张三", "北京"]])

    with pytest.raises(ServiceError) as caught:
        import_file(cast.shop, path)

    assert caught.value.code == "file_columns_missing"
    assert not Customer.objects.filter(workspace=cast.shop).exists()


def test_a_mapping_naming_a_column_the_file_does_not_have_is_refused(cast, tmp_path):
    path = make_customer_file(tmp_path / "a.csv", [["姓名", "手机号"], ["张三", "13800138000"]])

    with pytest.raises(ServiceError) as caught:
        import_file(cast.shop, path, mapping={"姓名": "name", "电话": "phone"})

    assert caught.value.code == "file_columns_missing"
    assert caught.value.details["field"] == "电话"


def test_other_file_types_are_refused(cast, tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4")

    with pytest.raises(ServiceError) as caught:
        importing.open_table(path)

    assert caught.value.code == "file_format_unsupported"


def test_common_chinese_and_english_headers_are_mapped_automatically(cast):
    header = [
        "会员ID",
        "姓名",
        "手机号码",
        "E-mail",
        "OpenID",
        "UnionID",
        "QQ号",
        "城市",
        "性别",
        "标签",
        "生命周期",
        "备注",
    ]

    mapping = importing.suggest_mapping(header, workspace=cast.shop)

    assert mapping == {
        "会员ID": "external_id",
        "姓名": "name",
        "手机号码": "phone",
        "E-mail": "email",
        "OpenID": "openid",
        "UnionID": "unionid",
        "QQ号": "qq",
        "城市": "city",
        "性别": "gender",
        "标签": "tags",
        "生命周期": "lifecycle_stage",
    }


def test_an_xlsx_sheet_with_only_a_header_is_refused_as_empty(cast, tmp_path):
    path = make_customer_file(tmp_path / "a.xlsx", [["姓名", "手机"]])

    with pytest.raises(ServiceError) as caught:
        importing.open_table(path)

    assert caught.value.code == "file_empty"


def test_a_file_that_is_not_really_xlsx_is_refused(cast, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes("姓名,手机\n张三,13800000001\n".encode())

    with pytest.raises(ServiceError) as caught:
        importing.open_table(path)

    assert caught.value.code == "file_format_unsupported"
