"""Sending webhooks over real HTTP to a local receiver: signature, retries, give-up, timeouts,
idempotent delivery ids, and nothing sent for a transaction that rolled back."""

import hashlib
import hmac
import json
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from xiaonuo.accounts import webhooks
from xiaonuo.accounts.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookError,
)
from xiaonuo.accounts.services import Actor
from xiaonuo.accounts.tests.processes import wait_for
from xiaonuo.accounts.tests.webhook_receiver import Receiver, closed_port_url

pytestmark = pytest.mark.django_db
MESSAGE = {"conversation_id": 7, "message": {"id": 41, "text": "你好，<b>请问</b>发货了吗？"}}


def _endpoint(cast, url: str, events: tuple[str, ...] = ("message.created",)):
    return webhooks.create_endpoint(
        workspace=cast.shop, url=url, events=list(events), description="", actor=Actor(cast.owner)
    )


def _publish(capture, cast, payload=MESSAGE, event: str = "message.created") -> None:
    with capture(execute=True):
        webhooks.publish(workspace_id=cast.shop.pk, event=event, payload=payload)


def _delivery(endpoint: WebhookEndpoint) -> WebhookDelivery:
    return WebhookDelivery.objects.get(endpoint=endpoint)


def _advance_to_next_attempt(delivery: WebhookDelivery) -> None:
    """The minute sweep, run at the moment the delivery's next attempt is due."""
    assert delivery.next_attempt_at is not None
    webhooks.enqueue_due_deliveries(now=delivery.next_attempt_at)


def test_a_subscribed_endpoint_receives_the_event_signed_with_its_secret(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given an endpoint subscribed to new messages
    endpoint, secret = _endpoint(cast, receiver.url("/ok"))

    # When the desk publishes a new message and its transaction commits
    _publish(django_capture_on_commit_callbacks, cast)

    # Then the receiver got one JSON request whose signature verifies with the secret
    (request,) = receiver.to("/ok")
    headers = request.headers
    expected = hmac.new(
        secret.encode(), headers["x-xiaonuo-timestamp"].encode() + b"." + request.body, "sha256"
    ).hexdigest()
    assert headers["x-xiaonuo-signature"] == f"sha256={expected}"
    assert abs(int(headers["x-xiaonuo-timestamp"]) - time.time()) < 5
    assert headers["x-xiaonuo-event"] == "message.created"
    assert headers["content-type"] == "application/json"
    body = json.loads(request.body)
    delivery = _delivery(endpoint)
    assert body["id"] == headers["x-xiaonuo-delivery"] == str(delivery.uuid)
    assert body["event"] == "message.created"
    assert body["workspace_id"] == cast.shop.pk
    assert body["data"] == MESSAGE
    # And the delivery is recorded as succeeded, with its one attempt
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_response_excerpt) == (
        1,
        200,
        "ok",
    )
    assert delivery.completed_at is not None and delivery.next_attempt_at is None
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.status_code) == (1, 200)


def test_a_tampered_body_does_not_verify(cast, receiver, django_capture_on_commit_callbacks):
    _endpoint_, secret = _endpoint(cast, receiver.url("/ok"))
    _publish(django_capture_on_commit_callbacks, cast)
    (request,) = receiver.requests
    tampered = request.body.replace(b'"id":41', b'"id":42')
    assert tampered != request.body
    signature = hmac.new(
        secret.encode(),
        request.headers["x-xiaonuo-timestamp"].encode() + b"." + tampered,
        hashlib.sha256,
    ).hexdigest()
    assert request.headers["x-xiaonuo-signature"] != f"sha256={signature}"


def test_only_enabled_endpoints_subscribed_to_the_event_of_the_same_workspace_receive_it(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given endpoints: subscribed, subscribed to another event, disabled, and another workspace's
    _endpoint(cast, receiver.url("/ok"))
    _endpoint(cast, receiver.url("/bad"), events=("conversation.status_changed",))
    disabled, _ = _endpoint(cast, receiver.url("/gone"))
    webhooks.set_endpoint_enabled(workspace=cast.shop, endpoint_id=disabled.pk, enabled=False)
    webhooks.create_endpoint(
        workspace=cast.other_shop,
        url=receiver.url("/busy"),
        events=["message.created"],
        description="",
        actor=Actor(cast.other_owner),
    )

    # When a message is published in 茶语
    _publish(django_capture_on_commit_callbacks, cast)

    # Then only the first endpoint was called
    assert [request.path for request in receiver.requests] == ["/ok"]
    assert WebhookDelivery.objects.count() == 1


def test_publishing_when_nobody_subscribes_costs_one_query(
    cast, receiver, django_assert_num_queries
):
    _endpoint(cast, receiver.url("/ok"), events=("conversation.status_changed",))
    with django_assert_num_queries(1):
        webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload=MESSAGE)
    assert WebhookDelivery.objects.count() == 0


