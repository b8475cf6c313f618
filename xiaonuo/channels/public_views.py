"""The web chat widget's public endpoints, called by ``widget.js`` from the company's pages.

``/channels/widget/<public id>/``
- ``session/``  POST — start or resume: a new visitor token, or the thread of the token sent;
  optionally identify (``user_id`` + ``user_hash``).
- ``identify/`` POST — the site signed the visitor in after the page loaded.
- ``messages/`` POST — the visitor writes; GET ``?after=<id>`` — what came after (polled).

The visitor token travels in the ``X-Xiaonuo-Visitor`` header, never in a cookie of ours, so
no third-party cookie is needed and CSRF does not apply. Cross-origin reads are allowed for the
channel's allowed origins only (any origin when the list is empty). Errors are JSON
``{code, message, details}`` with a 4xx status, like the API's.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from xiaonuo.channels import ratelimit
from xiaonuo.channels import widget as channels_widget
from xiaonuo.channels.desk_port import ThreadMessage
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.channels.models import Channel
from xiaonuo.channels.ratelimit import Limit
from xiaonuo.lib.errors import ServiceError

TOKEN_HEADER = "X-Xiaonuo-Visitor"  # noqa: S105 - a header name, not a secret
# 5,000 characters of Chinese are 15 kB in UTF-8; twice that leaves room for JSON escapes.
MAX_BODY_BYTES = 32 * 1024
# How often the widget polls while its panel is open, sent to it with the session.
POLL_INTERVAL_MS = 1500

# Per minute. A person types far fewer messages than this; a script hammering one channel from
# one address, or one visitor token, is cut off. Polling every 1.5 s is 40 a minute. Every page
# view starts a session (that is how the script learns whether to show itself), and an office
# behind one address browses quickly.
SESSIONS_PER_ADDRESS = Limit("widget-session", 120, 60)
IDENTIFY_PER_ADDRESS = Limit("widget-identify", 20, 60)
MESSAGES_PER_VISITOR = Limit("widget-send", 12, 60)
MESSAGES_PER_ADDRESS = Limit("widget-send-address", 60, 60)  # an office behind one NAT
POLLS_PER_VISITOR = Limit("widget-poll", 120, 60)

_AUTHORS = {"customer": "visitor", "staff": "agent", "system": "bot"}

Handler = Callable[[HttpRequest, Channel], HttpResponse]


def widget_endpoint(*methods: str) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """Resolve the channel, check the page's origin, answer CORS preflights, and turn a
    ``ServiceError`` into its JSON error — everything the widget's endpoints share."""

    def decorator(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, public_id: str) -> HttpResponse:
            origin = request.headers.get("Origin")
            try:
                channel = channels_widget.get_widget_channel(public_id=public_id)
            except ServiceError as error:
                # Nothing to protect yet: any page may learn that the id names no chat.
                return _cors(_preflight(methods) if _is_preflight(request) else _error(error), "*")
            if not channels_widget.origin_allowed(channel, origin):
                return _error(
                    ServiceError(
                        ChannelsError.ORIGIN_NOT_ALLOWED,
                        "This site may not embed this chat",
                        status=403,
                    )
                )
            if _is_preflight(request):
                return _cors(_preflight(methods), origin)
            if request.method not in methods:
                response: HttpResponse = _error(
                    ServiceError(ChannelsError.METHOD_NOT_ALLOWED, "Method not allowed", status=405)
                )
                response["Allow"] = ", ".join(methods)
                return _cors(response, origin)
            try:
                response = handler(request, channel)
            except ServiceError as error:
                response = _error(error)
            return _cors(response, origin)

        return view

    return decorator


def _is_preflight(request: HttpRequest) -> bool:
    return request.method == "OPTIONS"


