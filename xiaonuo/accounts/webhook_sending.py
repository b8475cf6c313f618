"""One webhook request on the wire: the address check, the signature and the HTTP call.

No database here. ``accounts.webhooks`` decides what to send and records what happened.

Server-side request forgery: a webhook URL is typed by a workspace admin, and the request is made
from inside the install's network. So every address a host name resolves to must be public
(``ipaddress.is_global``), unless ``settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS`` allows private,
loopback and link-local ones (self-hosters whose receivers live next to Xiaonuo, and tests). The
check runs when the URL is saved and again before every request, and the request then goes to the
very address that was checked (the host name still goes in ``Host`` and TLS SNI, so certificates
verify as usual): a name that re-resolves to 127.0.0.1 between check and connect (DNS rebinding)
cannot slip through. Redirects are not followed, for the same reason.
"""

import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx
from django.conf import settings

from xiaonuo.accounts.exceptions import AccountsError
from xiaonuo.accounts.models import WebhookError

# Per network operation (connect, send, each read), not for the whole request. A worker thread
# waits at most about this long for one delivery; the caller of publish() never waits at all.
DEFAULT_TIMEOUT_SECONDS = 5.0
# Enough of a receiver's answer to debug it in the console, never a whole error page.
EXCERPT_BYTES = 1024
EXCERPT_CHARS = 500
USER_AGENT = "Xiaonuo-Webhooks/1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL is not one we send to; ``code`` is an ``AccountsError`` value."""

    def __init__(self, code: AccountsError, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What one request came to. ``status_code`` is None when no HTTP answer arrived."""

    duration_ms: int
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""  # a WebhookError value when the request failed below HTTP
    error_detail: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """Network trouble, timeouts, 5xx and 429 may pass; any other answer will not."""
        if self.status_code is None:
            return self.error not in (WebhookError.BLOCKED, WebhookError.DISABLED)
        return self.status_code == 429 or self.status_code >= 500


def allow_private_targets() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``timestamp + "." + body``; sent as ``X-Xiaonuo-Signature: sha256=…``."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_url(url: str) -> None:
    """Refuse a URL we would not send to (raises ``TargetRefused``). Resolves the host name."""
    parts = _split(url)
    _resolve(parts.hostname or "", parts.port or _default_port(parts.scheme))


def post(*, url: str, secret: str, event: str, delivery_id: str, body: bytes) -> Outcome:
    """Send one signed request and report what happened. Never raises for network trouble."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        parts = _split(url)
        host = parts.hostname or ""
        address = _resolve(host, parts.port or _default_port(parts.scheme))[0]
    except TargetRefused as refused:
        error = WebhookError.DNS if refused.code == AccountsError.WEBHOOK_URL_UNRESOLVABLE else None
        return Outcome(
            duration_ms=elapsed_ms(),
            error=error or WebhookError.BLOCKED,
            error_detail=refused.message[:200],
        )
    timestamp = str(int(time.time()))
    headers = {
        "Host": parts.netloc.rsplit("@", 1)[-1],
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        # The excerpt is read raw: a compressed answer could expand to anything in one chunk.
        "Accept-Encoding": "identity",
        "X-Xiaonuo-Event": event,
        "X-Xiaonuo-Delivery": delivery_id,
        "X-Xiaonuo-Timestamp": timestamp,
        "X-Xiaonuo-Signature": "sha256=" + sign(secret=secret, timestamp=timestamp, body=body),
    }
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    pinned = urlunsplit(parts._replace(netloc=_netloc(address, parts.port)))
    try:
        with (
            httpx.Client(timeout=timeout_seconds(), follow_redirects=False) as client,
            client.stream(
                "POST", pinned, headers=headers, content=body, extensions=extensions
            ) as response,
        ):
            excerpt = _read_excerpt(response)
            return Outcome(
                duration_ms=elapsed_ms(), status_code=response.status_code, excerpt=excerpt
            )
    except httpx.TimeoutException as exc:
        return Outcome(
            duration_ms=elapsed_ms(), error=WebhookError.TIMEOUT, error_detail=_detail(exc)
        )
    except httpx.ConnectError as exc:
        return Outcome(
            duration_ms=elapsed_ms(), error=WebhookError.CONNECT, error_detail=_detail(exc)
        )
    except httpx.TransportError as exc:
        return Outcome(
            duration_ms=elapsed_ms(), error=WebhookError.NETWORK, error_detail=_detail(exc)
        )


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise TargetRefused(AccountsError.WEBHOOK_URL_INVALID, "Not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(
            AccountsError.WEBHOOK_URL_INVALID, "The URL must start with http:// or https://"
        )
    if parts.username or parts.password:
        # Credentials in a URL end up in logs and on screens; receivers check our signature.
        raise TargetRefused(
            AccountsError.WEBHOOK_URL_INVALID, "The URL must not contain a user name or password"
        )
    return parts


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of ``host``, refused if any is not public (unless private ones are allowed).

    All of them, not only the first: a name with one public and one private address would
    otherwise reach the private one whenever the resolver's order changes.
    """
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise TargetRefused(
                AccountsError.WEBHOOK_URL_UNRESOLVABLE, f"Cannot resolve {host}: {exc}"
            ) from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not allow_private_targets():
        for address in addresses:
            if not _is_public(address):
                raise TargetRefused(
                    AccountsError.WEBHOOK_URL_BLOCKED,
                    f"{host} resolves to {address}, a private, loopback or reserved address",
                )
    return addresses


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, whatever 3.11 thinks
    return address.is_global and not address.is_multicast


def _netloc(address: IPAddress, port: int | None) -> str:
    host = f"[{address}]" if address.version == 6 else str(address)
    return f"{host}:{port}" if port else host


def _read_excerpt(response: httpx.Response) -> str:
    received = b""
    for chunk in response.iter_raw():
        received += chunk
        if len(received) >= EXCERPT_BYTES:
            break
    return received[:EXCERPT_BYTES].decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _detail(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]
