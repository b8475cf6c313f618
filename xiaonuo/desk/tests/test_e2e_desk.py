"""End to end: a real HTTP server and headless Chromium (Debian's, driven by Playwright).

李客服 signs in and opens the inbox. A customer writes in through the API channel over HTTP
(``POST /api/v1/conversations``, which calls ``desk.services.receive_message`` as every channel
does); the message appears in her open inbox within two seconds, without a
reload. She opens it, drafts a curt reply, takes the tone check's gentler wording with one
click and sends it; the reply is stored. The customer writes again and the ticket page shows
it live.
"""

import time

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from xiaonuo.console.tests.test_e2e_console import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    signed_in_page,
)
from xiaonuo.desk.models import Conversation, Message
from xiaonuo.testing import make_api_key, make_cast

LIVE_WITHIN_MS = 2000  # issue 3: "appears in the agent's open inbox within 2 seconds"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_customer_message_appears_live_and_the_agent_answers_it(live_server):
    cast = make_cast()
    _, secret = make_api_key(workspace=cast.shop)
    # The browser's sync API runs an event loop in this thread, so the customer's side talks
    # to the server over HTTP, like a company's own front end would.
    shop_api = httpx.Client(
        base_url=f"{live_server.url}/api/v1", headers={"Authorization": f"Bearer {secret}"}
    )

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server.url, cast.agent, start="/desk/", height=860)
        expect(page.get_by_role("heading", name="收件箱")).to_be_visible()
        expect(page.get_by_test_id("inbox-empty")).to_contain_text("还没有会话")
        page.evaluate("window.xnNotReloaded = true")
        page.wait_for_timeout(300)  # the poll is armed

        started = time.monotonic()
        started_conversation = shop_api.post(
            "/conversations",
            json={
                "customer": {"external_id": "M-1001"},
                "name": "陈静",
                "text": "<b>订单</b>三天了还没发货，能帮我查一下吗？",
            },
        )
        assert started_conversation.status_code == 201
        conversation_id = started_conversation.json()["id"]
        table = page.get_by_test_id("inbox-table")
        expect(table).to_contain_text("三天了还没发货", timeout=LIVE_WITHIN_MS)
        waited = time.monotonic() - started
        assert page.evaluate("window.xnNotReloaded") is True  # no reload happened
        expect(table).to_contain_text("<b>订单</b>")  # HTML shown as text
        expect(table).to_contain_text("陈静")
        page.screenshot(path=str(SCREENSHOTS / "xiaonuo-desk-inbox.png"), full_page=True)

        table.get_by_role("link", name="陈静").click()
        expect(page.get_by_test_id("thread")).to_contain_text("三天了还没发货")
        page.fill("#reply-text", "爱买不买，你自己看物流")
        page.get_by_test_id("reply-send").click()
        warning = page.get_by_test_id("tone-warning")
        expect(warning).to_be_visible()
        expect(warning.locator("mark").first).to_have_text("爱买不买")
        page.get_by_role("button", name="使用建议的措辞").click()
        expect(page.get_by_test_id("tone-warning")).to_have_count(0)
        gentler = page.input_value("#reply-text")
        assert gentler and "爱买不买" not in gentler
        page.get_by_test_id("reply-send").click()
        expect(page.get_by_test_id("reply-sent")).to_be_visible()
        expect(page.get_by_test_id("thread")).to_contain_text(gentler.splitlines()[0][:10])

        again = shop_api.post(
            f"/conversations/{conversation_id}/messages", json={"text": "好的，谢谢你！"}
        )
        assert again.status_code == 201
        expect(page.get_by_test_id("thread")).to_contain_text(
            "好的，谢谢你！", timeout=LIVE_WITHIN_MS
        )
        page.screenshot(path=str(SCREENSHOTS / "xiaonuo-desk-ticket.png"), full_page=True)
        browser.close()

    ticket_id = Conversation.objects.get(pk=conversation_id).ticket_id
    reply = Message.objects.get(ticket_id=ticket_id, kind="outbound")
    assert reply.text == gentler.strip() and reply.staff == cast.agent
    assert reply.sent_despite_tone_warning is False
    print(f"inbox live update: {waited * 1000:.0f} ms")
