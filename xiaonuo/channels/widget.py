"""The web chat widget's use cases: visitors, identification, and their thread with the desk.

A visitor is a browser holding a **visitor token** the server issued: ``<public id>.<random>``
signed with the server's key, so a forged token is refused without a database read and a token
of one channel is worthless on another. Nothing is stored for a visitor who only browses; the
``WidgetVisitor`` row (the token's hash, a random ``anonymous_id``) is made with their first
message or when the site identifies them, and a token with a row stays valid even if the
server's key changes.

Identification follows Intercom's identity verification: the company's server computes
``user_hash = HMAC-SHA256(channel secret, user_id)`` and the page hands both to the widget; only
a matching hash links the visitor to that user (``external_id``), so nobody can read another
user's thread by typing their id into the page.
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core import signing
from django.db import transaction
from django.utils import timezone

from xiaonuo.channels import desk_port
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels.desk_port import ThreadMessage
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.inbound import InboundMessage
from xiaonuo.channels.models import Channel, ChannelKind, WidgetVisitor
from xiaonuo.lib.errors import ServiceError

_TOKEN_SIGNER = signing.Signer(salt="xiaonuo.channels.widget.visitor")
MAX_TOKEN_CHARS = 200
MAX_USER_ID_CHARS = 200
MAX_ORIGINS = 20
# The widget opens with at most this many messages and pages on with ``after``.
PAGE_SIZE = 100
# A returning visitor's "last seen" is written at most this often, not on every page view.
SEEN_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class Thread:
    messages: Sequence[ThreadMessage]
    has_more: bool


@dataclass(frozen=True)
class Session:
    token: str  # the token the browser keeps from now on (new, or the one it sent)
    identified: bool
    thread: Thread


# --- Channels and origins ---------------------------------------------------------------------


def get_widget_channel(*, public_id: str) -> Channel:
    """The widget channel a URL names, enabled. Any other kind is "not found", like an unknown
    id: a WeChat channel's public id must not open a chat."""
    channel = channels_selectors.get_channel_by_public_id(public_id=public_id)
    if channel.kind != ChannelKind.WEB_WIDGET:
        raise channels_selectors.channel_not_found()
    return channel


def require_enabled(channel: Channel) -> None:
    if not channel.enabled:
        raise ServiceError(ChannelsError.CHANNEL_DISABLED, "This chat is switched off", status=409)


def allowed_origins(channel: Channel) -> list[str]:
    return list(channel.config.get("allowed_origins") or [])


def origin_allowed(channel: Channel, origin: str | None) -> bool:
    """Empty list: any site may embed the widget. Otherwise the page's origin must be listed;
    ``https://*.example.com`` covers every subdomain of example.com (not example.com itself)."""
    patterns = allowed_origins(channel)
    if not patterns:
        return True
    if not origin:
        return False
    origin = origin.lower()
    for pattern in patterns:
        if pattern == origin:
            return True
        scheme, _, host = pattern.partition("://")
        if host.startswith("*.") and origin.startswith(f"{scheme}://"):
            rest = origin[len(scheme) + 3 :]
            if rest.endswith(host[1:]) and len(rest) > len(host) - 1:
                return True
    return False


def clean_origins(raw: Sequence[str]) -> list[str]:
    """Origins as ``scheme://host[:port]``, lower-case, without duplicates; ``*.`` may start a
    host. A path, a user name or another scheme is refused, naming the entry."""
    cleaned: list[str] = []
    for entry in (item.strip() for item in raw):
        if not entry:
            continue
        origin = _clean_origin(entry.rstrip("/"))
        if origin is None:
            raise ServiceError(
                ChannelsError.ALLOWED_ORIGINS_INVALID,
                f"Not an origin (scheme://host[:port]): {entry[:100]!r}",
                field="allowed_origins",
                entry=entry[:100],
            )
        if origin not in cleaned:
            cleaned.append(origin)
    if len(cleaned) > MAX_ORIGINS:
        raise ServiceError(
            ChannelsError.ALLOWED_ORIGINS_INVALID,
            f"At most {MAX_ORIGINS} origins",
            field="allowed_origins",
            limit=MAX_ORIGINS,
        )
    return cleaned


def _clean_origin(entry: str) -> str | None:
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    bare = host[2:] if host.startswith("*.") else host
    valid_host = bool(bare) and all(
        label and label.replace("-", "").isalnum() for label in bare.split(".")
    )
    if (
        parts.scheme not in ("http", "https")
        or not valid_host
        or parts.username is not None
        or parts.path
        or parts.query
        or parts.fragment
    ):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


