"""End to end: a real HTTP server and headless Chromium. 赵运营 builds a segment with the rule
builder (no JSON typed), watches the live count change, saves it and sees the preview."""

import pytest
from playwright.sync_api import expect, sync_playwright

from xiaonuo.analytics.models import Segment
from xiaonuo.analytics.tests.test_segments import decorate
from xiaonuo.console.tests.test_e2e_console import CHROMIUM, CHROMIUM_ARGS, signed_in_page
from xiaonuo.customers.models import Customer
from xiaonuo.testing import make_cast, make_customer


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_operator_builds_a_segment_with_the_rule_builder(live_server):
    cast = make_cast()
    for n in range(12):
        make_customer(workspace=cast.shop, name=f"客户{n}", phone=f"1380013{n:04d}")
    decorate(cast.shop)
    vips = Customer.objects.filter(workspace=cast.shop, tags__name="VIP").count()
    everyone = Customer.objects.filter(workspace=cast.shop).count()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server.url, cast.operator)
        page.goto(f"{live_server.url}/analytics/segments/new/")
        # The example definition: two behaviour rows; nobody has events, so "did 支付成功 ≥ 3"
        # keeps nobody.
        expect(page.locator(".xn-condition")).to_have_count(2)
        expect(page.get_by_test_id("segment-count")).to_have_attribute(
            "data-count", "0", timeout=30_000
        )
        # Remove both rows, add one and make it "tag has VIP".
        page.get_by_role("button", name="删除条件", exact=True).first.click()
        page.get_by_role("button", name="删除条件", exact=True).first.click()
        page.get_by_role("button", name="添加条件", exact=True).click()
        page.get_by_label("条件类型").select_option("tag")
        page.get_by_label("比较").select_option("has_not")
        page.get_by_label("标签", exact=True).fill("VIP")
        expect(page.get_by_test_id("segment-count")).to_have_attribute(
            "data-count", str(everyone - vips), timeout=30_000
        )
        page.get_by_label("比较").select_option("has")
        expect(page.get_by_test_id("segment-count")).to_have_attribute(
            "data-count", str(vips), timeout=30_000
        )
        page.fill("#id_name", "VIP 会员")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_test_id("segment-preview")).to_contain_text("138****", timeout=30_000)
        browser.close()
    segment = Segment.objects.get(workspace=cast.shop, name="VIP 会员")
    assert segment.definition["conditions"] == [{"type": "tag", "op": "has", "value": "VIP"}]