def test_publishing_an_unknown_event_is_a_programming_error(cast):
    with pytest.raises(ValueError, match="Unknown webhook event"):
        webhooks.publish(workspace_id=cast.shop.pk, event="message.craeted", payload={})


def test_a_500_is_retried_after_the_back_off_and_the_retry_carries_the_same_delivery_id(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given a receiver that fails once, then recovers
    endpoint, _ = _endpoint(cast, receiver.url("/flaky"))

    # When a message is published
    _publish(django_capture_on_commit_callbacks, cast)

    # Then the first attempt is recorded as failed and a retry is due in about 90 s (±20 %)
    delivery = _delivery(endpoint)
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code, delivery.last_response_excerpt) == (
        1,
        500,
        "boom",
    )
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=72) <= wait <= timedelta(seconds=108.5)

    # And nothing is re-sent before it is due
    assert webhooks.enqueue_due_deliveries() == 0
    assert len(receiver.requests) == 1

    # When the sweep runs once the retry is due
    _advance_to_next_attempt(delivery)

    # Then the second attempt succeeds, with the same delivery id and body
    first, second = receiver.to("/flaky")
    assert first.headers["x-xiaonuo-delivery"] == second.headers["x-xiaonuo-delivery"]
    assert first.body == second.body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 200)
    assert list(WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code")) == [
        (500,),
        (200,),
    ]


