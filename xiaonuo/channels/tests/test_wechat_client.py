"""The outbound client against the stand-in for WeChat's API (fake_wechat.py): the access token
shared through the database, refreshed before expiry and when WeChat refuses it early, and
WeChat's error codes turned into clear, correctly retryable errors."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from xiaonuo.channels import outbound as channels_outbound
from xiaonuo.channels import services as channels_services
from xiaonuo.channels.models import WeChatAccount
from xiaonuo.channels.outbound import DeliveryFailed, OutboundMessage
from xiaonuo.channels.tests.conftest import WECHAT_APP_ID, WECHAT_APP_SECRET
from xiaonuo.channels.wechat import secretbox
from xiaonuo.channels.wechat.client import WeChatApiError, WeChatClient

pytestmark = pytest.mark.django_db

FAN = "oChayuFan0001"


def client(channel) -> WeChatClient:
    return WeChatClient(WeChatAccount.objects.get(channel=channel))


def test_a_text_goes_out_as_utf8_json_with_one_token_fetch(fake_wechat, wechat_channel):
    with client(wechat_channel) as api:
        api.send_text(openid=FAN, text="您好，订单已发货")
        api.send_text(openid=FAN, text="还有问题随时找我")

    assert fake_wechat.token_requests == 1
    assert [payload for _, payload in fake_wechat.sent] == [
        {"touser": FAN, "msgtype": "text", "text": {"content": "您好，订单已发货"}},
        {"touser": FAN, "msgtype": "text", "text": {"content": "还有问题随时找我"}},
    ]
    assert "您好".encode() in fake_wechat.raw_bodies[0]  # not \\u escapes


def test_image_and_news_messages(fake_wechat, wechat_channel):
    article = {
        "title": "会员权益",
        "description": "积分怎么用",
        "url": "https://c.example/m",
        "picurl": "",
    }
    with client(wechat_channel) as api:
        api.send_image(openid=FAN, media_id="MEDIA_1")
        api.send_news(openid=FAN, article=article)

    assert fake_wechat.sent[0][1]["image"] == {"media_id": "MEDIA_1"}
    assert fake_wechat.sent[1][1]["news"] == {"articles": [article]}


def test_the_token_is_shared_by_every_process_through_the_database(fake_wechat, wechat_channel):
    with client(wechat_channel) as first:
        first.send_text(openid=FAN, text="一")
    with client(wechat_channel) as second:  # a new object, as another process would have
        second.send_text(openid=FAN, text="二")

    assert fake_wechat.token_requests == 1
    account = WeChatAccount.objects.get(channel=wechat_channel)
    token = secretbox.unseal(account.access_token_encrypted)
    assert token and token not in account.access_token_encrypted  # stored encrypted


def test_a_token_close_to_expiry_is_refreshed_before_use(fake_wechat, wechat_channel):
    with client(wechat_channel) as api:
        api.send_text(openid=FAN, text="一")
    WeChatAccount.objects.filter(channel=wechat_channel).update(
        access_token_expires_at=timezone.now() + timedelta(minutes=4)
    )
    with client(wechat_channel) as api:
        api.send_text(openid=FAN, text="二")

    assert fake_wechat.token_requests == 2


@pytest.mark.parametrize("early_refusal", ["expire_tokens", "invalidate_tokens"])
def test_a_token_refused_early_is_fetched_again_once_and_the_call_retried(
    fake_wechat, wechat_channel, early_refusal
):
    with client(wechat_channel) as api:
        api.send_text(openid=FAN, text="一")
    getattr(fake_wechat, early_refusal)()  # 42001 expired / 40001 invalid, before our clock says

    with client(wechat_channel) as api:
        api.send_text(openid=FAN, text="二")

    assert fake_wechat.token_requests == 2
    assert [p["text"]["content"] for _, p in fake_wechat.sent] == ["一", "二"]


def test_a_token_refused_again_after_the_refresh_is_not_retried_forever(
    fake_wechat, wechat_channel
):
    fake_wechat.expires_in = -1  # every token WeChat hands out is already expired
    with client(wechat_channel) as api, pytest.raises(WeChatApiError) as refused:
        api.send_text(openid=FAN, text="一")

    assert refused.value.errcode == 42001
    assert fake_wechat.token_requests == 2


@pytest.mark.parametrize(
    ("steer", "errcode", "retry"),
    [
        (lambda fake: fake.outside_window.add(FAN), 45015, False),
        (lambda fake: fake.unfollowed.add(FAN), 43004, False),
        (lambda fake: setattr(fake, "message_limit", 0), 45047, False),
        (lambda fake: setattr(fake, "busy", 1), -1, True),
    ],
)
def test_wechats_refusals_are_clear_errors(fake_wechat, wechat_channel, steer, errcode, retry):
    steer(fake_wechat)
    with client(wechat_channel) as api, pytest.raises(WeChatApiError) as refused:
        api.send_text(openid=FAN, text="您好")

    assert refused.value.errcode == errcode
    assert refused.value.retry is retry
    assert refused.value.code == "delivery_failed"
    assert f"WeChat error {errcode}" in refused.value.message


def test_a_wrong_app_secret_is_a_final_error_and_never_printed(fake_wechat, cast, caplog):
    channel = channels_services.create_wechat_channel(
        workspace=cast.shop,
        name="旧密钥",
        token="tok123",
        encoding_aes_key="C" * 42 + "A",
        app_id=WECHAT_APP_ID,
        app_secret="f" * 32,
    )
    with client(channel) as api, pytest.raises(WeChatApiError) as refused:
        api.send_text(openid=FAN, text="您好")

    assert (refused.value.errcode, refused.value.retry) == (40125, False)
    assert "f" * 32 not in caplog.text and "f" * 32 not in str(refused.value.details)


def test_an_unknown_app_id_and_a_non_whitelisted_server(fake_wechat, cast):
    channel = channels_services.create_wechat_channel(
        workspace=cast.shop,
        name="未知",
        token="tok123",
        encoding_aes_key="C" * 42 + "A",
        app_id="wx9999999999999999",
        app_secret=WECHAT_APP_SECRET,
    )
    with client(channel) as api, pytest.raises(WeChatApiError) as refused:
        api.send_text(openid=FAN, text="x")
    assert refused.value.errcode == 40013

    fake_wechat.ip_whitelisted = False
    with client(channel) as api:
        api.account.app_id = WECHAT_APP_ID
        with pytest.raises(WeChatApiError) as refused:
            api.send_text(openid=FAN, text="x")
    assert (refused.value.errcode, refused.value.retry) == (40164, False)


def test_no_app_secret_means_nothing_can_be_sent(fake_wechat, cast):
    channel = channels_services.create_wechat_channel(
        workspace=cast.shop,
        name="无密钥",
        token="tok123",
        encoding_aes_key="C" * 42 + "A",
        app_id=WECHAT_APP_ID,
    )
    with client(channel) as api, pytest.raises(DeliveryFailed) as refused:
        api.send_text(openid=FAN, text="x")
    assert refused.value.retry is False
    assert fake_wechat.token_requests == 0


def test_an_unreachable_api_is_a_retryable_failure(settings, wechat_channel):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    with client(wechat_channel) as api, pytest.raises(DeliveryFailed) as refused:
        api.send_text(openid=FAN, text="x")
    assert refused.value.retry is True


def test_a_new_app_secret_drops_the_cached_token(fake_wechat, cast, wechat_channel):
    with client(wechat_channel) as api:
        api.send_text(openid=FAN, text="一")
    new_secret = "a" * 32
    fake_wechat.add_account(WECHAT_APP_ID, new_secret)
    channels_services.set_wechat_app_secret(
        workspace=cast.shop, channel_id=wechat_channel.pk, app_secret=new_secret
    )
    with client(wechat_channel) as api:
        api.send_text(openid=FAN, text="二")
    assert fake_wechat.token_requests == 2


def test_the_pusher_is_registered_and_addresses_the_openid(fake_wechat, wechat_channel):
    sent_id = channels_outbound.push(
        channel=wechat_channel,
        message=OutboundMessage(
            message_id=1, conversation_id=1, text="客服回复", recipient={"openid": FAN}
        ),
    )
    assert sent_id == ""
    assert fake_wechat.sent[-1][1] == {
        "touser": FAN,
        "msgtype": "text",
        "text": {"content": "客服回复"},
    }

    with pytest.raises(DeliveryFailed) as refused:
        channels_outbound.push(
            channel=wechat_channel,
            message=OutboundMessage(message_id=2, conversation_id=1, text="x", recipient={}),
        )
    assert refused.value.retry is False


def test_the_stand_in_answers_errors_as_wechat_does(fake_wechat):
    import httpx

    token = httpx.get(
        f"{fake_wechat.base_url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": WECHAT_APP_ID, "secret": "wrong"},
    ).json()
    assert token["errcode"] == 40125
    missing = httpx.post(f"{fake_wechat.base_url}/cgi-bin/message/custom/send", content=b"{}")
    assert missing.json()["errcode"] == 41001
    assert json.loads(missing.content)["errmsg"].startswith("access_token missing")
