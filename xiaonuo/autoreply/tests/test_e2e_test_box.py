"""End to end: a real HTTP server and headless Chromium (Debian's, driven by Playwright).

李客服 opens the auto-reply test box, asks a question as a follower would, and sees — without
a page reload — what the bot would answer, its candidates with their confidence and why. She
tells the bot which candidate is right for a question it was unsure about; the matcher keeps
it. Then she opens a ticket the bot handed off, sees why and its suggestions, and answers the
customer with one click.
"""

import pytest
from playwright.sync_api import expect, sync_playwright

from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import MatchFeedback
from xiaonuo.autoreply.services import SettingsChanges
from xiaonuo.autoreply.tests.helpers import ask, make_faq, make_wechat_channel
from xiaonuo.console.tests.test_e2e_console import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    signed_in_page,
)
from xiaonuo.desk.models import Message, MessageKind, Ticket
from xiaonuo.testing import make_cast


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_agent_tries_the_bot_teaches_it_and_answers_a_hand_off(live_server):
    cast = make_cast()
    make_faq(workspace=cast.shop)
    wechat = make_wechat_channel(workspace=cast.shop)
    autoreply_services.update_settings(
        workspace=cast.shop, changes=SettingsChanges(threshold=0.999)
    )
    assert ask(workspace=cast.shop, channel=wechat, text="退款的钱到底退到哪里去了") is None
    ticket = Ticket.objects.get(workspace=cast.shop)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server.url, cast.agent, start="/autoreply/test/")
        expect(page.get_by_role("heading", name="问一句，看机器人怎么答")).to_be_visible()
        page.evaluate("window.xnNotReloaded = true")

        page.fill("#id_question", "钱什么时候退回来")
        page.get_by_test_id("test-ask").click()
        result = page.get_by_test_id("test-result")
        expect(result.get_by_test_id("test-decision")).to_contain_text("机器人会转人工")
        candidates = result.get_by_test_id("test-candidates")
        expect(candidates).to_contain_text("怎么申请退款")
        expect(candidates).to_contain_text("%")
        assert page.evaluate("window.xnNotReloaded") is True  # swapped in by htmx
        page.screenshot(path=str(SCREENSHOTS / "xiaonuo-autoreply-test-box.png"), full_page=True)

        row = candidates.locator("tr", has_text="怎么申请退款")
        row.get_by_role("button", name="这条是对的").click()
        expect(page.get_by_test_id("test-confirmed")).to_contain_text("怎么申请退款")
        assert page.evaluate("window.xnNotReloaded") is True

        page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
        panel = page.get_by_test_id("bot-suggestions")
        expect(panel.get_by_test_id("hand-off-reason")).to_contain_text("机器人没有把握")
        first = panel.get_by_test_id("suggestion").first
        expect(first).to_contain_text("怎么申请退款")
        page.screenshot(path=str(SCREENSHOTS / "xiaonuo-autoreply-suggestions.png"), full_page=True)
        first.get_by_test_id("use-suggestion").click()
        expect(page.get_by_test_id("suggestion-used")).to_be_visible()
        expect(page.get_by_test_id("thread")).to_contain_text("原路退回", timeout=5000)
        browser.close()

    feedback = MatchFeedback.objects.filter(workspace=cast.shop).order_by("pk")
    assert [f.query for f in feedback] == ["钱什么时候退回来", "退款的钱到底退到哪里去了"]
    reply = Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).latest("pk")
    assert reply.staff == cast.agent and "原路退回" in reply.text
