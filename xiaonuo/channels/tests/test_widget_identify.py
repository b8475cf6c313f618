"""The site identifies a visitor: user_id signed with the channel's secret (HMAC-SHA256)."""

import hashlib
import hmac

import pytest

from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import WidgetVisitor
from xiaonuo.channels.tests.conftest import Visitor
from xiaonuo.customers.models import Customer, Identity
from xiaonuo.desk.models import Conversation
from xiaonuo.testing import make_customer

pytestmark = pytest.mark.django_db


def signed(secret: str, user_id: str) -> str:
    # Exactly what the company's server runs (docs/widget.md, Python example).
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def test_a_signed_in_member_is_linked_to_the_shops_customer(cast, widget):
    # Given a member the shop already knows by its own user id
    member = make_customer(workspace=cast.shop, name="陈静", identities={"external_id": "M100"})

    # When the page identifies the visitor with a correct signature and they write
    visitor = Visitor(widget)
    session = visitor.start(user_id="M100", user_hash=signed(widget.secret, "M100"))
    assert session.status_code == 200 and session.json()["identified"] is True
    visitor.write("我的会员积分怎么没到账？")

    # Then the conversation is the member's, and the browser's anonymous id is now theirs too
    conversation = Conversation.objects.get(workspace=cast.shop)
    assert conversation.customer_id == member.pk
    anonymous = WidgetVisitor.objects.get().anonymous_id
    assert Identity.objects.get(kind="anonymous_id", value=anonymous).customer_id == member.pk


def test_an_anonymous_visitor_who_signs_in_later_is_merged_into_the_member(cast, widget):
    member = make_customer(workspace=cast.shop, name="陈静", identities={"external_id": "M100"})
    visitor = Visitor(widget)
    first = visitor.write("随便问问").json()["message"]
    anonymous_customer = WidgetVisitor.objects.get().customer_id
    assert anonymous_customer != member.pk

    # A single-page app signs the visitor in after the page loaded
    identified = visitor.post(
        "identify/", {"user_id": "M100", "user_hash": signed(widget.secret, "M100")}
    )
    assert identified.status_code == 200
    assert identified.json()["token"] == visitor.token  # the same browser, the same thread
    assert [m["id"] for m in identified.json()["messages"]] == [first["id"]]
    visitor.write("我登录了")

    # One person now: the link merged the two customers, the thread continued
    person = Customer.objects.get(workspace=cast.shop)  # the merged one is gone
    assert set(Identity.objects.filter(customer=person).values_list("kind", flat=True)) == {
        "external_id",
        "anonymous_id",
    }
    assert Conversation.objects.filter(workspace=cast.shop).count() == 1


def test_a_member_on_a_second_device_sees_the_thread_from_the_first(cast, widget):
    laptop = Visitor(widget)
    laptop.start(user_id="M7", user_hash=signed(widget.secret, "M7"))
    laptop.write("电脑上问的")

    phone = Visitor(widget)
    session = phone.start(user_id="M7", user_hash=signed(widget.secret, "M7")).json()

    assert [m["text"] for m in session["messages"]] == ["电脑上问的"]
    phone.write("手机上接着问")
    assert Conversation.objects.filter(workspace=cast.shop).count() == 1


def test_another_user_signing_in_on_the_same_browser_does_not_see_the_first_users_thread(widget):
    shared = Visitor(widget)
    shared.start(user_id="M1", user_hash=signed(widget.secret, "M1"))
    shared.write("我是 M1，我的地址是…")
    m1_token = shared.token

    session = shared.start(user_id="M2", user_hash=signed(widget.secret, "M2")).json()

    assert session["token"] != m1_token
    assert session["messages"] == []
    assert WidgetVisitor.objects.get(external_id="M2").conversation_id is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"user_id": "M100"}, 401, "identity_unsigned"),
        ({"user_id": "M100", "user_hash": ""}, 401, "identity_unsigned"),
        ({"user_id": "M100", "user_hash": "0" * 64}, 403, "identity_signature_invalid"),
        ({"user_id": "M101", "user_hash": "SIGNED-M100"}, 403, "identity_signature_invalid"),
        ({"user_id": "", "user_hash": "x"}, 422, "user_id_invalid"),
        ({"user_id": 100, "user_hash": "x"}, 422, "user_id_invalid"),
        ({"user_id": "u" * 201, "user_hash": "x"}, 422, "user_id_invalid"),
    ],
)
def test_unsigned_or_badly_signed_ids_are_refused(cast, widget, body, status, code):
    member = make_customer(workspace=cast.shop, name="陈静", identities={"external_id": "M100"})
    if body.get("user_hash") == "SIGNED-M100":
        body = {**body, "user_hash": signed(widget.secret, "M100")}
    visitor = Visitor(widget)

    at_start = visitor.post("session/", body)
    visitor.start()
    later = visitor.post("identify/", body)

    for response in (at_start, later):
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert not WidgetVisitor.objects.exists()
    visitor.write("我是谁？")
    assert Conversation.objects.get().customer_id != member.pk


def test_a_hash_made_with_a_rotated_secret_no_longer_verifies(cast, widget):
    old = signed(widget.secret, "M100")
    new_secret = channels_services.rotate_widget_secret(
        workspace=cast.shop, channel_id=widget.channel.pk
    )

    refused = Visitor(widget).start(user_id="M100", user_hash=old)
    accepted = Visitor(widget).start(user_id="M100", user_hash=signed(new_secret, "M100"))

    assert (refused.status_code, refused.json()["code"]) == (403, "identity_signature_invalid")
    assert accepted.status_code == 200


def test_a_widget_without_a_secret_says_identification_is_not_set_up(cast, widget):
    type(widget.channel).objects.filter(pk=widget.channel.pk).update(secret="")

    response = Visitor(widget).start(user_id="M100", user_hash="abc")

    assert (response.status_code, response.json()["code"]) == (409, "identity_not_configured")


def test_identify_needs_a_visitor_token(widget):
    response = Visitor(widget).post("identify/", {"user_id": "M1", "user_hash": "x"})

    assert (response.status_code, response.json()["code"]) == (401, "visitor_token_missing")


def test_one_widgets_secret_does_not_verify_on_another(cast, widget):
    other, _ = channels_services.create_widget_channel(workspace=cast.shop, name="商城 H5")

    response = Visitor(type(widget)(other, "")).start(
        user_id="M1", user_hash=signed(widget.secret, "M1")
    )

    assert (response.status_code, response.json()["code"]) == (403, "identity_signature_invalid")
