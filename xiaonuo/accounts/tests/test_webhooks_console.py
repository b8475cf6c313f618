"""The webhook pages under the workspace settings: create, edit, enable, test, reveal, delete,
deliveries and "retry now"; bad input; permissions and tenancy; both languages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xiaonuo.accounts import webhooks
from xiaonuo.accounts.models import (
    AuditAction,
    AuditEntry,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.console.tests.test_console_english import chinese_left
from xiaonuo.testing import Cast, make_staff, make_workspace, signed_in

pytestmark = pytest.mark.django_db
LIST = "/accounts/settings/webhooks/"


def _endpoint(cast, url: str, **kwargs) -> WebhookEndpoint:
    endpoint, _secret = webhooks.create_endpoint(
        workspace=cast.shop,
        url=url,
        events=kwargs.get("events", ["message.created"]),
        description=kwargs.get("description", ""),
        actor=Actor(cast.owner),
    )
    return endpoint


def _page(endpoint: WebhookEndpoint, rest: str = "") -> str:
    return f"{LIST}{endpoint.pk}/{rest}"


def test_the_owner_adds_an_endpoint_and_sees_its_secret_once(cast, receiver):
    # When the owner adds an endpoint for new messages
    client = signed_in(cast.owner)
    response = client.post(
        LIST, {"url": receiver.url("/ok"), "events": ["message.created"], "description": "订单系统"}
    )

    # Then it is stored, audited, and the secret is on this page
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(workspace=cast.shop)
    assert (endpoint.url, endpoint.events, endpoint.description, endpoint.is_enabled) == (
        receiver.url("/ok"),
        ["message.created"],
        "订单系统",
        True,
    )
    assert endpoint.created_by == cast.owner
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert AuditEntry.objects.filter(
        workspace=cast.shop, action=AuditAction.WEBHOOK_CREATE, target_id=str(endpoint.pk)
    ).exists()
    # And never again on the list or the endpoint's page
    assert endpoint.secret not in client.get(LIST).content.decode()
    assert endpoint.secret not in client.get(_page(endpoint)).content.decode()


def test_revealing_the_secret_later_is_audited(cast, receiver):
    endpoint = _endpoint(cast, receiver.url("/ok"))
    response = signed_in(cast.owner).post(_page(endpoint, "secret/"))
    assert response.status_code == 200
    assert endpoint.secret in response.content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.WEBHOOK_SECRET_REVEAL, actor=cast.owner, target_id=str(endpoint.pk)
    ).exists()


def test_editing_changes_the_events_url_and_description(cast, receiver):
    endpoint = _endpoint(cast, receiver.url("/ok"))
    response = signed_in(cast.owner).post(
        _page(endpoint),
        {
            "url": receiver.url("/flaky"),
            "events": ["message.created", "conversation.status_changed"],
            "description": "客服看板",
        },
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url("/flaky")
    assert endpoint.events == ["message.created", "conversation.status_changed"]
    assert endpoint.description == "客服看板"


def test_disabling_and_enabling(cast, receiver):
    endpoint = _endpoint(cast, receiver.url("/ok"))
    client = signed_in(cast.owner)
    assert client.post(_page(endpoint, "enable/"), {"enabled": "0"}).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_enabled is False
    assert "已停用" in client.get(_page(endpoint)).content.decode()
    client.post(_page(endpoint, "enable/"), {"enabled": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_enabled is True


def test_deleting_asks_for_confirmation_then_removes_the_endpoint_and_its_log(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given an endpoint with a delivery
    endpoint = _endpoint(cast, receiver.url("/ok"))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload={"n": 1})
    client = signed_in(cast.owner)

    # When the owner opens the delete page, nothing is deleted yet
    page = client.get(_page(endpoint, "delete/"))
    assert page.status_code == 200 and "确认删除" in page.content.decode()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    # When they confirm
    assert client.post(_page(endpoint, "delete/")).status_code == 302

    # Then the endpoint and its deliveries are gone, and the deletion is audited
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookDelivery.objects.filter(endpoint_id=endpoint.pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.WEBHOOK_DELETE, target_id=str(endpoint.pk)
    ).exists()


def test_send_test_event_delivers_to_that_endpoint_and_shows_in_its_deliveries(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given an endpoint subscribed to status changes only
    endpoint = _endpoint(cast, receiver.url("/ok"), events=["conversation.status_changed"])
    client = signed_in(cast.owner)

    # When the owner sends a test event
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(endpoint, "test/"))

    # Then the receiver got a webhook.test event and the page lists it as succeeded
    assert response.status_code == 302
    (request,) = receiver.requests
    assert request.headers["x-xiaonuo-event"] == webhooks.TEST_EVENT
    body = client.get(_page(endpoint)).content.decode()
    assert "webhook.test" in body and "成功" in body


def test_retry_now_makes_an_attempt_at_once(cast, receiver, django_capture_on_commit_callbacks):
    # Given a delivery that failed with a 500 and waits for its retry
    endpoint = _endpoint(cast, receiver.url("/flaky"))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload={"n": 1})
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    client = signed_in(cast.owner)
    page = client.get(_page(endpoint)).content.decode()
    assert "HTTP 500" in page and "立即重试" in page

    # When the owner presses "retry now"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(endpoint, f"deliveries/{delivery.pk}/retry/"))

    # Then the second attempt is made and succeeds, and the delivery page shows both attempts
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDeliveryStatus.SUCCEEDED, 2)
    detail = client.get(_page(endpoint, f"deliveries/{delivery.pk}/")).content.decode()
    assert "HTTP 500" in detail and "HTTP 200" in detail and str(delivery.uuid) in detail


def test_a_succeeded_delivery_cannot_be_retried(cast, receiver, django_capture_on_commit_callbacks):
    endpoint = _endpoint(cast, receiver.url("/ok"))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload={"n": 1})
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    client = signed_in(cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_page(endpoint, f"deliveries/{delivery.pk}/retry/"))
    assert "这次推送已经成功" in client.get(_page(endpoint)).content.decode()
    assert len(receiver.requests) == 1


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,code",
    [
        ("ftp://example.com/hook", "webhook_url_invalid"),
        ("javascript:alert(1)", "webhook_url_invalid"),
        ("example.com/hook", "webhook_url_invalid"),
        ("https://user:pw@93.184.215.14/hook", "webhook_url_invalid"),
        ("http://127.0.0.1:8000/hook", "webhook_url_blocked"),
        ("http://localhost/hook", "webhook_url_blocked"),
        ("http://10.1.2.3/hook", "webhook_url_blocked"),
        ("http://192.168.1.20/hook", "webhook_url_blocked"),
        ("http://169.254.169.254/latest/meta-data/", "webhook_url_blocked"),  # cloud metadata
        ("http://[::1]/hook", "webhook_url_blocked"),
        ("http://[::ffff:127.0.0.1]/hook", "webhook_url_blocked"),
        ("http://0.0.0.0/hook", "webhook_url_blocked"),
        ("http://2130706433/hook", "webhook_url_blocked"),  # 127.0.0.1 written as a number
    ],
)
def test_a_url_we_would_not_send_to_is_refused_with_a_clear_error(cast, url, code):
    response = signed_in(cast.owner).post(LIST, {"url": url, "events": ["message.created"]})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-code="{code}"' in body
    assert ("http:// 或 https://" in body) if code == "webhook_url_invalid" else ("内网" in body)
    assert not WebhookEndpoint.objects.exists()


def test_choosing_no_event_is_refused(cast):
    response = signed_in(cast.owner).post(LIST, {"url": "https://93.184.215.14/hook"})
    assert response.status_code == 400
    assert 'data-code="webhook_events_invalid"' in response.content.decode()
    assert "请至少选择一个事件" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_event_name_is_refused(cast):
    response = signed_in(cast.owner).post(
        LIST, {"url": "https://93.184.215.14/hook", "events": ["customer.deleted"]}
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_a_public_address_is_accepted(cast):
    response = signed_in(cast.owner).post(
        LIST, {"url": "https://93.184.215.14/hook", "events": ["message.created"]}
    )
    assert response.status_code == 200
    assert WebhookEndpoint.objects.filter(workspace=cast.shop).count() == 1


def test_a_bad_edit_keeps_the_stored_endpoint_as_it_was(cast, receiver):
    endpoint = _endpoint(cast, receiver.url("/ok"))
    response = signed_in(cast.owner).post(_page(endpoint), {"url": "gopher://x", "events": []})
    assert response.status_code == 400
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == (receiver.url("/ok"), ["message.created"])


def test_a_workspace_has_at_most_twenty_endpoints(cast):
    for n in range(webhooks.MAX_ENDPOINTS):
        _endpoint(cast, f"https://93.184.215.14/hook/{n}")
    response = signed_in(cast.owner).post(
        LIST, {"url": "https://93.184.215.14/one-more", "events": ["message.created"]}
    )
    assert response.status_code == 400
    assert 'data-code="webhook_endpoint_limit"' in response.content.decode()
    assert WebhookEndpoint.objects.count() == webhooks.MAX_ENDPOINTS


def test_user_content_is_escaped(cast, receiver, django_capture_on_commit_callbacks):
    endpoint = _endpoint(cast, receiver.url("/bad"), description="<script>alert(1)</script>")
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(
            workspace_id=cast.shop.pk, event="message.created", payload={"t": "<img src=x>"}
        )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    client = signed_in(cast.owner)
    for path in (LIST, _page(endpoint), _page(endpoint, f"deliveries/{delivery.pk}/")):
        body = client.get(path).content.decode()
        assert "<script>alert(1)" not in body and "<img src=x>" not in body and "<b>bad" not in body


# --- Permissions and tenancy ------------------------------------------------------------------


def _every_page(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> list[tuple[str, str]]:
    deliveries = f"deliveries/{delivery.pk}/"
    return [
        ("get", _page(endpoint)),
        ("post", _page(endpoint)),
        ("post", _page(endpoint, "enable/")),
        ("post", _page(endpoint, "secret/")),
        ("post", _page(endpoint, "test/")),
        ("get", _page(endpoint, "delete/")),
        ("post", _page(endpoint, "delete/")),
        ("get", _page(endpoint, deliveries)),
        ("post", _page(endpoint, deliveries + "retry/")),
    ]


def _endpoint_with_delivery(cast, receiver, capture):
    endpoint = _endpoint(cast, receiver.url("/gone"))
    with capture(execute=True):
        webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload={"n": 1})
    return endpoint, WebhookDelivery.objects.get(endpoint=endpoint)


def test_staff_of_another_workspace_get_404_for_every_page_of_our_endpoints(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given 茶语's endpoint with a delivery, and 别家's owner (who may manage webhooks there)
    endpoint, delivery = _endpoint_with_delivery(cast, receiver, django_capture_on_commit_callbacks)
    outsider = signed_in(cast.other_owner)

    # Then every page of it is "not found" for them, and nothing changed
    for method, path in _every_page(endpoint, delivery):
        data = {"url": "https://93.184.215.14/x", "events": ["message.created"], "enabled": "0"}
        response = getattr(outsider, method)(path, data if method == "post" else None)
        assert response.status_code == 404, (method, path)
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.url == receiver.url("/gone")
    assert len(receiver.requests) == 1
    assert not AuditEntry.objects.filter(
        workspace=cast.other_shop, action=AuditAction.WEBHOOK_SECRET_REVEAL
    ).exists()
    # And their own list does not show it
    assert receiver.url("/gone") not in outsider.get(LIST).content.decode()


def test_a_delivery_id_under_another_of_our_endpoints_is_404(
    cast, receiver, django_capture_on_commit_callbacks
):
    endpoint, delivery = _endpoint_with_delivery(cast, receiver, django_capture_on_commit_callbacks)
    other = _endpoint(cast, receiver.url("/ok"), events=["conversation.status_changed"])
    client = signed_in(cast.owner)
    assert client.get(_page(other, f"deliveries/{delivery.pk}/")).status_code == 404
    assert client.post(_page(other, f"deliveries/{delivery.pk}/retry/")).status_code == 404


@pytest.mark.parametrize("role", ["agent", "operator", "viewer"])
def test_staff_without_the_developer_permission_get_403(
    cast, receiver, django_capture_on_commit_callbacks, role
):
    endpoint, delivery = _endpoint_with_delivery(cast, receiver, django_capture_on_commit_callbacks)
    client = signed_in(getattr(cast, role))
    assert client.get(LIST).status_code == 403
    for method, path in _every_page(endpoint, delivery):
        assert getattr(client, method)(path).status_code == 403, (method, path)
    assert "管理 Webhook" not in client.get("/accounts/settings/").content.decode()


# --- Languages --------------------------------------------------------------------------------


def test_the_pages_render_in_chinese(cast, receiver, django_capture_on_commit_callbacks):
    endpoint, delivery = _endpoint_with_delivery(cast, receiver, django_capture_on_commit_callbacks)
    client = signed_in(cast.owner)
    assert "管理 Webhook" in client.get("/accounts/settings/").content.decode()
    assert "添加 Webhook" in client.get(LIST).content.decode()
    page = client.get(_page(endpoint)).content.decode()
    assert "推送记录" in page and "失败" in page and "新消息" in page
    assert "每次尝试" in client.get(_page(endpoint, f"deliveries/{delivery.pk}/")).content.decode()
    assert "确认删除" in client.get(_page(endpoint, "delete/")).content.decode()


def test_every_webhook_page_is_english_when_english_is_chosen(
    receiver, settings, django_capture_on_commit_callbacks
):
    # Given an English-speaking shop with deliveries in every state a reader may meet
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    shop = make_workspace(slug="teahouse", name="Teahouse")
    alice = make_staff(workspace=shop, role=Role.OWNER, username="alice", display_name="Alice")
    english = Cast(shop, alice, alice, alice, alice, shop, alice)
    endpoint = _endpoint(english, receiver.url("/slow"), description="Order system")
    _endpoint(english, receiver.url("/gone"))
    _endpoint(english, receiver.url("/ok"))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(workspace_id=shop.pk, event="message.created", payload={"n": 1})
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    client = signed_in(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    # Then no Chinese is left on any page
    pages = [
        "/accounts/settings/",
        LIST,
        _page(endpoint),
        _page(endpoint, f"deliveries/{delivery.pk}/"),
        _page(endpoint, "delete/"),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert chinese_left(response.content.decode()) == [], path
    # Including the refusals and the one-time secret banner
    refused = client.post(LIST, {"url": "http://10.0.0.1/x", "events": []}).content.decode()
    assert chinese_left(refused) == [] and "private" in refused.lower()
    created = client.post(LIST, {"url": receiver.url("/ok"), "events": ["message.created"]})
    assert chinese_left(created.content.decode()) == []
    assert re.search(r"whsec_[\w-]+", created.content.decode())


def test_the_endpoint_page_costs_the_same_queries_for_one_delivery_or_fifty(
    cast, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    endpoint = _endpoint(cast, receiver.url("/flaky"))
    client = signed_in(cast.owner)

    def publish(times: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(times):
                webhooks.publish(
                    workspace_id=cast.shop.pk, event="message.created", payload={"n": n}
                )

    publish(1)
    client.get(_page(endpoint))  # warm the session and the language
    with CaptureQueriesContext(connection) as one:
        client.get(_page(endpoint))
    publish(59)
    with django_assert_max_num_queries(len(one)):
        body = client.get(_page(endpoint)).content.decode()
    assert body.count("data-delivery=") == 50
    # And the older ones are one link away
    older = re.search(r'href="(\?before=\d+)"', body).group(1)
    body = client.get(_page(endpoint) + older).content.decode()
    assert body.count("data-delivery=") == 10 and "更早的记录" not in body
