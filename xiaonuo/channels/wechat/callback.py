"""``/channels/wechat/<public id>/``: the URL an Official Account's "服务器配置" points at.

GET is WeChat's URL check (echo ``echostr`` when the signature is right). POST is a message or
event, in plaintext mode (``signature`` over token, timestamp and nonce), or in compatible or
safe mode (``encrypt_type=aes``: the ``Encrypt`` field, checked by ``msg_signature`` and
decrypted; the answer is encrypted back).

One POST, in order:

1. The channel by its public id (404 for an unknown one or another kind; 403 when disabled), the
   signature (403), the timestamp within ``MAX_CLOCK_SKEW`` of ours (403: a replay or a broken
   clock), the body's size (413) and XML (400). Each refusal is logged with its code.
2. WeChat's identity of the message (MsgId, or sender + CreateTime for events) is recorded once
   (``services.claim_wechat_delivery``); a copy gets ``success`` and nothing else happens. A
   copy arriving after the first was handled is recognised by a read first.
3. Text goes to auto-reply (``autoreply_port.respond``) with a ``PassiveReply``: the claim, the
   customer's message, the bot's decision and the answer's delivery are one write transaction
   (on SQLite, one turn of the database's single write lock per message). Follow / unfollow and
   menu clicks go to ``subscription`` / ``click`` and any other message is stored in the desk
   as a readable placeholder for a person, after a claim of their own; other events are
   acknowledged.
4. An answer ready within the reply budget (``WECHAT_REPLY_BUDGET_MS`` of the request, 4 s by
   default: WeChat waits 5) is stored as delivered and goes back in the response. Later than
   that, the reply is ``success`` and the desk pushes the answer through the customer-service
   API (queued when the answer is stored).

The answer is computed in the request itself, not in a thread that the budget could abandon: if
it takes longer than WeChat's 5 seconds, WeChat's retry meets the claim — committed, or still
in the first request's transaction, which the retry's own claim waits for — and gets
``success``; the late answer is pushed, once either way.
"""

import logging
import secrets
import time
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from xiaonuo.channels import autoreply_port, desk_port
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels import services as channels_services
from xiaonuo.channels.autoreply_port import BotAnswer, PassiveReply
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.inbound import InboundMessage
from xiaonuo.channels.models import WeChatAccount
from xiaonuo.channels.wechat import messages as wechat_messages
from xiaonuo.channels.wechat.crypto import CryptoError, MessageCrypto, signature_matches
from xiaonuo.lib.errors import ServiceError

log = logging.getLogger(__name__)

# WeChat signs with its own clock; a request further than this from ours is refused as a
# replay (a recorded request re-sent later) or a broken clock. Five minutes allows for drift.
MAX_CLOCK_SKEW_SECONDS = 300
SUCCESS = "success"  # WeChat's "received, nothing to reply"


