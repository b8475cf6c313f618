"""POST /api/v1/tone-check: a draft in, what the tone check finds and a gentler wording out."""

import pytest

from xiaonuo.desk import services as desk_services
from xiaonuo.testing import api_client, make_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):
    _, secret = make_api_key(workspace=cast.shop)
    return api_client(secret)


def _check(client, text, **headers):
    return client.post(
        "/api/v1/tone-check", {"text": text}, content_type="application/json", headers=headers
    )


def test_a_rude_draft_comes_back_with_findings_and_a_gentler_wording(api):
    response = _check(api, "爱买不买")

    body = response.json()
    assert response.status_code == 200
    assert body["ok"] is False
    finding = body["findings"][0]
    assert (finding["kind"], finding["start"], finding["end"], finding["text"]) == (
        "dismissive",
        0,
        4,
        "爱买不买",
    )
    assert finding["explanation"] and "爱买不买" not in body["gentler"]


def test_a_kind_draft_is_ok_and_comes_back_unchanged(api):
    body = _check(api, "您好，已经为您查询，包裹明天送达。").json()
    assert body == {"ok": True, "findings": [], "gentler": "您好，已经为您查询，包裹明天送达。"}


def test_the_workspaces_own_word_lists_are_used_and_no_one_elses(cast, api):
    desk_services.set_tone_words(
        workspace=cast.other_shop, lists={"forbidden_promises": ["包邮到家=>尽快发货"]}
    )
    assert _check(api, "我们包邮到家").json()["ok"] is True

    desk_services.set_tone_words(
        workspace=cast.shop, lists={"forbidden_promises": ["包邮到家=>尽快发货"]}
    )
    body = _check(api, "我们包邮到家").json()
    assert body["ok"] is False and "尽快发货" in body["gentler"]


def test_explanations_follow_the_requests_language(api):
    english = _check(api, "爱买不买", **{"Accept-Language": "en"}).json()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english["findings"][0]["explanation"])


@pytest.mark.parametrize(
    ("payload", "code"),
    [({"text": "  "}, "message_empty"), ({"text": "好" * 5001}, "message_too_long")],
)
def test_empty_and_oversized_drafts_are_refused_with_a_code(api, payload, code):
    response = api.post("/api/v1/tone-check", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_a_missing_text_or_key_is_refused(cast, api):
    assert api.post("/api/v1/tone-check", {}, content_type="application/json").status_code == 422
    anonymous = api_client("xn_not_a_key")
    assert _check(anonymous, "爱买不买").status_code == 401
