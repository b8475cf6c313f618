"""``xiaonuo serve`` supervises gunicorn and one worker: they live and die together."""

import os
import signal
import socket
import urllib.request
from pathlib import Path

from xiaonuo.accounts.tests.processes import (
    child_env,
    children_of,
    is_running,
    start,
    stop,
    wait_for,
)

START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthz(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def _serve(tmp_path: Path):
    port = _free_port()
    log = tmp_path / "serve.log"
    serve = start(
        ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env=child_env(tmp_path), log=log
    )
    wait_for(lambda: _healthz(port), timeout=START_TIMEOUT, what="the web server", log=log)
    children = wait_for(
        lambda: len(children_of(serve.pid)) == 2 and children_of(serve.pid),
        timeout=START_TIMEOUT,
        what="both children",
        log=log,
    )
    return serve, children, log


def test_sigterm_stops_the_web_server_and_the_worker(tmp_path: Path) -> None:
    # Given xiaonuo serve running, answering /healthz, with a web and a worker child
    serve, children, log = _serve(tmp_path)
    try:
        # When it is asked to stop
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=45)
    finally:
        stop(serve)

    # Then it exits cleanly and neither child is left running
    assert code == 0, log.read_text()
    assert not [pid for pid in children if is_running(pid)]


def test_ctrl_c_stops_the_web_server_and_the_worker(tmp_path: Path) -> None:
    # Given xiaonuo serve running
    serve, children, log = _serve(tmp_path)
    try:
        # When the person at the terminal presses Ctrl-C
        serve.send_signal(signal.SIGINT)
        code = serve.wait(timeout=45)
    finally:
        stop(serve)

    # Then everything stops
    assert code == 0, log.read_text()
    assert not [pid for pid in children if is_running(pid)]


def test_a_worker_crash_is_reported_and_stops_the_web_server(tmp_path: Path) -> None:
    # Given xiaonuo serve running
    serve, children, log = _serve(tmp_path)
    worker_pid = next(
        pid for pid in children if "xiaonuo.cli" in Path(f"/proc/{pid}/cmdline").read_text()
    )
    try:
        # When the worker dies
        os.kill(worker_pid, signal.SIGKILL)
        code = serve.wait(timeout=45)
    finally:
        stop(serve)

    # Then serve says so, stops the web server too and exits with an error
    assert code != 0
    assert "the worker process exited" in log.read_text()
    assert not [pid for pid in children if is_running(pid)]
