"""Exporting a customer list to CSV from the console."""

import csv
import io

from django.urls import reverse

from xiaonuo.accounts.models import AuditAction, AuditEntry
from xiaonuo.testing import make_customer, signed_in


def download(client, **params):
    response = client.get(reverse("customers:export"), params)
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content)


def test_an_operator_gets_a_bom_csv_with_masked_identifiers_and_the_export_is_audited(cast):
    make_customer(
        workspace=cast.shop,
        name="王小明",
        phone="13812341234",
        identities={"email": "xiaoming@example.com", "external_id": "u1"},
        tags=["VIP"],
    )

    response, body = download(signed_in(cast.operator))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert (
        rows[0]["姓名"],
        rows[0]["手机号"],
        rows[0]["邮箱"],
        rows[0]["外部 ID"],
        rows[0]["标签"],
    ) == ("王小明", "138****1234", "x***@example.com", "u1", "VIP")
    assert "13812341234" not in body.decode("utf-8-sig")
    entry = AuditEntry.objects.get(workspace=cast.shop, action=AuditAction.EXPORT)
    assert entry.actor == cast.operator
    assert entry.detail == {
        "format": "csv",
        "rows": 1,
        "pii": False,
        "filters": {"q": "", "lifecycle_stage": "", "tag": "", "is_seed": None},
    }


def test_an_owner_may_see_identifiers_in_full(cast):
    make_customer(workspace=cast.shop, name="王小明", phone="13812341234")

    _response, body = download(signed_in(cast.owner))

    assert "13812341234" in body.decode("utf-8-sig")
    assert (
        AuditEntry.objects.get(workspace=cast.shop, action=AuditAction.EXPORT).detail["pii"] is True
    )


def test_the_export_uses_the_list_filters(cast):
    make_customer(
        workspace=cast.shop,
        name="王小明",
        phone="13800000001",
        lifecycle_stage="loyal",
        tags=["VIP"],
    )
    make_customer(workspace=cast.shop, name="王大明", phone="13800000002", lifecycle_stage="loyal")
    make_customer(workspace=cast.shop, name="李四", phone="13800000003")

    _response, body = download(signed_in(cast.operator), stage="loyal", tag="VIP", q="王")

    names = [row["姓名"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))]
    assert names == ["王小明"]


def test_an_export_holds_only_the_current_workspace(cast):
    make_customer(workspace=cast.shop, name="我家的", phone="13800000001")
    make_customer(workspace=cast.other_shop, name="别家的", phone="13800000002")

    _response, body = download(signed_in(cast.other_owner))

    text = body.decode("utf-8-sig")
    assert "别家的" in text and "我家的" not in text
    assert not AuditEntry.objects.filter(workspace=cast.shop, action=AuditAction.EXPORT).exists()


def test_a_long_list_is_exported_in_batches(cast, monkeypatch):
    from xiaonuo.customers import exporting

    monkeypatch.setattr(exporting, "BATCH", 2)
    for i in range(5):
        make_customer(workspace=cast.shop, name=f"用户{i}", phone=f"1380000000{i}")

    _response, body = download(signed_in(cast.owner))

    names = [row["姓名"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))]
    assert names == [f"用户{i}" for i in reversed(range(5))]


def test_staff_without_the_export_permission_cannot_export(cast):
    assert signed_in(cast.agent).get(reverse("customers:export")).status_code == 403
    assert signed_in(cast.viewer).get(reverse("customers:export")).status_code == 403