class Refused(Exception):
    def __init__(self, code: ChannelsError, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@csrf_exempt
def wechat_callback(request: HttpRequest, public_id: str) -> HttpResponse:
    started = time.monotonic()
    try:
        account = _account(public_id)
        _check_signature(request, account)
        if request.method == "GET":
            echo = request.GET.get("echostr", "")
            return HttpResponse(echo[:200], content_type="text/plain")
        if request.method != "POST":
            response = _refusal(
                Refused(ChannelsError.METHOD_NOT_ALLOWED, "Method not allowed", 405), public_id
            )
            response["Allow"] = "GET, POST"
            return response
        message, crypto = _read_message(request, account)
        reply = handle_message(account, message, started=started)
    except Refused as refusal:
        return _refusal(refusal, public_id)
    if reply is None:
        return HttpResponse(SUCCESS, content_type="text/plain")
    if crypto is not None:
        reply = _encrypt_reply(crypto, reply)
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")


def _refusal(refusal: Refused, public_id: str) -> JsonResponse:
    log.warning(
        "wechat callback %s refused: %s (%s)", public_id[:40], refusal.code, refusal.message
    )
    return JsonResponse(
        {"code": str(refusal.code), "message": refusal.message, "details": {}},
        status=refusal.status,
    )


def _account(public_id: str) -> WeChatAccount:
    try:
        account = channels_selectors.get_wechat_account_for_callback(public_id=public_id)
    except ServiceError:
        raise Refused(ChannelsError.CHANNEL_NOT_FOUND, "Channel not found", 404) from None
    if not account.channel.enabled:
        raise Refused(ChannelsError.CHANNEL_DISABLED, "This channel is switched off", 403)
    return account


def _check_signature(request: HttpRequest, account: WeChatAccount) -> None:
    timestamp, nonce = request.GET.get("timestamp", ""), request.GET.get("nonce", "")
    if request.GET.get("encrypt_type") == "aes" and request.method == "POST":
        # Safe and compatible modes: msg_signature, over the encrypted body, is checked when the
        # body is read; the plain signature is checked too when WeChat sends one.
        if "signature" in request.GET and not signature_matches(
            request.GET["signature"], account.token, timestamp, nonce
        ):
            raise _bad_signature()
    elif not signature_matches(request.GET.get("signature", ""), account.token, timestamp, nonce):
        raise _bad_signature()
    if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > MAX_CLOCK_SKEW_SECONDS:
        raise Refused(
            ChannelsError.WECHAT_TIMESTAMP_STALE,
            f"The timestamp is more than {MAX_CLOCK_SKEW_SECONDS} s from the server's clock",
            403,
        )


def _bad_signature() -> Refused:
    return Refused(ChannelsError.WECHAT_SIGNATURE_INVALID, "The signature does not match", 403)


def _read_message(
    request: HttpRequest, account: WeChatAccount
) -> tuple[wechat_messages.WeChatMessage, MessageCrypto | None]:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if (declared.isdigit() and int(declared) > wechat_messages.MAX_BODY_BYTES) or len(
        request.body
    ) > wechat_messages.MAX_BODY_BYTES:
        raise Refused(ChannelsError.PAYLOAD_TOO_LARGE, "The body is too large", 413)
    try:
        if request.GET.get("encrypt_type") != "aes":
            return wechat_messages.parse_message(request.body), None
        crypto = MessageCrypto(
            token=account.token, encoding_aes_key=account.encoding_aes_key, app_id=account.app_id
        )
        encrypted = wechat_messages.parse(request.body).get("Encrypt", "")
        if not encrypted or not crypto.msg_signature_matches(
            request.GET.get("msg_signature", ""),
            timestamp=request.GET.get("timestamp", ""),
            nonce=request.GET.get("nonce", ""),
            encrypted=encrypted,
        ):
            raise _bad_signature()
        try:
            inner = crypto.decrypt(encrypted)
        except CryptoError:
            raise Refused(
                ChannelsError.WECHAT_DECRYPT_FAILED,
                "The message is not encrypted for this Official Account",
                400,
            ) from None
        return wechat_messages.parse_message(inner), crypto
    except wechat_messages.XmlInvalid as exc:
        raise Refused(
            ChannelsError.WECHAT_XML_INVALID, f"The body is not a WeChat message ({exc})", 400
        ) from None


def _encrypt_reply(crypto: MessageCrypto, reply: str) -> str:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    encrypted = crypto.encrypt(reply)
    return wechat_messages.encrypted_envelope(
        encrypted=encrypted,
        signature=crypto.msg_signature(timestamp=timestamp, nonce=nonce, encrypted=encrypted),
        timestamp=timestamp,
        nonce=nonce,
    )


# --- One message ---------------------------------------------------------------------------


def handle_message(
    account: WeChatAccount, message: wechat_messages.WeChatMessage, *, started: float
) -> str | None:
    """The passive reply's XML, or None for ``success``."""
    channel = account.channel
    key = message.dedup_key()
    # A copy that arrives after the first was recorded (WeChat's retries, seconds later) is
    # recognised by a read, which on SQLite does not wait for the database's one write lock.
    if channels_services.wechat_delivery_seen(channel=channel, key=key):
        log.info("wechat callback %s: %s delivered again; answered success", channel.pk, key)
        return None
    # Text is claimed inside auto-reply's transaction (``PassiveReply``): the claim, the message,
    # the answer and its delivery are one write. Everything else claims first, on its own.
    in_one_transaction = message.msg_type == "text"
    if not in_one_transaction and not channels_services.claim_wechat_delivery(
        channel=channel, key=key
    ):
        log.info("wechat callback %s: %s delivered again; answered success", channel.pk, key)
        return None
    try:
        answer = _dispatch(account, message, started=started)
    except ServiceError as error:
        # The message itself is refused (e.g. empty text): a retry would be refused the same.
        log.warning(
            "wechat callback %s: %s %s not taken: %s",
            channel.pk,
            message.msg_type,
            key,
            error.code,
        )
        return None
    except Exception:
        # Our failure: forget the delivery so WeChat's retry is handled afresh (a text's claim
        # was rolled back with its transaction).
        if not in_one_transaction:
            channels_services.forget_wechat_delivery(channel=channel, key=key)
        log.exception("wechat callback %s: %s failed", channel.pk, key)
        raise Refused(ChannelsError.WECHAT_UNAVAILABLE, "Temporarily unavailable", 503) from None
    if answer is None:
        return None
    return _passive_reply(account, message, answer, started=started)


def _dispatch(
    account: WeChatAccount, message: wechat_messages.WeChatMessage, *, started: float
) -> BotAnswer | None:
    workspace, channel_id = account.workspace, account.channel_id
    openid = message.from_user
    if message.msg_type == "text":
        return autoreply_port.respond()(
            workspace=workspace,
            inbound=InboundMessage(
                channel_id=channel_id,
                text=message.get("Content"),
                identities={"openid": openid},
                external_id=message.msg_id,
                sent_at=_sent_at(message),
            ),
            passive=PassiveReply(
                claim=lambda: channels_services.claim_wechat_delivery(
                    channel=account.channel, key=message.dedup_key()
                ),
                in_time=lambda answer: (
                    _in_time(started)
                    and render_answer(answer, to_user=openid, from_user=message.to_user) is not None
                ),
            ),
        )
    if message.msg_type == "event":
        event = message.event
        if event in ("subscribe", "unsubscribe"):
            identities = {"openid": openid}
            if message.get("UnionId"):
                identities["unionid"] = message.get("UnionId")
            return autoreply_port.subscription()(
                workspace=workspace,
                channel_id=channel_id,
                identities=identities,
                subscribed=event == "subscribe",
            )
        if event == "click":
            return autoreply_port.click()(
                workspace=workspace,
                channel_id=channel_id,
                identities={"openid": openid},
                key=message.get("EventKey"),
            )
        # VIEW, SCAN, LOCATION, template and mass-send reports …: nothing to answer.
        log.info("wechat callback %s: event %s acknowledged", channel_id, event[:30])
        return None
    # Images, voice, locations, links, files, and types WeChat adds later: a person reads them.
    desk_port.receive_message()(
        workspace=workspace,
        inbound=InboundMessage(
            channel_id=channel_id,
            text=wechat_messages.placeholder(message),
            identities={"openid": openid},
            external_id=message.msg_id,
            sent_at=_sent_at(message),
        ),
    )
    return None


def _sent_at(message: wechat_messages.WeChatMessage) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(message.create_time), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _in_time(started: float) -> bool:
    return (time.monotonic() - started) * 1000 <= settings.WECHAT_REPLY_BUDGET_MS


def _passive_reply(
    account: WeChatAccount,
    message: wechat_messages.WeChatMessage,
    answer: BotAnswer,
    *,
    started: float,
) -> str | None:
    xml = render_answer(answer, to_user=message.from_user, from_user=message.to_user)
    if not answer.message_id:
        # Nothing stored to push later (a welcome, a menu answer): reply while WeChat may still
        # be listening.
        return xml
    if answer.in_reply:
        return xml  # stored as delivered in this response, in the answer's own transaction
    # Too late for this response: the desk pushes it (already queued when it was stored;
    # settling again is harmless, only a PENDING message is queued and pushed once).
    autoreply_port.settle()(
        workspace=account.workspace, message_id=answer.message_id, delivered_in_reply=False
    )
    return None


def render_answer(answer: BotAnswer, *, to_user: str, from_user: str) -> str | None:
    """WeChat's passive reply for ``answer``: text (text and link answers), image (by the
    media_id uploaded to WeChat), or one news item (article)."""
    payload = answer.payload
    if answer.kind == "image" and payload.get("media_id"):
        return wechat_messages.image_reply(
            to_user=to_user, from_user=from_user, media_id=payload["media_id"]
        )
    if answer.kind == "article" and payload.get("url"):
        return wechat_messages.news_reply(to_user=to_user, from_user=from_user, article=payload)
    text = answer.text
    url = payload.get("url", "")
    if url and url not in text:
        text = f"{text}\n{url}" if text else url
    if not text:
        return None
    return wechat_messages.text_reply(to_user=to_user, from_user=from_user, content=text)
