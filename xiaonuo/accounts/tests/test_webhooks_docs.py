"""The receiver's guide in docs/decisions/0009-webhooks.md works: its Python example verifies a
real delivery and refuses a forged or replayed one."""

import re

import pytest

from xiaonuo.accounts import webhooks
from xiaonuo.accounts.services import Actor
from xiaonuo.accounts.tests.processes import REPO

pytestmark = pytest.mark.django_db
DOC = REPO / "docs" / "decisions" / "0009-webhooks.md"


def _verify_function_from_the_doc():
    text = DOC.read_text(encoding="utf-8")
    (example,) = [
        block
        for block in re.findall(r"```python\n(.*?)```", text, flags=re.S)
        if "def verify" in block
    ]
    namespace: dict = {}
    exec(compile(example, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


def test_the_documented_verify_function_accepts_a_real_delivery_and_refuses_forgeries(
    cast, receiver, django_capture_on_commit_callbacks
):
    # Given a real delivery received over HTTP
    _endpoint, secret = webhooks.create_endpoint(
        workspace=cast.shop,
        url=receiver.url("/ok"),
        events=["message.created"],
        description="",
        actor=Actor(cast.owner),
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.publish(
            workspace_id=cast.shop.pk, event="message.created", payload={"text": "您好"}
        )
    (request,) = receiver.requests
    # Header names as a receiver's framework presents them (the doc indexes them this way)
    headers = {
        "X-Xiaonuo-Timestamp": request.headers["x-xiaonuo-timestamp"],
        "X-Xiaonuo-Signature": request.headers["x-xiaonuo-signature"],
    }
    verify = _verify_function_from_the_doc()

    # Then the doc's function accepts it
    assert verify(secret, headers, request.body) is True
    # And refuses another secret, a changed body, and a replay outside the tolerance
    assert verify("whsec_wrong", headers, request.body) is False
    assert verify(secret, headers, request.body.replace("您好".encode(), b"hi")) is False
    assert verify(secret, headers, request.body, tolerance=-1) is False
