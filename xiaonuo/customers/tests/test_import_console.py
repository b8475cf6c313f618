"""Importing customers in the console: upload → mapping → progress → result and error report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xiaonuo.customers.importing import stored_path
from xiaonuo.customers.models import Customer, CustomerImport, ImportStatus
from xiaonuo.testing import make_customer_file, signed_in


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def upload(client, path, **extra):
    with open(path, "rb") as handle:
        return client.post(
            reverse("customers:import"),
            {"file": SimpleUploadedFile(path.name, handle.read()), **extra},
        )


@pytest.fixture
def good_and_bad_file(tmp_path):
    return make_customer_file(
        tmp_path / "会员名单.csv",
        [
            ["会员ID", "姓名", "手机", "备注"],
            ["u1", "张三", "13800000001", "老客"],
            ["u2", "李四", "不是号码", ""],
            ["u3", "王五", "13800000003", ""],
        ],
        encoding="gbk",
    )


def test_an_operator_imports_a_file_and_watches_it_reach_100_percent(
    cast, good_and_bad_file, django_capture_on_commit_callbacks
):
    client = signed_in(cast.operator)

    # Upload: the file is stored and the mapping page suggests targets and previews rows
    response = upload(client, good_and_bad_file)
    customer_import = CustomerImport.objects.get(workspace=cast.shop)
    assert response.status_code == 302
    assert response.url == reverse("customers:import_mapping", args=[customer_import.pk])
    page = client.get(response.url).content.decode()
    assert '<option value="external_id" selected>' in page
    assert "不是号码" in page  # the preview

    # Start with the suggested mapping; "备注" is not imported
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customers:import_mapping", args=[customer_import.pk]),
            {"col-0": "external_id", "col-1": "name", "col-2": "phone", "col-3": ""},
        )
    assert response.url == reverse("customers:import_progress", args=[customer_import.pk])

    # The task ran (Huey is immediate in tests): the fragment htmx polls shows 100% and the counts
    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.processed_rows, customer_import.total_rows) == (
        ImportStatus.DONE,
        3,
        3,
    )
    assert (customer_import.created_count, customer_import.error_count) == (2, 1)
    fragment = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert 'style="width: 100%"' in fragment and "hx-get" not in fragment
    assert sorted(Customer.objects.filter(workspace=cast.shop).values_list("name", flat=True)) == [
        "张三",
        "王五",
    ]

    # The uploaded file, with its personal data, is gone once imported
    assert not stored_path(customer_import.file_path).exists()

    # The error report names the line and the column, and opens in Excel (BOM)
    report = b"".join(
        client.get(reverse("customers:import_errors", args=[customer_import.pk])).streaming_content
    )
    assert report.startswith(b"\xef\xbb\xbf")
    assert "3,手机,phone," in report.decode("utf-8-sig")


def test_a_running_import_page_polls_and_refreshes_without_javascript(cast, good_and_bad_file):
    client = signed_in(cast.operator)
    upload(client, good_and_bad_file)
    customer_import = CustomerImport.objects.get(workspace=cast.shop)
    CustomerImport.objects.filter(pk=customer_import.pk).update(
        status=ImportStatus.RUNNING, processed_rows=1
    )

    page = client.get(
        reverse("customers:import_progress", args=[customer_import.pk])
    ).content.decode()

    assert 'hx-trigger="every 1s"' in page
    assert '<meta http-equiv="refresh"' in page
    assert 'style="width: 33%"' in page


def test_starting_twice_queues_one_run(cast, good_and_bad_file, django_capture_on_commit_callbacks):
    client = signed_in(cast.operator)
    upload(client, good_and_bad_file)
    customer_import = CustomerImport.objects.get(workspace=cast.shop)
    url = reverse("customers:import_mapping", args=[customer_import.pk])
    mapping = {"col-0": "external_id", "col-1": "name", "col-2": "phone"}

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(url, mapping)
        second = client.post(url, mapping)

    assert len(callbacks) == 1
    assert second.status_code == 302  # already started: straight to its progress page


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (
            "姓名,手机\n张三,138\n".encode() + b"\xff\xfe\x80\n",
            "bad.csv",
            "file_encoding_unreadable",
        ),
        (b"", "empty.csv", "file_empty"),
        (b"%PDF", "a.pdf", "file_format_unsupported"),
    ],
)
def test_an_unreadable_upload_is_refused_with_its_code_and_nothing_is_kept(
    cast, tmp_path, content, name, code
):
    path = tmp_path / name
    path.write_bytes(content)

    response = upload(signed_in(cast.operator), path)

    assert response.status_code == 400
    assert code in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_a_mapping_without_an_identity_column_is_refused_on_the_mapping_page(
    cast, good_and_bad_file
):
    client = signed_in(cast.operator)
    upload(client, good_and_bad_file)
    customer_import = CustomerImport.objects.get(workspace=cast.shop)

    response = client.post(
        reverse("customers:import_mapping", args=[customer_import.pk]), {"col-1": "name"}
    )

    assert response.status_code == 400
    assert "file_columns_missing" in response.content.decode()
    customer_import.refresh_from_db()
    assert customer_import.started_at is None


def test_imports_of_one_workspace_are_not_found_by_staff_of_another(
    cast, good_and_bad_file, django_capture_on_commit_callbacks
):
    client = signed_in(cast.operator)
    upload(client, good_and_bad_file)
    customer_import = CustomerImport.objects.get(workspace=cast.shop)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("customers:import_mapping", args=[customer_import.pk]),
            {"col-0": "external_id", "col-2": "phone"},
        )

    stranger = signed_in(cast.other_owner)
    for name in (
        "customers:import_mapping",
        "customers:import_progress",
        "customers:import_errors",
    ):
        assert stranger.get(reverse(name, args=[customer_import.pk])).status_code == 404, name
    assert (
        stranger.post(
            reverse("customers:import_mapping", args=[customer_import.pk]), {"col-0": "external_id"}
        ).status_code
        == 404
    )


def test_staff_without_the_import_permission_cannot_import(cast, good_and_bad_file):
    assert signed_in(cast.viewer).get(reverse("customers:import")).status_code == 403
    assert upload(signed_in(cast.agent), good_and_bad_file).status_code == 403


def test_the_import_task_runs_once_however_often_it_is_delivered(
    cast, good_and_bad_file, django_capture_on_commit_callbacks
):
    from xiaonuo.customers import tasks

    client = signed_in(cast.operator)
    upload(client, good_and_bad_file)
    customer_import = CustomerImport.objects.get(workspace=cast.shop)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("customers:import_mapping", args=[customer_import.pk]),
            {"col-0": "external_id", "col-1": "name", "col-2": "phone"},
        )

    # A second delivery of the same task (brokers deliver at least once) changes nothing
    Customer.objects.filter(workspace=cast.shop).update(name="改过")
    tasks.run_customer_import.call_local(customer_import.pk)

    assert set(Customer.objects.filter(workspace=cast.shop).values_list("name", flat=True)) == {
        "改过"
    }


def test_an_import_whose_mapping_no_longer_fits_fails_with_its_code(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    from xiaonuo.customers import services as customers_services
    from xiaonuo.customers.models import AttributeDefinition

    customers_services.declare_attribute(
        workspace=cast.shop, key="level", label="等级", type="text"
    )
    path = make_customer_file(tmp_path / "a.csv", [["手机", "等级"], ["13800000001", "金卡"]])
    client = signed_in(cast.operator)
    upload(client, path)
    customer_import = CustomerImport.objects.get(workspace=cast.shop)
    assert customer_import.mapping == {"手机": "phone", "等级": "attributes.level"}

    # The attribute is removed between "start" and the task running
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(
            reverse("customers:import_mapping", args=[customer_import.pk]),
            {"col-0": "phone", "col-1": "attributes.level"},
        )
    AttributeDefinition.objects.filter(workspace=cast.shop).delete()
    for callback in callbacks:
        callback()

    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.failure_code) == (
        ImportStatus.FAILED,
        "mapping_invalid",
    )
    assert not Customer.objects.filter(workspace=cast.shop).exists()
    page = client.get(
        reverse("customers:import_progress", args=[customer_import.pk])
    ).content.decode()
    assert "mapping_invalid" in page
