"""The callback's XML: parsed safely, and passive replies rendered (WeChat's "被动回复用户消息").

Everything WeChat posts is a flat ``<xml>`` element whose children are the fields (ToUserName,
FromUserName, CreateTime, MsgType, then the type's own). The body comes from the internet, so it
is parsed by defusedxml with DTDs forbidden: no entity expansion ("billion laughs"), no external
entities, no network or file access. It is refused before parsing when larger than any real
message (``MAX_BODY_BYTES``).
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# A text message holds at most 2,048 bytes of content; the encrypted envelope is a third larger.
# 64 KiB leaves room for every documented message type and refuses anything else unread.
MAX_BODY_BYTES = 64 * 1024
# Fields are short (ids, 2 kB of text, a URL); a field longer than this is not WeChat's.
MAX_FIELD_CHARS = 8 * 1024


class XmlInvalid(Exception):
    """Not a WeChat message: not well-formed, forbidden constructs, wrong shape."""


@dataclass(frozen=True)
class WeChatMessage:
    fields: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def to_user(self) -> str:  # the Official Account's original id (gh_…)
        return self.get("ToUserName")

    @property
    def from_user(self) -> str:  # the follower's openid
        return self.get("FromUserName")

    @property
    def msg_type(self) -> str:
        return self.get("MsgType").lower()

    @property
    def event(self) -> str:
        return self.get("Event").lower()

    @property
    def msg_id(self) -> str:
        return self.get("MsgId")

    @property
    def create_time(self) -> str:
        return self.get("CreateTime")

    def dedup_key(self) -> str:
        """WeChat's own rule: messages by MsgId, events by sender and creation time."""
        if self.msg_id:
            return f"m:{self.msg_id}"
        return f"e:{self.from_user}:{self.create_time}"


def parse(body: bytes | str) -> dict[str, str]:
    """The top-level fields of a callback body; ``XmlInvalid`` for anything else."""
    if len(body) > MAX_BODY_BYTES:
        raise XmlInvalid("too large")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise XmlInvalid(type(exc).__name__) from None
    if root.tag != "xml":
        raise XmlInvalid("root is not <xml>")
    fields: dict[str, str] = {}
    for child in root:
        text = (child.text or "").strip() if len(child) == 0 else ""
        if len(text) > MAX_FIELD_CHARS:
            raise XmlInvalid(f"field {child.tag} too long")
        fields.setdefault(str(child.tag), text)
    return fields


def parse_message(body: bytes | str) -> WeChatMessage:
    fields = parse(body)
    for required in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        if not fields.get(required):
            raise XmlInvalid(f"no {required}")
    if not fields["CreateTime"].isdigit():
        raise XmlInvalid("CreateTime is not a number")
    return WeChatMessage(fields)


# --- Passive replies -----------------------------------------------------------------------


def cdata(text: str) -> str:
    # "]]>" cannot appear inside a CDATA section: end it there and open another.
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _reply(*, to_user: str, from_user: str, msg_type: str, body: str, now: int | None) -> str:
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(time.time()) if now is None else now}</CreateTime>"
        f"<MsgType>{cdata(msg_type)}</MsgType>{body}</xml>"
    )


def text_reply(*, to_user: str, from_user: str, content: str, now: int | None = None) -> str:
    return _reply(
        to_user=to_user,
        from_user=from_user,
        msg_type="text",
        body=f"<Content>{cdata(content)}</Content>",
        now=now,
    )


def image_reply(*, to_user: str, from_user: str, media_id: str, now: int | None = None) -> str:
    return _reply(
        to_user=to_user,
        from_user=from_user,
        msg_type="image",
        body=f"<Image><MediaId>{cdata(media_id)}</MediaId></Image>",
        now=now,
    )


def news_reply(
    *, to_user: str, from_user: str, article: Mapping[str, str], now: int | None = None
) -> str:
    item = (
        f"<item><Title>{cdata(article.get('title', ''))}</Title>"
        f"<Description>{cdata(article.get('description', ''))}</Description>"
        f"<PicUrl>{cdata(article.get('picurl', ''))}</PicUrl>"
        f"<Url>{cdata(article.get('url', ''))}</Url></item>"
    )
    return _reply(
        to_user=to_user,
        from_user=from_user,
        msg_type="news",
        body=f"<ArticleCount>1</ArticleCount><Articles>{item}</Articles>",
        now=now,
    )


def encrypted_envelope(*, encrypted: str, signature: str, timestamp: str, nonce: str) -> str:
    """The safe-mode reply: the encrypted reply with its own signature, timestamp and nonce."""
    return (
        f"<xml><Encrypt>{cdata(encrypted)}</Encrypt>"
        f"<MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )


# What a person sees in the desk for a message the bot does not read. Stored text (data, in
# the desk's language of record, like the channel names), not interface strings.
PLACEHOLDERS = {
    "image": "[图片]",
    "voice": "[语音]",
    "video": "[视频]",
    "shortvideo": "[小视频]",
    "location": "[位置]",
    "link": "[链接]",
    "file": "[文件]",
}


def placeholder(message: WeChatMessage) -> str:
    """A readable line for a message type the bot does not answer, with what WeChat sent."""
    kind = message.msg_type
    label = PLACEHOLDERS.get(kind, f"[不支持的消息类型：{kind[:30]}]")
    detail = ""
    if kind == "image":
        detail = message.get("PicUrl")
    elif kind == "voice":
        detail = message.get("Recognition")  # WeChat's transcript, when the account enables it
    elif kind == "location":
        detail = (
            f"{message.get('Label')} ({message.get('Location_X')}, {message.get('Location_Y')})"
        )
    elif kind in ("link", "file"):
        detail = " ".join(p for p in (message.get("Title"), message.get("Url")) if p)
    detail = detail.strip()
    return f"{label} {detail}"[:2000] if detail else label
