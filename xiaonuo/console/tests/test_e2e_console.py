"""End to end: a real HTTP server and headless Chromium (Debian's, driven by Playwright).

李客服 signs in, searches a customer by name, opens her page and reads her timeline, which
htmx loads from the console; then reveals her phone number (audited).
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from xiaonuo.accounts.models import AuditAction, AuditEntry
from xiaonuo.events.models import Event
from xiaonuo.testing import PASSWORD, make_cast, make_customer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots for people to look at (not compared); CI may keep them as artefacts.
SCREENSHOTS = Path(os.environ.get("XIAONUO_SCREENSHOTS", tempfile.gettempdir()))


def signed_in_page(
    browser: Browser,
    base_url: str,
    user: Any,
    *,
    start: str = "/accounts/login/",
    height: int = 900,
) -> Page:
    """A zh-CN console page of ``browser``, opened at ``start`` (a page that asks to sign in
    first, or the sign-in page) and signed in as ``user``, a test persona."""
    page = browser.new_page(viewport={"width": 1366, "height": height}, locale="zh-CN")
    page.goto(f"{base_url}{start}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    return page


def _given_a_customer_with_events():
    cast = make_cast()
    chen = make_customer(
        workspace=cast.shop,
        name="陈静",
        phone="13812341234",
        city="杭州",
        lifecycle_stage="loyal",
        tags=["老客", "爱喝乌龙"],
    )
    make_customer(workspace=cast.shop, name="王伟", phone="13900001111")
    now = timezone.now()
    for i, (name, props) in enumerate(
        [
            ("下单", {"金额": 38, "商品": "冻顶乌龙"}),
            ("打开小程序", {}),
            ("领取优惠券", {"券": "满 50 减 10"}),
        ]
    ):
        Event.objects.create(
            workspace=cast.shop,
            customer=chen,
            type="track",
            name=name,
            properties=props,
            message_id=f"e2e-{i}",
            timestamp=now - timedelta(hours=i),
            received_at=now,
        )
    return cast, chen


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_agent_signs_in_finds_a_customer_and_reads_her_timeline(live_server):
    cast, chen = _given_a_customer_with_events()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 860}, locale="zh-CN")
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
        page.fill("#id_username", cast.agent.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.get_by_role("heading", name="概览")).to_be_visible()
        expect(page.get_by_test_id("customers-total")).to_have_text("2")
        page.wait_for_selector(".xn-chart canvas")  # ECharts drew the lifecycle chart
        page.wait_for_timeout(500)  # let the 300 ms bar animation finish before the screenshot
        page.screenshot(path=str(SCREENSHOTS / "xiaonuo-dashboard.png"), full_page=True)

        page.click(".xn-nav >> text=用户")
        page.fill("#id_q", "陈")
        page.click("form[role=search] button[type=submit]")
        table = page.get_by_test_id("customer-table")
        expect(table).to_contain_text("陈静")
        expect(table).not_to_contain_text("王伟")
        expect(table).to_contain_text("138****1234")

        table.get_by_role("link", name="陈静").click()
        expect(page.get_by_test_id("customer-name")).to_contain_text("陈静")
        timeline = page.get_by_test_id("timeline")
        expect(timeline).to_contain_text("下单")
        expect(timeline).to_contain_text("领取优惠券")
        expect(timeline.locator("li")).to_have_count(3)

        page.get_by_role("button", name="显示").click()
        expect(page.get_by_test_id("revealed")).to_have_text("13812341234")
        page.screenshot(path=str(SCREENSHOTS / "xiaonuo-customer.png"), full_page=True)
        browser.close()

    assert (
        AuditEntry.objects.filter(
            workspace=cast.shop, action=AuditAction.REVEAL, actor=cast.agent, target_id=str(chen.pk)
        ).count()
        == 1
    )
