"""``xiaonuo customers import`` and ``xiaonuo customers export`` on the command line."""

import io

import pytest
from django.core.management import CommandError, call_command

from xiaonuo.accounts.models import AuditAction, AuditEntry
from xiaonuo.customers.models import Customer
from xiaonuo.testing import make_customer, make_customer_file


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("customers", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def test_the_cli_imports_a_file_with_a_progress_bar(cast, tmp_path):
    path = make_customer_file(
        tmp_path / "会员.csv", [["姓名", "手机号"], ["张三", "13800000001"]], encoding="gbk"
    )

    error, out, err = run("import", str(path), "--workspace", "chayu")

    assert error is None
    assert "100%" in err and "\r[" in err
    assert "1 rows: 1 were created" in out
    assert Customer.objects.filter(workspace=cast.shop, name="张三").exists()


def test_the_cli_names_file_line_and_field_of_each_bad_row_and_fails(cast, tmp_path):
    path = make_customer_file(
        tmp_path / "a.csv",
        [
            ["姓名", "手机号", "生命周期"],
            ["张三", "13800000001", "new"],
            ["李四", "abc", "new"],
            ["王五", "13800000003", "睡着"],
        ],
    )

    error, _out, err = run("import", str(path), "--workspace", "chayu")

    assert isinstance(error, CommandError) and error.returncode == 2
    assert f"{path}:3: 手机号: 格式不正确：abc" in err.splitlines()
    assert f"{path}:4: 生命周期: 未知的生命周期阶段：睡着" in err.splitlines()
    assert Customer.objects.filter(workspace=cast.shop).count() == 1


def test_the_cli_refuses_an_unreadable_file_naming_file_line_and_code(cast, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("姓名,手机号\n".encode() + b"\x80\x81\xff\n")

    error, _out, _err = run("import", str(path), "--workspace", "chayu")

    assert (
        str(error)
        == f"{path}:2: not readable as UTF-8, GBK or GB18030 (byte 17) [file_encoding_unreadable]"
    )


def test_the_cli_takes_an_explicit_mapping_and_a_sheet(cast, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.create_sheet("名单")
    sheet.append(["客户", "联系"])
    sheet.append(["张三", "13800000001"])
    workbook.save(tmp_path / "a.xlsx")

    error, _out, _err = run(
        "import",
        str(tmp_path / "a.xlsx"),
        "--workspace",
        "chayu",
        "--sheet",
        "名单",
        "--mapping",
        "客户=name,联系=phone",
    )

    assert error is None
    assert Customer.objects.get(workspace=cast.shop).name == "张三"


def test_a_cli_dry_run_stores_nothing(cast, tmp_path):
    path = make_customer_file(tmp_path / "a.csv", [["姓名", "手机号"], ["张三", "13800000001"]])

    error, out, _err = run("import", str(path), "--workspace", "chayu", "--dry-run")

    assert error is None and "1 would be created" in out
    assert not Customer.objects.filter(workspace=cast.shop).exists()


def test_the_cli_refuses_an_unknown_workspace(db, tmp_path):
    path = make_customer_file(tmp_path / "a.csv", [["姓名", "手机号"], ["张三", "13800000001"]])

    error, _out, _err = run("import", str(path), "--workspace", "nope")

    assert "nope" in str(error)


def test_the_cli_exports_a_filtered_list_in_full_and_audits_it(cast, tmp_path):
    make_customer(workspace=cast.shop, name="张三", phone="13800000001", lifecycle_stage="loyal")
    make_customer(workspace=cast.shop, name="李四", phone="13800000002")
    out_path = tmp_path / "out.csv"

    error, out, _err = run(
        "export", "--workspace", "chayu", "--stage", "loyal", "--out", str(out_path)
    )

    assert error is None and "1 customers" in out
    text = out_path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    assert "13800000001" in text and "李四" not in text
    entry = AuditEntry.objects.get(workspace=cast.shop, action=AuditAction.EXPORT)
    assert entry.detail["rows"] == 1 and entry.detail["filters"]["lifecycle_stage"] == "loyal"


@pytest.mark.parametrize("mapping", ["姓名", "=name"])
def test_a_malformed_mapping_option_is_refused(cast, tmp_path, mapping):
    path = make_customer_file(tmp_path / "a.csv", [["姓名", "手机号"], ["张三", "13800000001"]])

    error, _out, _err = run("import", str(path), "--workspace", "chayu", "--mapping", mapping)

    assert "--mapping" in str(error)
