"""The console's analytics pages: first paint without the heavy query, results loaded after,
CSV exports equal to the command's, bad options refused with a code, empty workspaces, and
tenancy (别家's owner never sees 茶语's numbers)."""

import csv
import io

import pytest
from django.urls import reverse

from xiaonuo.analytics.tests import data
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db

PAGES = {
    "analytics:retention": "period=week",
    "analytics:lifecycle": "period=week",
    "analytics:funnel": "steps=打开小程序%0A支付成功&window_days=7",
    "analytics:rfm": "compare_days=30",
    "analytics:churn": "horizon_days=30",
    "analytics:clv": "months=6",
    "analytics:costs": "since=2026-10-01&until=2026-11-18&acquisition=微信,1200&retention=回访,100,10",
}


@pytest.fixture
def shop_history(cast, tmp_path):
    data.make_history(cast.shop, tmp_path)
    return cast


def test_each_page_paints_its_form_first_and_loads_results_after(shop_history):
    client = signed_in(shop_history.owner)
    for name, query in PAGES.items():
        page = client.get(f"{reverse(name)}?{query}")
        assert page.status_code == 200
        body = page.content.decode()
        assert 'hx-trigger="load"' in body and "partial=1" in body
        fragment = client.get(f"{reverse(name)}?{query}&partial=1")
        assert fragment.status_code == 200, name
        assert "<html" not in fragment.content.decode()


def test_without_javascript_the_results_render_inline(shop_history):
    page = signed_in(shop_history.owner).get(
        reverse("analytics:retention") + "?period=month&inline=1"
    )
    assert page.status_code == 200
    assert 'data-testid="retention-results"' in page.content.decode()


def test_the_retention_csv_has_the_commands_columns(shop_history):
    response = signed_in(shop_history.owner).get(
        reverse("analytics:retention") + "?period=week&format=csv&table=retention"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["cohort", "period", "customers", "retained", "rate"]
    assert len(rows) > 10


def test_other_workspaces_staff_see_only_their_own_empty_workspace(shop_history):
    other = signed_in(shop_history.other_owner)
    for name, query in PAGES.items():
        fragment = other.get(f"{reverse(name)}?{query}&partial=1")
        assert fragment.status_code == 200
        body = fragment.content.decode()
        # 别家 has no events: no numbers of 茶语's customers leak into its pages.
        assert "#" + str(shop_history.shop.pk) not in body
        if name in ("analytics:retention", "analytics:lifecycle", "analytics:clv"):
            assert "还没有数据" in body, name
    exported = other.get(reverse("analytics:retention") + "?period=week&format=csv")
    assert exported.content.decode().strip() == "cohort,period,customers,retained,rate"


def test_per_customer_exports_need_the_export_permission(shop_history):
    viewer = signed_in(shop_history.viewer)
    response = viewer.get(reverse("analytics:rfm") + "?compare_days=30&format=csv&table=rfm_alerts")
    assert response.status_code == 403
    allowed = signed_in(shop_history.operator).get(
        reverse("analytics:rfm") + "?compare_days=30&format=csv&table=rfm_alerts"
    )
    assert allowed.status_code == 200


def test_bad_options_are_refused_with_a_code(shop_history):
    client = signed_in(shop_history.owner)
    for url in (
        reverse("analytics:retention") + "?period=year&partial=1",
        reverse("analytics:retention") + "?breakdown=property&property=a'b&partial=1",
        reverse("analytics:funnel") + "?steps=只有一步&partial=1",
        reverse("analytics:costs") + "?since=2026-11-01&until=2026-10-01&acquisition=x,1&partial=1",
        reverse("analytics:costs")
        + "?since=2026-10-01&until=2026-11-01&retention=回访,100&partial=1",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response["X-Error-Code"] == "invalid_parameter"


def test_user_text_is_escaped(shop_history):
    response = signed_in(shop_history.owner).get(
        reverse("analytics:funnel") + "?steps=<script>x</script>%0A支付成功&partial=1"
    )
    body = response.content.decode()
    assert "<script>x</script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body


def test_signed_out_visitors_are_sent_to_sign_in(db):
    from django.test import Client

    response = Client().get(reverse("analytics:retention"))
    assert response.status_code == 302


def test_the_pages_read_in_english_too(shop_history):
    client = signed_in(shop_history.owner)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("analytics:rfm") + "?compare_days=30&inline=1")
    body = page.content.decode()
    assert "RFM segments" in body and "Champions" in body
    assert "冠军用户" not in body
