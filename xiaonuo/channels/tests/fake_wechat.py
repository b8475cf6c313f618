"""A stand-in for WeChat's API servers (api.weixin.qq.com), for tests: a real HTTP server on a
local port, in a thread, answering as WeChat's public documentation says.

- ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` →
  ``{"access_token": …, "expires_in": 7200}``; 40002 for another grant_type, 40013 for an
  unknown AppID, 40125 for a wrong AppSecret, 40164 when the caller's IP is "not whitelisted".
  A new token leaves the previous one valid (WeChat allows a few minutes' overlap).
- ``POST /cgi-bin/message/custom/send?access_token=…`` with a JSON body → ``{"errcode": 0,
  "errmsg": "ok"}``; 41001 without a token, 40001 for an unknown or invalidated token, 42001 for
  an expired one, 47001 for a body that is not UTF-8 JSON of the documented shape, 40003 for an
  empty openid, 43004 for a user who does not follow, 45015 outside the 48-hour window, 45047
  over the per-user message limit, -1 when "busy".

Tests steer it through its attributes (``expire_tokens()``, ``invalidate_tokens()``,
``outside_window``, ``unfollowed``, ``busy`` …) and read what was sent in ``sent``.
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40125: "invalid appsecret",
    40164: "invalid ip, not in whitelist",
    41001: "access_token missing",
    42001: "access_token expired",
    43004: "require subscribe",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
}


@dataclass
class Issued:
    app_id: str
    expires_at: float
    valid: bool = True


@dataclass
class FakeWeChat:
    accounts: dict[str, str] = field(default_factory=dict)  # AppID → AppSecret
    tokens: dict[str, Issued] = field(default_factory=dict)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (AppID, payload)
    raw_bodies: list[bytes] = field(default_factory=list)
    token_requests: int = 0
    expires_in: int = 7200
    outside_window: set[str] = field(default_factory=set)  # openids silent for over 48 h
    unfollowed: set[str] = field(default_factory=set)
    message_limit: int = 20  # per openid, reset by ``user_wrote``
    per_user: dict[str, int] = field(default_factory=dict)
    busy: int = 0  # the next n calls answer -1
    ip_whitelisted: bool = True
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_account(self, app_id: str, app_secret: str) -> None:
        self.accounts[app_id] = app_secret

    def expire_tokens(self) -> None:
        with self.lock:
            for issued in self.tokens.values():
                issued.expires_at = 0

    def invalidate_tokens(self) -> None:
        with self.lock:
            for issued in self.tokens.values():
                issued.valid = False

    def user_wrote(self, openid: str) -> None:
        self.per_user.pop(openid, None)
        self.outside_window.discard(openid)

    # --- The documented endpoints ---------------------------------------------------------

    def token(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.token_requests += 1
            if self.busy:
                self.busy -= 1
                return _error(-1)
            if query.get("grant_type") != "client_credential":
                return _error(40002)
            app_id = query.get("appid", "")
            if app_id not in self.accounts:
                return _error(40013)
            if not secrets.compare_digest(query.get("secret", ""), self.accounts[app_id]):
                return _error(40125)
            if not self.ip_whitelisted:
                return _error(40164)
            token = secrets.token_urlsafe(48)
            self.tokens[token] = Issued(app_id, time.time() + self.expires_in)
            return {"access_token": token, "expires_in": self.expires_in}

    def custom_send(self, query: dict[str, str], body: bytes) -> dict[str, Any]:
        with self.lock:
            if self.busy:
                self.busy -= 1
                return _error(-1)
            token = query.get("access_token", "")
            if not token:
                return _error(41001)
            issued = self.tokens.get(token)
            if issued is None or not issued.valid:
                return _error(40001)
            if issued.expires_at < time.time():
                return _error(42001)
            self.raw_bodies.append(body)
            try:
                payload = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return _error(47001)
            if not _well_formed(payload):
                return _error(47001)
            openid = payload["touser"]
            if not openid:
                return _error(40003)
            if openid in self.unfollowed:
                return _error(43004)
            if openid in self.outside_window:
                return _error(45015)
            if self.per_user.get(openid, 0) >= self.message_limit:
                return _error(45047)
            self.per_user[openid] = self.per_user.get(openid, 0) + 1
            self.sent.append((issued.app_id, payload))
            return {"errcode": 0, "errmsg": "ok"}


def _error(code: int) -> dict[str, Any]:
    return {"errcode": code, "errmsg": f"{ERRMSG[code]} rid: {secrets.token_hex(6)}"}


def _well_formed(payload: Any) -> bool:
    if not isinstance(payload, dict) or not isinstance(payload.get("touser"), str):
        return False
    kind = payload.get("msgtype")
    part = payload.get(kind) if isinstance(kind, str) else None
    if kind == "text":
        return isinstance(part, dict) and isinstance(part.get("content"), str)
    if kind == "image":
        return isinstance(part, dict) and bool(part.get("media_id"))
    if kind == "news":
        articles = part.get("articles") if isinstance(part, dict) else None
        return isinstance(articles, list) and len(articles) == 1
    return False


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass

    def _query(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}

    def _answer(self, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)  # WeChat answers errors with HTTP 200 and an errcode
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path, query = self._query()
        if path == "/cgi-bin/token":
            self._answer(self.server.fake.token(query))
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        path, query = self._query()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/cgi-bin/message/custom/send":
            self._answer(self.server.fake.custom_send(query, body))
        else:
            self.send_error(404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeWeChat


def start() -> tuple[FakeWeChat, _Server]:
    fake = FakeWeChat()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server
