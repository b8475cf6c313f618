"""Importing rows: validation, the error report, matching existing customers, idempotence."""

import io

import pytest

from xiaonuo.accounts.models import AuditAction, AuditEntry
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import importing
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.testing import make_customer, make_customer_file


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def import_file(workspace, path, *, dry_run=False):
    table = importing.open_table(path)
    return importing.import_table(
        workspace=workspace,
        table=table,
        mapping=importing.suggest_mapping(table.header, workspace=workspace),
        actor=Actor(),
        name=path.name,
        dry_run=dry_run,
    )


def names(workspace):
    return sorted(Customer.objects.filter(workspace=workspace).values_list("name", flat=True))


def test_broken_rows_are_reported_by_line_and_field_and_only_good_rows_are_stored(cast, tmp_path):
    # Given a declared date attribute and a file with three broken rows among good ones
    customers_services.declare_attribute(
        workspace=cast.shop, key="birthday", label="生日", type="date"
    )
    path = make_customer_file(
        tmp_path / "会员.csv",
        [
            ["姓名", "手机号", "生日", "生命周期"],
            ["王一", "13800000001", "1990-01-02", "活跃"],
            ["王二", "138-abc", "1990-01-02", "new"],
            ["王三", "13800000003", "1990-13-45", "new"],
            ["王四", "13800000004", "", "沉睡"],
            ["王五", "+86 138 0000 0005", "1995/03/04", "loyal"],
        ],
    )

    # When it is imported
    result = import_file(cast.shop, path)

    # Then the good rows are stored and each bad one is named by its line and column
    assert names(cast.shop) == ["王一", "王五"]
    assert (result.created, result.error_rows, result.total_rows) == (2, 3, 5)
    assert [(e.line, e.column, e.field) for e in result.errors] == [
        (3, "手机号", "phone"),
        (4, "生日", "attributes.birthday"),
        (5, "生命周期", "lifecycle_stage"),
    ]
    assert "沉睡" in result.errors[2].reason
    wang5 = Identity.objects.get(workspace=cast.shop, value="13800000005").customer
    assert (wang5.lifecycle_stage, wang5.attributes) == ("loyal", {"birthday": "1995-03-04"})


def test_the_error_report_is_a_csv_people_can_open(cast, tmp_path):
    path = make_customer_file(tmp_path / "a.csv", [["姓名", "手机号"], ["张三", "abc"]])
    result = import_file(cast.shop, path)

    out = io.StringIO()
    importing.write_error_report(result.errors, out)

    assert out.getvalue().splitlines() == ["行号,列,字段,原因", "2,手机号,phone,格式不正确：abc"]