def test_a_receiver_that_stays_down_is_tried_eleven_times_over_about_a_day_then_given_up(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given a receiver that answers 503 every time
    endpoint, _ = _endpoint(cast, receiver.url("/down"))
    _publish(django_capture_on_commit_callbacks, cast)
    delivery = _delivery(endpoint)
    waits = []

    # When every retry is made as soon as it is due
    while delivery.status == WebhookDeliveryStatus.PENDING:
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        _advance_to_next_attempt(delivery)
        delivery.refresh_from_db()

    # Then it gave up after MAX_ATTEMPTS, every request carrying the same delivery id
    assert webhooks.MAX_ATTEMPTS == 11
    assert delivery.status == WebhookDeliveryStatus.GAVE_UP
    assert delivery.attempts == 11 and delivery.next_attempt_at is None
    assert len(receiver.to("/down")) == 11
    assert {r.headers["x-xiaonuo-delivery"] for r in receiver.requests} == {str(delivery.uuid)}
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 11
    # And the waits doubled from 90 s, each within the ±20 % jitter: about a day in all
    for attempt, wait in enumerate(waits, start=1):
        nominal = 90 * 2 ** (attempt - 1)
        assert nominal * 0.8 - 1 <= wait.total_seconds() <= nominal * 1.2 + 1, attempt
    assert timedelta(hours=20) < sum(waits, timedelta()) < timedelta(hours=31)


def test_the_back_off_doubles_with_jitter():
    for attempt in range(1, webhooks.MAX_ATTEMPTS):
        nominal = webhooks.RETRY_BASE * 2 ** (attempt - 1)
        delays = {webhooks.retry_delay(attempt) for _ in range(50)}
        assert all(nominal * 0.8 <= delay <= nominal * 1.2 for delay in delays)
        assert len(delays) > 1  # jittered, not a fixed step


@pytest.mark.parametrize("path,status", [("/gone", 410), ("/bad", 400)])
def test_a_4xx_other_than_429_is_not_retried(
    cast, receiver, django_capture_on_commit_callbacks, path, status
):
    endpoint, _ = _endpoint(cast, receiver.url(path))
    _publish(django_capture_on_commit_callbacks, cast)
    delivery = _delivery(endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "failed",
        1,
        status,
    )
    assert delivery.next_attempt_at is None
    assert webhooks.enqueue_due_deliveries(now=timezone.now() + timedelta(days=2)) == 0
    assert len(receiver.requests) == 1


def test_a_429_is_retried(cast, receiver, django_capture_on_commit_callbacks):
    endpoint, _ = _endpoint(cast, receiver.url("/busy"))
    _publish(django_capture_on_commit_callbacks, cast)
    delivery = _delivery(endpoint)
    assert (delivery.status, delivery.last_status_code) == ("pending", 429)
    assert delivery.next_attempt_at is not None


def test_a_receiver_slower_than_the_timeout_is_cut_off_and_retried_later(
    cast, receiver, settings, django_capture_on_commit_callbacks
):
    # Given a receiver that answers after 3 s and a sender that waits 0.5 s
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    endpoint, _ = _endpoint(cast, receiver.url("/slow"))

    # When a message is published
    started = time.monotonic()
    _publish(django_capture_on_commit_callbacks, cast)
    took = time.monotonic() - started

    # Then the attempt ended at the timeout, recorded as such, with a retry scheduled
    assert took < 2.0
    delivery = _delivery(endpoint)
    assert (delivery.status, delivery.last_error, delivery.last_status_code) == (
        "pending",
        WebhookError.TIMEOUT,
        None,
    )
    assert 400 <= delivery.last_duration_ms < 2000
    assert delivery.next_attempt_at is not None


def test_a_refused_connection_is_recorded_and_retried(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    endpoint, _ = _endpoint(cast, closed_port_url())
    _publish(django_capture_on_commit_callbacks, cast)
    delivery = _delivery(endpoint)
    assert (delivery.status, delivery.last_error) == ("pending", WebhookError.CONNECT)
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.error == WebhookError.CONNECT and attempt.error_detail


def test_an_attempt_is_made_once_even_if_its_task_runs_twice(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given a delivery whose first attempt was made
    endpoint, _ = _endpoint(cast, receiver.url("/ok"))
    _publish(django_capture_on_commit_callbacks, cast)
    delivery = _delivery(endpoint)

    # When the queue delivers the same task again (brokers may deliver twice)
    result = webhooks.attempt_delivery(delivery_id=delivery.pk, attempt=1)

    # Then nothing is sent again
    assert result == "skipped"
    assert len(receiver.requests) == 1


def test_pending_retries_of_a_disabled_endpoint_fail_without_a_request(
    cast, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = _endpoint(cast, receiver.url("/flaky"))
    _publish(django_capture_on_commit_callbacks, cast)
    webhooks.set_endpoint_enabled(workspace=cast.shop, endpoint_id=endpoint.pk, enabled=False)
    _advance_to_next_attempt(_delivery(endpoint))
    delivery = _delivery(endpoint)
    assert (delivery.status, delivery.last_error) == ("failed", WebhookError.DISABLED)
    assert len(receiver.requests) == 1


def test_an_address_that_became_private_is_refused_at_send_time(
    cast, receiver, settings, django_capture_on_commit_callbacks
):
    # Given an endpoint saved while private targets were allowed, then the setting is turned off
    endpoint, _ = _endpoint(cast, receiver.url("/ok"))
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    # When a message is published
    _publish(django_capture_on_commit_callbacks, cast)

    # Then no request left, and the delivery failed for good
    delivery = _delivery(endpoint)
    assert (delivery.status, delivery.last_error) == ("failed", WebhookError.BLOCKED)
    assert receiver.requests == []


def test_publishing_inside_a_rolled_back_transaction_sends_nothing(
    cast, receiver, django_capture_on_commit_callbacks
):
    _endpoint(cast, receiver.url("/ok"))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload=MESSAGE)
        raise RuntimeError("the desk's write failed")
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_a_too_large_payload_is_refused_before_anything_is_stored(cast, receiver):
    _endpoint(cast, receiver.url("/ok"))
    with pytest.raises(ValueError, match="over"):
        webhooks.publish(
            workspace_id=cast.shop.pk,
            event="message.created",
            payload={"text": "长" * (webhooks.MAX_PAYLOAD_BYTES // 3 + 1)},
        )
    assert WebhookDelivery.objects.count() == 0


def test_the_sweep_rescues_a_first_attempt_lost_with_its_worker(cast, receiver):
    # Given a delivery whose on-commit enqueue never ran (the process died right after commit)
    endpoint, _ = _endpoint(cast, receiver.url("/ok"))
    webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload=MESSAGE)
    assert receiver.requests == []

    # When the minute sweep runs
    assert webhooks.enqueue_due_deliveries() == 1

    # Then it is delivered
    assert _delivery(endpoint).status == WebhookDeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1


def test_old_finished_deliveries_are_purged_and_pending_ones_kept(
    cast, receiver, django_capture_on_commit_callbacks
):
    ok, _ = _endpoint(cast, receiver.url("/ok"))
    down, _ = _endpoint(cast, receiver.url("/down"))
    _publish(django_capture_on_commit_callbacks, cast)
    _publish(django_capture_on_commit_callbacks, cast)
    later = timezone.now() + webhooks.DELIVERIES_KEPT_FOR + timedelta(minutes=1)

    assert webhooks.purge_old_deliveries(now=later) == 2
    assert set(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == {down.pk}
    assert not WebhookAttempt.objects.filter(delivery__endpoint=ok).exists()
    assert webhooks.purge_old_deliveries(now=later) == 0


@pytest.mark.django_db(transaction=True)
def test_a_hanging_receiver_holds_up_neither_the_publisher_nor_other_deliveries(
    cast, receiver, settings, monkeypatch
):
    # Given two endpoints, one that hangs for 5 s (the sender waits 2 s) and one that answers,
    # and a real Huey consumer with two worker threads over an in-memory queue
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2.0
    receiver.slow_seconds = 5.0
    slow, _ = _endpoint(cast, receiver.url("/slow"))
    fast, _ = _endpoint(cast, receiver.url("/ok"))
    monkeypatch.setattr(HUEY, "storage", MemoryStorage(name="webhooks-hanging-test"))
    monkeypatch.setattr(HUEY, "_immediate", False)
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    # Worker threads keep their database connections; PostgreSQL cannot drop the test database
    # while they are open.
    HUEY.on_shutdown(name="close_webhook_test_connections")(connections.close_all)
    consumer = HUEY.create_consumer(
        workers=2, worker_type="thread", periodic=False, initial_delay=0.02, max_delay=0.05
    )
    consumer.start()
    try:
        # When a message is published and the publisher's transaction commits
        started = time.monotonic()
        with transaction.atomic():
            webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload=MESSAGE)
        publisher_waited = time.monotonic() - started

        # Then the publisher did not wait for any receiver
        assert publisher_waited < 0.5
        # And the answering endpoint got its event while the other still hangs
        wait_for(
            lambda: _delivery(fast).status == WebhookDeliveryStatus.SUCCEEDED,
            timeout=10,
            what="the fast delivery",
        )
        assert time.monotonic() - started < 1.8
        assert _delivery(slow).completed_at is None and _delivery(slow).last_error == ""
        # And the hanging one was cut off at the timeout, to be retried later
        wait_for(
            lambda: _delivery(slow).last_error == WebhookError.TIMEOUT,
            timeout=10,
            what="the slow delivery's timeout",
        )
        assert _delivery(slow).status == WebhookDeliveryStatus.PENDING
        assert 1900 <= _delivery(slow).last_duration_ms < 4000
    finally:
        consumer.stop(graceful=True)
        HUEY.unregister_on_shutdown(name="close_webhook_test_connections")
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _self_signed(tmp_path, name: str) -> tuple[str, str]:
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.mark.parametrize("certificate_for,delivered", [("localhost", True), ("evil.test", False)])
def test_https_goes_to_the_checked_address_and_still_verifies_the_certificate_for_the_name(
    cast,
    settings,
    tmp_path,
    monkeypatch,
    django_capture_on_commit_callbacks,
    certificate_for,
    delivered,
):
    # Given an HTTPS receiver on 127.0.0.1 whose certificate (trusted here) names `certificate_for`,
    # and an endpoint addressed by the host name "localhost"
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    cert, key = _self_signed(tmp_path, certificate_for)
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    server = Receiver(tls=(cert, key))
    try:
        endpoint, _ = _endpoint(cast, server.url("/ok", host="localhost"))

        # When a message is published
        _publish(django_capture_on_commit_callbacks, cast)

        # Then the request reached the address checked for "localhost" only if the certificate
        # matches the name: TLS is verified against the host name, not the pinned address
        delivery = _delivery(endpoint)
        if delivered:
            assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
            (request,) = server.requests
            assert request.headers["host"] == f"localhost:{server.port}"
        else:
            assert (delivery.status, delivery.last_error) == ("pending", WebhookError.CONNECT)
            assert (
                "certificate" in WebhookAttempt.objects.get(delivery=delivery).error_detail.lower()
            )
            assert server.requests == []
    finally:
        server.close()


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_deleted_while_its_request_is_out_is_not_resurrected(cast, receiver, settings):
    # Given a delivery whose attempt is claimed and sent to a slow receiver
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2.0
    receiver.slow_seconds = 0.6
    endpoint, _ = _endpoint(cast, receiver.url("/slow"))
    webhooks.publish(workspace_id=cast.shop.pk, event="message.created", payload=MESSAGE)
    delivery = _delivery(endpoint)

    def delete_meanwhile() -> None:
        try:
            webhooks.delete_endpoint(
                workspace=cast.shop, endpoint_id=endpoint.pk, actor=Actor(cast.owner)
            )
        finally:
            connections.close_all()

    # When someone deletes the endpoint while the request is out
    deleting = threading.Timer(0.2, delete_meanwhile)
    deleting.start()
    result = webhooks.attempt_delivery(delivery_id=delivery.pk, attempt=1)
    deleting.join()

    # Then the request was made, but its outcome is dropped rather than written for a delivery
    # that no longer exists
    assert len(receiver.to("/slow")) == 1
    assert result == "skipped"
    assert not WebhookAttempt.objects.exists() and not WebhookDelivery.objects.exists()