# --- Identity verification --------------------------------------------------------------------


def user_hash(*, secret: str, user_id: str) -> str:
    """What the company's server computes for a signed-in user (docs/widget.md)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def _verified_user_id(channel: Channel, user_id: Any, signature: Any) -> str:
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_ID_CHARS:
        raise ServiceError(
            ChannelsError.USER_ID_INVALID,
            f"user_id is a string of 1 to {MAX_USER_ID_CHARS} characters",
            status=422,
            field="user_id",
        )
    if not signature or not isinstance(signature, str):
        raise ServiceError(
            ChannelsError.IDENTITY_UNSIGNED,
            "A user_id needs its user_hash, computed by your server with the channel's secret",
            status=401,
            field="user_hash",
        )
    if not channel.secret:
        raise ServiceError(
            ChannelsError.IDENTITY_NOT_CONFIGURED,
            "This channel has no identity secret; create one in the console",
            status=409,
        )
    expected = user_hash(secret=channel.secret, user_id=user_id)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise ServiceError(
            ChannelsError.IDENTITY_SIGNATURE_INVALID,
            "user_hash does not match user_id and the channel's secret",
            status=403,
            field="user_hash",
        )
    return user_id


# --- Visitors ----------------------------------------------------------------------------------


def new_visitor_token(*, channel: Channel) -> str:
    return _TOKEN_SIGNER.sign(f"{channel.public_id}.{secrets.token_urlsafe(24)}")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_key(token: str) -> str:
    """A short, stable name of a token for rate-limit keys (never the token itself)."""
    return _token_hash(token)[:32]


def find_visitor(*, channel: Channel, token: str) -> WidgetVisitor | None:
    """The visitor a token names on this channel; None for a genuine token of a visitor who has
    not written yet; ``visitor_token_invalid`` for a forged token or another channel's."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise _token_invalid()
    visitor = WidgetVisitor.objects.filter(token_hash=_token_hash(token), channel=channel).first()
    if visitor is not None:
        return visitor
    try:
        value = _TOKEN_SIGNER.unsign(token)
    except signing.BadSignature:
        raise _token_invalid() from None
    if value.partition(".")[0] != channel.public_id:
        raise _token_invalid()
    return None


def _token_invalid() -> ServiceError:
    return ServiceError(
        ChannelsError.VISITOR_TOKEN_INVALID,
        "The visitor token is not valid for this chat; start a new session",
        status=401,
    )


def _visitor_row(*, channel: Channel, token: str) -> WidgetVisitor:
    """The token's visitor row, made now if it has none (two tabs may race: one row wins)."""
    visitor, _created = WidgetVisitor.objects.get_or_create(
        token_hash=_token_hash(token),
        defaults={
            "workspace_id": channel.workspace_id,
            "channel": channel,
            "anonymous_id": f"wv_{secrets.token_urlsafe(18)}",
            "last_seen_at": timezone.now(),
        },
    )
    return visitor


def _conversation_of(visitor: WidgetVisitor) -> int | None:
    """The visitor's thread; for a user identified on a new device, the thread they started
    elsewhere on this channel (the id is verified, so it is theirs)."""
    if visitor.conversation_id is not None or not visitor.external_id:
        return visitor.conversation_id
    return (
        WidgetVisitor.objects.filter(
            channel_id=visitor.channel_id,
            external_id=visitor.external_id,
            conversation_id__isnull=False,
        )
        .order_by("-last_seen_at", "-id")
        .values_list("conversation_id", flat=True)
        .first()
    )


# --- Use cases -------------------------------------------------------------------------------


def start_session(
    *,
    channel: Channel,
    token: str | None,
    user_id: Any = None,
    user_hash: Any = None,
) -> Session:
    """A page with the widget loads: a new visitor gets a token (nothing stored yet), a
    returning one their thread. With ``user_id`` the site identifies the visitor too."""
    require_enabled(channel)
    visitor = None
    if token is None:
        token = new_visitor_token(channel=channel)
    else:
        visitor = find_visitor(channel=channel, token=token)
    if user_id is not None:
        token, visitor = _identify(channel, token, visitor, user_id, user_hash)
    elif visitor is not None and timezone.now() - visitor.last_seen_at > SEEN_RESOLUTION:
        WidgetVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())
    return Session(
        token=token,
        identified=bool(visitor and visitor.external_id),
        thread=_thread(channel, visitor, after=None, limit=PAGE_SIZE),
    )