def test_importing_the_same_file_twice_updates_and_never_duplicates(cast, tmp_path):
    rows = [
        ["会员ID", "姓名", "手机号", "标签"],
        ["u1", "张三", "13800000001", "VIP、展会"],
        ["u2", "李四", "13800000002", "VIP"],
    ]
    path = make_customer_file(tmp_path / "a.csv", rows)
    first = import_file(cast.shop, path)

    # The second time, one name changed
    rows[1][1] = "张三丰"
    make_customer_file(path, rows)
    second = import_file(cast.shop, path)

    assert (first.created, first.updated) == (2, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert names(cast.shop) == ["张三丰", "李四"]
    assert Identity.objects.filter(workspace=cast.shop).count() == 4
    zhang = Identity.objects.get(workspace=cast.shop, value="u1").customer
    assert sorted(zhang.tags.values_list("name", flat=True)) == ["VIP", "展会"]


def test_rows_match_existing_customers_by_any_identity(cast, tmp_path):
    # Given a customer known only by phone
    known = make_customer(workspace=cast.shop, name="老顾客", phone="13800000001", city="上海")
    path = make_customer_file(
        tmp_path / "a.csv", [["邮箱", "手机号", "城市"], ["Old@Example.com", "+86 13800000001", ""]]
    )

    result = import_file(cast.shop, path)

    # Then the row updates them: the e-mail is added, the empty city cell changes nothing
    assert (result.created, result.updated) == (0, 1)
    known.refresh_from_db()
    assert known.city == "上海"
    assert set(known.identities.values_list("kind", "value")) == {
        ("phone", "13800000001"),
        ("email", "old@example.com"),
    }


def test_a_row_whose_identities_belong_to_two_different_customers_is_an_error(cast, tmp_path):
    make_customer(workspace=cast.shop, name="甲", phone="13800000001")
    make_customer(workspace=cast.shop, name="乙", identities={"email": "yi@example.com"})
    path = make_customer_file(
        tmp_path / "a.csv", [["姓名", "手机号", "邮箱"], ["混合", "13800000001", "yi@example.com"]]
    )

    result = import_file(cast.shop, path)

    assert [(e.line, e.column) for e in result.errors] == [(2, "邮箱")]
    assert names(cast.shop) == ["乙", "甲"]


def test_two_rows_claiming_one_identity_for_different_people_fail_on_the_later_line(cast, tmp_path):
    path = make_customer_file(
        tmp_path / "a.csv",
        [
            ["会员ID", "姓名", "手机号"],
            ["u1", "张三", "13800000001"],
            ["u2", "李四", "13800000001"],
            ["u1", "张三（改）", ""],
        ],
    )

    result = import_file(cast.shop, path)

    assert [(e.line, e.field) for e in result.errors] == [(3, "phone")]
    assert "2" in result.errors[0].reason  # names the earlier line
    assert names(cast.shop) == ["张三（改）"]
    assert (result.created, result.updated, result.error_rows) == (1, 1, 1)


def test_identities_are_claimed_across_chunks_of_one_file(cast, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    path = make_customer_file(
        tmp_path / "a.csv",
        [
            ["会员ID", "手机号"],
            ["u1", "13800000001"],
            ["u2", "13800000002"],
            ["u3", "13800000003"],
            ["u4", "13800000001"],
            ["u1", "13800000009"],
        ],
    )

    result = import_file(cast.shop, path)

    assert [(e.line, e.field) for e in result.errors] == [(5, "phone")]
    assert Customer.objects.filter(workspace=cast.shop).count() == 3
    assert (
        Identity.objects.get(workspace=cast.shop, value="13800000009").customer
        == Identity.objects.get(workspace=cast.shop, value="u1").customer
    )


def test_a_row_without_any_identity_is_an_error(cast, tmp_path):
    path = make_customer_file(
        tmp_path / "a.csv", [["姓名", "手机号"], ["无名", ""], ["有名", "13800000001"]]
    )

    result = import_file(cast.shop, path)

    assert [(e.line, e.field) for e in result.errors] == [(2, "identity")]
    assert names(cast.shop) == ["有名"]


def test_gender_seed_consent_and_declared_attributes_are_imported(cast, tmp_path):
    customers_services.declare_attribute(
        workspace=cast.shop, key="level", label="会员等级", type="choice", choices=["金卡", "银卡"]
    )
    path = make_customer_file(
        tmp_path / "a.csv",
        [
            ["手机号", "性别", "种子用户", "consent.marketing", "会员等级"],
            ["13800000001", "女", "是", "否", "金卡"],
            ["13800000002", "外星", "是", "", "铜卡"],
        ],
    )

    result = import_file(cast.shop, path)

    customer = Identity.objects.get(workspace=cast.shop, value="13800000001").customer
    assert (customer.gender, customer.is_seed, customer.consent, customer.attributes) == (
        "female",
        True,
        {"marketing": False},
        {"level": "金卡"},
    )
    assert [(e.line, e.column) for e in result.errors] == [(3, "性别"), (3, "会员等级")]
    assert result.error_rows == 1


def test_a_dry_run_checks_every_row_and_stores_nothing(cast, tmp_path):
    path = make_customer_file(
        tmp_path / "a.csv", [["姓名", "手机号"], ["张三", "13800000001"], ["李四", "x"]]
    )

    result = import_file(cast.shop, path, dry_run=True)

    assert (result.created, result.error_rows) == (1, 1)
    assert not Customer.objects.filter(workspace=cast.shop).exists()
    assert not AuditEntry.objects.filter(workspace=cast.shop, action=AuditAction.IMPORT).exists()


def test_an_import_is_audited_without_personal_data(cast, tmp_path):
    path = make_customer_file(tmp_path / "a.csv", [["姓名", "手机号"], ["张三", "13800000001"]])

    import_file(cast.shop, path)

    entry = AuditEntry.objects.get(workspace=cast.shop, action=AuditAction.IMPORT)
    assert entry.detail == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "error_rows": 0}


def test_an_import_never_touches_another_workspace(cast, tmp_path):
    theirs = make_customer(workspace=cast.other_shop, name="别家的", phone="13800000001")
    path = make_customer_file(tmp_path / "a.csv", [["姓名", "手机号"], ["我家的", "13800000001"]])

    result = import_file(cast.shop, path)

    assert result.created == 1
    theirs.refresh_from_db()
    assert theirs.name == "别家的"
    assert names(cast.shop) == ["我家的"]


def test_a_chunk_is_written_with_a_fixed_number_of_queries(
    cast, tmp_path, django_assert_max_num_queries
):
    rows = [["会员ID", "姓名", "手机号", "标签"]] + [
        [f"u{i}", f"用户{i}", f"138{i:08d}", "VIP"] for i in range(300)
    ]
    path = make_customer_file(tmp_path / "a.csv", rows)
    import_file(cast.shop, path)  # creates
    make_customer_file(path, [rows[0]] + [[u, n + "改", p, t] for u, n, p, t in rows[1:]])

    with django_assert_max_num_queries(20):
        result = import_file(cast.shop, path)  # updates

    assert result.updated == 300


def test_a_crash_mid_import_keeps_whole_chunks_and_no_half_written_rows(
    cast, tmp_path, monkeypatch
):
    # Given chunks of two rows, and a database failure while the second chunk's identities are written
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    path = make_customer_file(
        tmp_path / "a.csv",
        [["姓名", "手机号"]] + [[f"用户{i}", f"1380000000{i}"] for i in range(5)],
    )
    real_insert = importing._insert_many
    calls = []

    def failing_insert(model, *args, **kwargs):
        if model is Identity:
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("disk full")
        return real_insert(model, *args, **kwargs)

    monkeypatch.setattr(importing, "_insert_many", failing_insert)

    with pytest.raises(RuntimeError):
        import_file(cast.shop, path)

    # Then the first chunk is stored whole and the second left no customer without its phone
    assert names(cast.shop) == ["用户0", "用户1"]
    assert Identity.objects.filter(workspace=cast.shop).count() == 2

    # And running the import again finishes the job without duplicates
    monkeypatch.setattr(importing, "_insert_many", real_insert)
    result = import_file(cast.shop, path)
    assert (result.created, result.unchanged) == (3, 2)
    assert Customer.objects.filter(workspace=cast.shop).count() == 5
