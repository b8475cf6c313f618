"""End to end: the widget on a company's page, served by the real server, in headless Chromium.

A visitor opens a plain shop page (another origin, with CSS that would break a careless widget),
writes through the widget; 李客服 answers in the console's ticket page; the visitor sees the
answer without reloading. The visitor comes back later and is the same customer.
"""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import WidgetVisitor
from xiaonuo.console.tests.test_e2e_console import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from xiaonuo.desk.models import Conversation, Message
from xiaonuo.testing import PASSWORD, make_cast

# The shop's own styles are hostile on purpose: the widget lives in a shadow root and must not
# be hidden, restyled or re-laid-out by them.
SHOP_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>茶语 · 冻顶乌龙</title>
<style>
  * { font-family: serif !important; color: red !important; }
  button { display: none !important; }
  textarea, ol, li { visibility: hidden !important; }
  #xiaonuo-widget { opacity: .5; }
</style></head>
<body><h1>冻顶乌龙 · 50 g</h1><button id="buy">立即购买</button>
<script src="{script}" data-channel="{channel}" async></script>
</body></html>"""


class _ShopSite:
    """A company's web server on another origin (127.0.0.1) than Xiaonuo (localhost)."""

    def __init__(self, html: str) -> None:
        body = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop_site():
    sites: list[_ShopSite] = []

    def start(html: str) -> _ShopSite:
        sites.append(_ShopSite(html))
        return sites[-1]

    yield start
    for site in sites:
        site.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_visitor_writes_an_agent_answers_in_the_console_and_the_visitor_sees_it(
    live_server, shop_site
):
    cast = make_cast()
    channel, _secret = channels_services.create_widget_channel(workspace=cast.shop, name="官网")
    site = shop_site(
        SHOP_PAGE.replace("{script}", f"{live_server.url}/static/channels/widget.js").replace(
            "{channel}", channel.public_id
        )
    )
    channels_services.set_allowed_origins(
        workspace=cast.shop, channel_id=channel.pk, origins=[site.url]
    )

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        visitor_context = browser.new_context(
            locale="zh-CN", viewport={"width": 1280, "height": 800}
        )
        shop = visitor_context.new_page()
        shop.goto(f"{site.url}/")

        # The visitor opens the chat from the keyboard and writes
        bubble = shop.get_by_role("button", name="打开在线客服")
        expect(bubble).to_be_visible()
        bubble.focus()
        shop.keyboard.press("Enter")
        message_box = shop.get_by_role("textbox", name="消息")
        expect(message_box).to_be_focused()
        message_box.fill("你好，冻顶乌龙今天能发货吗？<b>急</b>")
        shop.keyboard.press("Enter")
        log = shop.get_by_role("log")
        expect(log).to_contain_text("你好，冻顶乌龙今天能发货吗？<b>急</b>")  # text, not markup
        assert shop.locator("#xiaonuo-widget ol b").count() == 0
        expect(message_box).to_have_value("")

        # 李客服 finds it in the console's inbox and answers on the ticket page
        agent = browser.new_context(locale="zh-CN").new_page()
        agent.goto(f"{live_server.url}/accounts/login/?next=/desk/")
        agent.fill("#id_username", cast.agent.username)
        agent.fill("#id_password", PASSWORD)
        agent.click("button[type=submit]")
        agent.get_by_role("link", name=re.compile("冻顶乌龙今天能发货")).first.click()
        expect(agent.get_by_text("你好，冻顶乌龙今天能发货吗？<b>急</b>").first).to_be_visible()
        agent.fill("#reply-text", "您好！今天下午四点前下单的都会当天发出。")
        agent.get_by_test_id("reply-send").click()
        expect(agent.get_by_test_id("reply-sent")).to_be_visible()
        answered = time.monotonic()

        # The visitor sees the answer without reloading, within the polling interval
        expect(log).to_contain_text("您好！今天下午四点前下单的都会当天发出。", timeout=5000)
        seen_after = time.monotonic() - answered
        assert seen_after < 3.0, seen_after
        print(f"the visitor saw the reply {seen_after:.2f} s after the agent sent it")
        expect(log.locator("li[data-author=agent]")).to_contain_text("李客服")
        shop.screenshot(path=str(SCREENSHOTS / "xiaonuo-widget.png"))

        # Escape closes the panel and gives the focus back to the bubble
        shop.keyboard.press("Escape")
        expect(message_box).to_be_hidden()
        expect(bubble).to_be_focused()

        # Days later the same browser comes back: the thread is there, and it is the same person
        shop.reload()
        shop.get_by_role("button", name="打开在线客服").click()
        expect(shop.get_by_role("log")).to_contain_text("今天下午四点前下单")
        shop.get_by_role("textbox", name="消息").fill("收到了，谢谢！")
        shop.get_by_role("button", name="发送").click()
        expect(shop.get_by_role("log")).to_contain_text("收到了，谢谢！")

        # Another browser is another visitor
        stranger = browser.new_context(locale="en-US").new_page()
        stranger.goto(f"{site.url}/")
        stranger.get_by_role("button", name="打开在线客服").click()
        stranger.get_by_role("textbox", name="消息").fill("我是另一个人")
        stranger.keyboard.press("Enter")
        expect(stranger.get_by_role("log")).to_contain_text("我是另一个人")
        expect(stranger.get_by_role("log")).not_to_contain_text("今天下午四点前下单")
        browser.close()

    first = Message.objects.get(text="你好，冻顶乌龙今天能发货吗？<b>急</b>")
    first_customer = first.conversation.customer_id
    assert Message.objects.filter(ticket=first.ticket, kind="outbound", staff=cast.agent).exists()
    returning = Message.objects.get(text="收到了，谢谢！")
    assert returning.conversation.customer_id == first_customer
    assert Conversation.objects.filter(customer_id=first_customer).count() == 1
    assert Message.objects.get(text="我是另一个人").conversation.customer_id != first_customer
    assert WidgetVisitor.objects.filter(channel=channel).count() == 2


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_widget_speaks_english_on_an_english_page_and_stays_away_from_other_sites(
    live_server, shop_site
):
    cast = make_cast()
    channel, _ = channels_services.create_widget_channel(
        workspace=cast.shop, name="官网", allowed_origins=["https://www.chayu.example"]
    )
    english = SHOP_PAGE.replace('lang="zh-CN"', 'lang="en"')
    page_html = english.replace("{script}", f"{live_server.url}/static/channels/widget.js")
    listed = shop_site(page_html.replace("{channel}", channel.public_id))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{listed.url}/")

        # This site is not on the widget's list: the browser keeps the server's answer from the
        # script, which leaves the page as it found it
        page.wait_for_function("() => window.XiaonuoWidget !== undefined")
        expect(page.locator("#xiaonuo-widget")).to_have_count(0, timeout=5000)

        # Once the site is listed it works, in English. (The database is used from another
        # thread: Playwright's event loop runs in this one, and Django refuses it here.)
        def list_the_site() -> None:
            channels_services.set_allowed_origins(
                workspace=cast.shop, channel_id=channel.pk, origins=[listed.url]
            )
            connection.close()

        with ThreadPoolExecutor(1) as staff:
            staff.submit(list_the_site).result()
        page.reload()
        page.get_by_role("button", name="Open chat").click()
        page.get_by_role("textbox", name="Message").fill("Hello, do you ship to Hong Kong?")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("log")).to_contain_text("Hello, do you ship to Hong Kong?")
        browser.close()

    assert Message.objects.filter(workspace=cast.shop).count() == 1
