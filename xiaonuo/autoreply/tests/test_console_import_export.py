"""Import a CSV or Excel file from the console (all or nothing, problems named by line and
column) and export the knowledge base to the same columns."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xiaonuo.autoreply.models import FaqEntry
from xiaonuo.autoreply.tests.helpers import make_faq
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db


def upload(name, text, encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_a_gbk_csv_from_excel_is_imported(cast):
    text = "标准问题,回复,相似问法,标签\r\n怎么开发票,订单完成后开具。,发票怎么开|能开票吗,发票\r\n"
    response = signed_in(cast.operator).post(
        "/autoreply/import/", {"file": upload("faq.csv", text, "gbk")}, follow=True
    )
    assert "新建 1 条" in response.content.decode()
    entry = FaqEntry.objects.get(workspace=cast.shop)
    assert entry.question == "怎么开发票" and entry.tags == ["发票"]
    assert sorted(p.text for p in entry.phrasings.all()) == ["发票怎么开", "能开票吗"]


def test_a_file_with_a_bad_line_stores_nothing_and_names_the_line_and_column(cast):
    text = (
        "question,answer,answer_kind\n"
        "怎么开发票,订单完成后开具。,text\n"
        "门店地址,,text\n"  # line 3: no answer
    )
    response = signed_in(cast.owner).post("/autoreply/import/", {"file": upload("faq.csv", text)})
    assert response.status_code == 422
    body = response.content.decode()
    assert "没有导入任何内容" in body
    assert "第 3 行" in body
    assert not FaqEntry.objects.exists()


def test_an_export_imports_back_unchanged(cast):
    make_faq(workspace=cast.shop)
    client = signed_in(cast.owner)

    exported = client.get("/autoreply/export/?format=csv")
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith('attachment; filename="faq-')
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5

    again = client.post(
        "/autoreply/import/",
        {"file": SimpleUploadedFile("faq.csv", exported.content, content_type="text/csv")},
        follow=True,
    )
    assert "新建 0 条，更新 0 条" in again.content.decode()


def test_the_excel_export_opens_in_excel(cast):
    make_faq(workspace=cast.shop)
    exported = signed_in(cast.operator).get("/autoreply/export/?format=xlsx")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    assert sheet.max_row == 6


@pytest.mark.parametrize("persona", ["agent", "viewer"])
def test_only_people_who_manage_auto_reply_import_and_export(cast, persona):
    client = signed_in(getattr(cast, persona))
    text = "question,answer\n怎么开发票,订单完成后开具。\n"
    assert client.post("/autoreply/import/", {"file": upload("faq.csv", text)}).status_code == 403
    assert client.get("/autoreply/export/").status_code == 403
    assert not FaqEntry.objects.exists()
