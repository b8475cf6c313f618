"""An API key of workspace B never reads or writes anything of workspace A's desk."""

import pytest

from xiaonuo.desk.models import Conversation, Message
from xiaonuo.testing import api_client, make_api_key, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_conversation(cast):
    return receive(
        workspace=cast.shop, identities={"external_id": "M1"}, text="茶语的客户"
    ).conversation


@pytest.fixture
def other_api(cast):
    _, secret = make_api_key(workspace=cast.other_shop)
    return api_client(secret)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/conversations/{id}", None),
        ("post", "/api/v1/conversations/{id}/messages", {"text": "偷看"}),
        (
            "post",
            "/api/v1/conversations/{id}/messages",
            {"text": "冒充", "author": "agent", "agent_id": 1},
        ),
    ],
)
def test_every_conversation_endpoint_answers_404_for_another_workspace(
    cast, a_conversation, other_api, method, path, body
):
    kwargs = {"data": body, "content_type": "application/json"} if body else {}

    response = getattr(other_api, method)(path.format(id=a_conversation.pk), **kwargs)

    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"
    assert Message.objects.filter(conversation=a_conversation).count() == 1


def test_the_same_user_id_in_two_workspaces_is_two_customers_with_their_own_threads(
    cast, a_conversation, other_api
):
    response = other_api.post(
        "/api/v1/conversations",
        {"customer": {"external_id": "M1"}, "text": "别家的客户"},
        content_type="application/json",
    )

    theirs = Conversation.objects.get(pk=response.json()["id"])
    assert theirs.workspace_id == cast.other_shop.pk
    assert theirs.customer_id != a_conversation.customer_id
    assert [m["text"] for m in response.json()["messages"]] == ["别家的客户"]