def identify_visitor(*, channel: Channel, token: str, user_id: Any, user_hash: Any) -> Session:
    """The site signed the visitor in after the page loaded (a single-page app)."""
    require_enabled(channel)
    visitor = find_visitor(channel=channel, token=token)
    token, visitor = _identify(channel, token, visitor, user_id, user_hash)
    return Session(
        token=token,
        identified=True,
        thread=_thread(channel, visitor, after=None, limit=PAGE_SIZE),
    )


def _identify(
    channel: Channel, token: str, visitor: WidgetVisitor | None, user_id: Any, signature: Any
) -> tuple[str, WidgetVisitor]:
    user_id = _verified_user_id(channel, user_id, signature)
    if visitor is not None and visitor.external_id and visitor.external_id != user_id:
        # Someone else signed in on this browser: they get a visitor of their own, and the
        # previous user's thread stays with the previous user.
        token, visitor = new_visitor_token(channel=channel), None
    with transaction.atomic():
        visitor = visitor or _visitor_row(channel=channel, token=token)
        if visitor.external_id != user_id:
            WidgetVisitor.objects.filter(pk=visitor.pk).update(
                external_id=user_id, last_seen_at=timezone.now()
            )
            visitor.external_id = user_id
    return token, visitor


def send_message(
    *, channel: Channel, token: str, text: Any, client_message_id: Any = None
) -> ThreadMessage:
    """A visitor writes. The desk stores it (customer by identity, conversation, ticket); the
    visitor row is made in the same transaction, so a refused message stores nothing.

    ``client_message_id`` (the browser's id for this message) makes a retry after a lost
    response harmless: the desk recognises it and stores the message once.
    """
    require_enabled(channel)
    text = "" if text is None else text  # the desk refuses it as message_empty
    if not isinstance(text, str):
        raise ServiceError(
            ChannelsError.REQUEST_INVALID, "text must be a string", status=400, field="text"
        )
    known = find_visitor(channel=channel, token=token)
    receive = desk_port.receive_message()
    with transaction.atomic():
        visitor = known or _visitor_row(channel=channel, token=token)
        identities = {"anonymous_id": visitor.anonymous_id}
        if visitor.external_id:
            identities["external_id"] = visitor.external_id
        received = receive(
            workspace=channel.workspace,
            inbound=InboundMessage(
                channel_id=channel.pk,
                text=text,
                identities=identities,
                conversation_id=_conversation_of(visitor),
                external_id=_external_message_id(client_message_id),
            ),
        )
        WidgetVisitor.objects.filter(pk=visitor.pk).update(
            conversation_id=received.conversation.pk,
            customer_id=received.conversation.customer_id,
            last_seen_at=timezone.now(),
        )
    return received.message


def _external_message_id(client_message_id: Any) -> str:
    if client_message_id is None or client_message_id == "":
        return ""
    if not isinstance(client_message_id, str) or len(client_message_id) > 64:
        raise ServiceError(
            ChannelsError.REQUEST_INVALID,
            "client_message_id is a string of at most 64 characters",
            status=400,
            field="client_message_id",
        )
    return f"widget:{client_message_id}"


def fetch_messages(*, channel: Channel, token: str, after: int | None) -> Thread:
    """What the visitor sees after message ``after``: the polling read, a few index lookups."""
    require_enabled(channel)
    visitor = find_visitor(channel=channel, token=token)
    return _thread(channel, visitor, after=after, limit=PAGE_SIZE)


def _thread(
    channel: Channel, visitor: WidgetVisitor | None, *, after: int | None, limit: int
) -> Thread:
    conversation_id = _conversation_of(visitor) if visitor is not None else None
    if conversation_id is None:
        return Thread(messages=[], has_more=False)
    messages, more = desk_port.list_thread()(
        workspace=channel.workspace, conversation_id=conversation_id, after=after, limit=limit
    )
    return Thread(messages=messages, has_more=more)


# --- Reactions to customers' merges and erasures (wired in xiaonuo/listeners.py) --------------


def move_visitors_to_survivor(*, workspace_id: int, survivor_id: int, merged_id: int) -> None:
    WidgetVisitor.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )


def erase_customer_visitors(*, workspace_id: int, customer_id: int) -> None:
    """A privacy erasure: the person's browsers are forgotten; a browser that writes again
    starts afresh, as a new visitor."""
    WidgetVisitor.objects.filter(workspace_id=workspace_id, customer_id=customer_id).delete()
