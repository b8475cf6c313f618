"""End to end: a real HTTP server and headless Chromium (Debian's, driven by Playwright).

王店长 opens the quadrant of a year of reviews, sees the chart drawn and the monthly trajectory,
drills down to one month's service criticism, and marks a reply.
"""

from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from xiaonuo.console.tests.test_e2e_console import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    signed_in_page,
)
from xiaonuo.demo import reviews as reviews_demo
from xiaonuo.feedback.models import ReplyStatus, Review
from xiaonuo.testing import make_cast

NOW = datetime(2026, 6, 30, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_owner_reads_the_quadrant_and_drills_down(live_server):
    cast = make_cast()
    reviews_demo.create_demo_reviews(
        workspace=cast.shop,
        seed=1,
        now=NOW,
        stores=["长沙梅溪湖店", "长沙五一广场店", "深圳福田CBD店"],
        products=["杨枝甘露", "柠檬茶"],
        reviews=1500,
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server.url, cast.owner)
        page.click(".xn-nav >> text=用户之声")
        expect(page.get_by_test_id("review-total")).to_have_text("1514")
        page.get_by_role("link", name="产品 × 服务象限").click()
        page.wait_for_selector("#xn-quadrant canvas")
        page.wait_for_timeout(500)
        expect(page.get_by_test_id("months")).to_contain_text("2026-06")
        page.screenshot(path=str(SCREENSHOTS / "xiaonuo-quadrant.png"), full_page=True)

        page.get_by_test_id("months").get_by_role("link", name="服务差评").last.click()
        expect(page.get_by_test_id("drill")).to_be_visible()
        page.get_by_test_id("review-table").get_by_role("link").first.click()
        page.fill("#reply-text", "非常抱歉，我们已经和门店沟通改进，欢迎再来。")
        page.get_by_role("button", name="标记为已回复").click()
        expect(page.get_by_role("heading", name="回复 已回复")).to_be_visible()
        browser.close()
    assert (
        Review.objects.filter(reply_status=ReplyStatus.REPLIED, replied_by=cast.owner).count() == 1
    )
