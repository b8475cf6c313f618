"""WeChat's side of the callback, for tests: builds messages as WeChat's servers do and posts them
to Xiaonuo's callback URL, signing and encrypting with the independent ``wechatpy`` library, and
reads Xiaonuo's answers back with it (decrypting and checking the reply's signature)."""

import secrets
import time
from typing import Any
from urllib.parse import urlencode

import xmltodict
from django.test import Client
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner, check_signature

from xiaonuo.channels.models import Channel
from xiaonuo.channels.tests.conftest import (
    WECHAT_AES_KEY,
    WECHAT_APP_ID,
    WECHAT_ORIGINAL_ID,
    WECHAT_TOKEN,
)


def _sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class WeChatServer:
    """Sends to one channel's callback as WeChat would. ``mode``: "plain", "compatible", "safe"."""

    def __init__(
        self,
        channel: Channel,
        *,
        token: str = WECHAT_TOKEN,
        aes_key: str = WECHAT_AES_KEY,
        app_id: str = WECHAT_APP_ID,
    ) -> None:
        self.channel = channel
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)
        self.client = Client(REMOTE_ADDR="101.226.103.0")  # one of WeChat's callback addresses
        self._msg_id = int(time.time()) * 1000

    @property
    def url(self) -> str:
        return f"/channels/wechat/{self.channel.public_id}/"

    def query(self, *, timestamp: int | None = None, **extra: str) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(5)
        return {
            "signature": _sign(self.token, ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            **extra,
        }

    def verify_url(self, **overrides: Any) -> Any:
        query = {**self.query(), "echostr": "8127604397351962785", **overrides}
        return self.client.get(self.url, query)

    # --- Messages ----------------------------------------------------------------------------

    def next_msg_id(self) -> str:
        self._msg_id += 1
        return str(self._msg_id)

    def text_xml(self, content: str, *, openid: str = "oChayuFan0001", msg_id: str = "") -> str:
        return (
            f"<xml><ToUserName><![CDATA[{WECHAT_ORIGINAL_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or self.next_msg_id()}</MsgId></xml>"
        )

    def event_xml(
        self, event: str, *, openid: str = "oChayuFan0001", key: str = "", created: int = 0
    ) -> str:
        return (
            f"<xml><ToUserName><![CDATA[{WECHAT_ORIGINAL_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
            + (f"<EventKey><![CDATA[{key}]]></EventKey>" if key else "")
            + "</xml>"
        )

    def image_xml(self, *, openid: str = "oChayuFan0001", msg_id: str = "") -> str:
        return (
            f"<xml><ToUserName><![CDATA[{WECHAT_ORIGINAL_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            "<PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz_jpg/abc/0]]></PicUrl>"
            f"<MediaId><![CDATA[media_abc]]></MediaId><MsgId>{msg_id or self.next_msg_id()}</MsgId></xml>"
        )

    def post(
        self, xml: str | bytes, *, mode: str = "plain", query: dict[str, str] | None = None
    ) -> Any:
        """POST ``xml`` as WeChat does in ``mode``; the response gets ``.reply`` (the decrypted
        passive reply's fields, or None for ``success``)."""
        query = dict(query or self.query())
        body: str | bytes = xml
        if mode in ("compatible", "safe"):
            query["encrypt_type"] = "aes"
            envelope = xmltodict.parse(
                self.crypto.encrypt_message(
                    xml if isinstance(xml, str) else xml.decode(),
                    query["nonce"],
                    query["timestamp"],
                )
            )["xml"]
            query["msg_signature"] = envelope["MsgSignature"]
            if mode == "safe":
                body = (
                    f"<xml><ToUserName><![CDATA[{WECHAT_ORIGINAL_ID}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
                )
            else:  # compatible: the plaintext fields and the encrypted copy side by side
                text = xml if isinstance(xml, str) else xml.decode()
                body = text.replace(
                    "</xml>", f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
                )
        response = self.client.post(f"{self.url}?{urlencode(query)}", body, content_type="text/xml")
        response.reply = self.read_reply(response, encrypted=mode != "plain")
        return response

    def read_reply(self, response: Any, *, encrypted: bool) -> dict[str, Any] | None:
        if response.status_code != 200:
            return None
        content = response.content.decode()
        if content == "success":
            return None
        if encrypted:
            envelope = xmltodict.parse(content)["xml"]
            # What WeChat checks before it decrypts: the reply's own signature.
            check = self.crypto.decrypt_message(
                content, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
            )
            content = check
        return xmltodict.parse(content)["xml"]


def signature_ok(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    try:
        check_signature(token, signature, timestamp, nonce)
    except Exception:
        return False
    return True
