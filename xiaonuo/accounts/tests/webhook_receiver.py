"""A real HTTP server on 127.0.0.1 standing for a company's webhook receiver.

The path decides how it answers, so one server plays every receiver a test needs:

- ``/ok``     200 ``ok``
- ``/flaky``  500 on the first request to it, 200 afterwards
- ``/down``   503 every time (a receiver that stays down)
- ``/busy``   429 (rate limited)
- ``/gone``   410 (the receiver removed this hook)
- ``/bad``    400 with a body explaining what it did not like
- ``/slow``   answers only after ``slow_seconds``, beyond the sender's timeout

Every request is recorded with its headers and body, in order.
"""

import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float  # time.time() when the request arrived


class Receiver:
    def __init__(self, *, slow_seconds: float = 3.0, tls: tuple[str, str] | None = None) -> None:
        """``tls``: (certificate file, key file) to serve HTTPS instead of HTTP."""
        self.requests: list[Received] = []
        self.slow_seconds = slow_seconds
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()  # ends slow answers early when the test is over
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def to(self, path: str) -> list[Received]:
        return [request for request in self.requests if request.path == path]

    def close(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, path: str) -> tuple[int, bytes]:
        with self._lock:
            self._counts[path] = count = self._counts.get(path, 0) + 1
        if path == "/ok":
            return 200, b"ok"
        if path == "/flaky":
            return (500, b"boom") if count == 1 else (200, b"ok")
        if path == "/down":
            return 503, b"<html>service unavailable</html>"
        if path == "/busy":
            return 429, b"slow down"
        if path == "/gone":
            return 410, b"gone"
        if path == "/bad":
            return 400, "签名不对 <b>bad</b>".encode()
        if path == "/slow":
            self._released.wait(self.slow_seconds)
            return 200, b"late"
        return 404, b"no such hook"


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(
                Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                )
            )
            status, answer = receiver._answer(self.path)
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting (the /slow case)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