def _preflight(methods: tuple[str, ...]) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
    response["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
    # Chromium caps this at 2 h; 10 min spares a preflight per poll without pinning old rules.
    response["Access-Control-Max-Age"] = "600"
    return response


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


def _error(error: ServiceError) -> JsonResponse:
    details = {k: v for k, v in error.details.items() if isinstance(v, str | int | float | bool)}
    response = JsonResponse(
        {"code": str(error.code), "message": error.message, "details": details},
        status=error.status,
    )
    if "retry_after" in details:
        response["Retry-After"] = str(details["retry_after"])
    return response


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _body(request: HttpRequest) -> dict[str, Any]:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    # The declared length is checked before the body is read into memory.
    if (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(
        request.body
    ) > MAX_BODY_BYTES:
        raise ServiceError(
            ChannelsError.PAYLOAD_TOO_LARGE,
            f"The request body is larger than {MAX_BODY_BYTES} bytes",
            status=413,
        )
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ServiceError(
            ChannelsError.REQUEST_INVALID, "The body is not JSON", status=400
        ) from None
    if not isinstance(body, dict):
        raise ServiceError(
            ChannelsError.REQUEST_INVALID, "The body is not a JSON object", status=400
        )
    return body


def _token(request: HttpRequest) -> str:
    token = request.headers.get(TOKEN_HEADER, "")
    if not token:
        raise ServiceError(
            ChannelsError.VISITOR_TOKEN_MISSING,
            f"The {TOKEN_HEADER} header is missing; start a session first",
            status=401,
        )
    return token


def message_out(message: ThreadMessage) -> dict[str, Any]:
    staff = message.staff
    return {
        "id": message.pk,
        "author": _AUTHORS.get(message.author_kind, "bot"),
        # Only the name the agent chose to show; never their login name.
        "agent_name": (staff.display_name if staff is not None else "") or "",
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }


def _session_out(session: channels_widget.Session) -> dict[str, Any]:
    return {
        "token": session.token,
        "identified": session.identified,
        "messages": [message_out(m) for m in session.thread.messages],
        "has_more": session.thread.has_more,
        "poll_interval_ms": POLL_INTERVAL_MS,
    }


# --- Endpoints -------------------------------------------------------------------------------


@widget_endpoint("POST")
def session(request: HttpRequest, channel: Channel) -> HttpResponse:
    ratelimit.hit(SESSIONS_PER_ADDRESS, f"{channel.pk}:{_address(request)}")
    body = _body(request)
    if "user_id" in body:
        ratelimit.hit(IDENTIFY_PER_ADDRESS, f"{channel.pk}:{_address(request)}")
    started = channels_widget.start_session(
        channel=channel,
        token=request.headers.get(TOKEN_HEADER) or None,
        user_id=body.get("user_id"),
        user_hash=body.get("user_hash"),
    )
    return JsonResponse(_session_out(started))


@widget_endpoint("POST")
def identify(request: HttpRequest, channel: Channel) -> HttpResponse:
    ratelimit.hit(IDENTIFY_PER_ADDRESS, f"{channel.pk}:{_address(request)}")
    body = _body(request)
    identified = channels_widget.identify_visitor(
        channel=channel,
        token=_token(request),
        user_id=body.get("user_id"),
        user_hash=body.get("user_hash"),
    )
    return JsonResponse(_session_out(identified))


@widget_endpoint("GET", "POST")
def messages(request: HttpRequest, channel: Channel) -> HttpResponse:
    token = _token(request)
    if request.method == "GET":
        ratelimit.hit(POLLS_PER_VISITOR, channels_widget.token_key(token))
        thread = channels_widget.fetch_messages(
            channel=channel, token=token, after=_cursor(request.GET.get("after"))
        )
        return JsonResponse(
            {"messages": [message_out(m) for m in thread.messages], "has_more": thread.has_more}
        )
    ratelimit.hit(MESSAGES_PER_VISITOR, channels_widget.token_key(token))
    ratelimit.hit(MESSAGES_PER_ADDRESS, f"{channel.pk}:{_address(request)}")
    body = _body(request)
    message = channels_widget.send_message(
        channel=channel,
        token=token,
        text=body.get("text"),
        client_message_id=body.get("client_message_id"),
    )
    return JsonResponse({"message": message_out(message)}, status=201)


def _cursor(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ServiceError(
            ChannelsError.CURSOR_INVALID, "after is a message id", status=400, field="after"
        )
    return int(raw)
