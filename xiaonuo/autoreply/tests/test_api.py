"""The FAQ API and the test box: shapes, stable error codes, and that an API key of workspace B
never reads or changes workspace A's knowledge base."""

import pytest

from xiaonuo.autoreply.models import FaqEntry, FaqRevision, ReplyLog
from xiaonuo.autoreply.tests.helpers import make_faq
from xiaonuo.testing import api_client, make_api_key

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def api(cast):
    key, secret = make_api_key(workspace=cast.shop)
    client = api_client(secret)
    client.key = key
    return client


@pytest.fixture
def other_api(cast):
    _, secret = make_api_key(workspace=cast.other_shop)
    return api_client(secret)


@pytest.fixture
def entry(cast):
    return make_faq(workspace=cast.shop)["多久发货"]


def test_an_entry_is_created_read_changed_and_deleted(api):
    created = api.post(
        "/api/v1/faq",
        {
            "question": "怎么开发票",
            "phrasings": ["能开发票吗", "电子发票"],
            "answer": {"kind": "link", "text": "开票指南", "url": "https://example.com/invoice"},
            "tags": ["发票"],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phrasings"] == ["能开发票吗", "电子发票"]
    assert body["answer"]["kind"] == "link"

    got = api.get(f"/api/v1/faq/{body['id']}")
    assert got.json()["question"] == "怎么开发票"

    patched = api.patch(
        f"/api/v1/faq/{body['id']}",
        {"enabled": False, "tags": []},
        content_type=JSON,
    )
    assert patched.status_code == 200
    assert (patched.json()["enabled"], patched.json()["tags"]) == (False, [])
    assert patched.json()["phrasings"] == ["能开发票吗", "电子发票"]  # not sent: unchanged

    deleted = api.delete(f"/api/v1/faq/{body['id']}")
    assert deleted.status_code == 204
    assert api.get(f"/api/v1/faq/{body['id']}").status_code == 404
    # The API key is the author of every change in the history.
    assert set(FaqRevision.objects.values_list("api_key_id", flat=True)) == {api.key.pk}


def test_the_list_filters_and_pages(api, entry):
    everything = api.get("/api/v1/faq?limit=2").json()
    assert everything["count"] == 5
    assert len(everything["items"]) == 2

    found = api.get("/api/v1/faq", {"search": "什么时候发货"}).json()
    assert [e["question"] for e in found["items"]] == ["多久发货"]


def test_a_validity_bound_is_removed_by_sending_null(api, entry):
    api.patch(
        f"/api/v1/faq/{entry.pk}", {"valid_until": "2030-01-01T00:00:00+08:00"}, content_type=JSON
    )

    cleared = api.patch(f"/api/v1/faq/{entry.pk}", {"valid_until": None}, content_type=JSON)

    assert cleared.json()["valid_until"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"question": "", "answer": {"text": "x"}}, "faq_question_invalid"),
        ({"question": "多久发货", "answer": {"text": "x"}}, "faq_question_taken"),
        ({"question": "新问题", "answer": {"kind": "image"}}, "answer_invalid"),
        (
            {
                "question": "新问题",
                "answer": {"text": "x"},
                "valid_from": "2030-01-02T00:00:00Z",
                "valid_until": "2030-01-01T00:00:00Z",
            },
            "validity_invalid",
        ),
    ],
)
def test_bad_entries_get_stable_codes_and_nothing_is_stored(api, entry, body, code):
    response = api.post("/api/v1/faq", body, content_type=JSON)

    assert response.status_code in (409, 422)
    assert response.json()["code"] == code
    assert FaqEntry.objects.count() == 5


def test_the_test_box_shows_the_would_be_answer_candidates_and_why(api, entry):
    response = api.post("/api/v1/autoreply/test", {"question": "下单后几天发货"}, content_type=JSON)

    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "answered_faq"
    assert body["faq_id"] == entry.pk
    assert body["answer"]["text"] == "下单后 48 小时内发货，节假日顺延。"
    assert body["candidates"][0]["faq_id"] == entry.pk
    assert body["candidates"][0]["why"]
    assert body["confidence"] >= body["threshold"]
    assert not ReplyLog.objects.exists()  # nothing stored


def test_the_test_box_refuses_an_empty_question(api):
    response = api.post("/api/v1/autoreply/test", {"question": "  "}, content_type=JSON)

    assert response.status_code == 422
    assert response.json()["code"] == "faq_question_invalid"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/faq/{id}", None),
        ("patch", "/api/v1/faq/{id}", {"enabled": False}),
        ("delete", "/api/v1/faq/{id}", None),
    ],
)
def test_every_entry_endpoint_answers_404_for_another_workspace(
    entry, other_api, method, path, body
):
    kwargs = {"data": body, "content_type": JSON} if body else {}

    response = getattr(other_api, method)(path.format(id=entry.pk), **kwargs)

    assert response.status_code == 404
    assert response.json()["code"] == "faq_entry_not_found"
    entry.refresh_from_db()
    assert entry.enabled is True


def test_another_workspace_lists_and_tests_against_its_own_knowledge_base_only(entry, other_api):
    listed = other_api.get("/api/v1/faq").json()
    tested = other_api.post(
        "/api/v1/autoreply/test", {"question": "多久发货"}, content_type=JSON
    ).json()

    assert listed == {"items": [], "count": 0}
    assert tested["candidates"] == []
    assert tested["outcome"] == "handed_off"


def test_another_workspace_may_create_the_same_question(entry, other_api):
    response = other_api.post(
        "/api/v1/faq", {"question": "多久发货", "answer": {"text": "当天发"}}, content_type=JSON
    )

    assert response.status_code == 201
    assert FaqEntry.objects.filter(question="多久发货").count() == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/faq"), ("post", "/api/v1/faq"), ("post", "/api/v1/autoreply/test")],
)
def test_without_an_api_key_nothing_is_answered(client, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 401
