"""The test box: ask a question, see what the bot would answer or why it would hand off, with
its top candidates, their confidence and the features behind it; nothing is stored or sent."""

import pytest

from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.models import MatchFeedback, ReplyLog
from xiaonuo.autoreply.services import SettingsChanges
from xiaonuo.autoreply.tests.helpers import make_faq
from xiaonuo.desk.models import Message
from xiaonuo.testing import signed_in

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shop(cast):
    make_faq(workspace=cast.shop)
    return cast.shop


def test_a_known_question_shows_the_answer_the_bot_would_send(cast, shop):
    response = signed_in(cast.viewer).post("/autoreply/test/", {"question": "请问下单后几天发货？"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "机器人会直接回答" in body
    assert "下单后 48 小时内发货" in body
    result = response.context["result"]
    assert result["candidates"][0]["question"] == "多久发货"
    assert result["candidates"][0]["confidence"] >= result["threshold"]
    assert result["candidates"][0]["why"]  # the features, in words
    assert not ReplyLog.objects.exists() and not Message.objects.exists()  # nothing stored


def test_with_htmx_only_the_result_is_returned(cast, shop):
    response = signed_in(cast.agent).post(
        "/autoreply/test/", {"question": "我要退款"}, headers=HTMX
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="test-result"' in body


def test_asking_for_a_person_shows_the_hand_off_and_why(cast, shop):
    body = signed_in(cast.viewer).post("/autoreply/test/", {"question": "转人工"}).content.decode()
    assert "机器人会转人工" in body
    assert "用户要求人工" in body


def test_below_the_threshold_the_hand_off_shows_the_confidence_and_the_threshold(cast, shop):
    autoreply_services.update_settings(
        workspace=cast.shop, changes=SettingsChanges(threshold=0.999)
    )
    response = signed_in(cast.viewer).post("/autoreply/test/", {"question": "你们的吸管是纸做的吗"})
    body = response.content.decode()
    assert "机器人会转人工" in body
    assert "机器人没有把握" in body and "阈值 100%" in body
    assert response.context["result"]["reason"] == "low_confidence"


def test_an_empty_question_is_refused_plainly(cast, shop):
    response = signed_in(cast.viewer).post("/autoreply/test/", {"question": "  "}, headers=HTMX)
    assert response.status_code == 422
    assert "请输入问题" in response.content.decode()


def test_an_agent_confirms_the_right_candidate_and_the_matcher_learns_it(cast, shop):
    client = signed_in(cast.agent)
    entry_id = next(
        c["entry_id"]
        for c in client.post("/autoreply/test/", {"question": "钱什么时候退回来"}).context[
            "result"
        ]["candidates"]
        if c["question"] == "怎么申请退款"
    )

    response = client.post(
        "/autoreply/test/confirm/", {"query": "钱什么时候退回来", "faq_id": entry_id}, headers=HTMX
    )

    assert response.status_code == 200
    assert "已记下" in response.content.decode()
    feedback = MatchFeedback.objects.get(workspace=cast.shop)
    assert (feedback.query, feedback.entry_id, feedback.actor) == (
        "钱什么时候退回来",
        entry_id,
        cast.agent,
    )


def test_a_viewer_may_ask_but_not_teach(cast, shop):
    client = signed_in(cast.viewer)
    page = client.post("/autoreply/test/", {"question": "我要退款"}).content.decode()
    assert "这条是对的" not in page
    entry_id = MatchFeedback._meta.get_field("entry").related_model.objects.first().pk
    response = client.post("/autoreply/test/confirm/", {"query": "我要退款", "faq_id": entry_id})
    assert response.status_code == 403
    assert not MatchFeedback.objects.exists()
