"""A job enqueued by the web process runs in a separate ``xiaonuo worker`` process.

The test process stands for the web process: it enqueues through the same task wrapper a view
would call, on the queue the worker consumes (Redis, or the embedded SQLite queue file).
"""

import os
import uuid
from pathlib import Path

import pytest
import redis
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage, SqliteStorage

from xiaonuo import health
from xiaonuo.accounts.tests.processes import child_env, start, stop, wait_for

# Tests share the machine's Redis; each test uses a queue name of its own and removes it after.
REDIS_TEST_URL = os.environ.get("XIAONUO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKER_TIMEOUT = 60


@pytest.fixture
def redis_queue():
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at {REDIS_TEST_URL} ({exc}); start it as .ci/run does")
    storage = RedisStorage(name=f"xiaonuo-test-{uuid.uuid4().hex[:12]}", url=REDIS_TEST_URL)
    yield storage
    storage.flush_all()


def _use_queue(monkeypatch: pytest.MonkeyPatch, storage: object) -> None:
    """Point this (web) process's Huey at the worker's queue, for real enqueueing."""
    monkeypatch.setattr(HUEY, "storage", storage)
    monkeypatch.setattr(HUEY, "_immediate", False)


@pytest.mark.redis
def test_a_job_enqueued_by_the_web_runs_in_a_separate_worker_process_over_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_queue: RedisStorage
) -> None:
    # Given a worker process consuming a Redis queue, with its own database file
    log = tmp_path / "worker.log"
    env = child_env(
        tmp_path,
        REDIS_URL=REDIS_TEST_URL,
        XIAONUO_QUEUE_NAME=redis_queue.name,
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
    )
    worker = start(["worker", "--workers", "2"], env=env, log=log)
    try:
        _use_queue(monkeypatch, redis_queue)

        # When the web process enqueues a job
        result = health.record_worker_heartbeat()
        beat = wait_for(
            lambda: result.get(), timeout=WORKER_TIMEOUT, what="the job's result", log=log
        )
    finally:
        stop(worker)

    # Then the worker process, not this one, ran it
    assert beat["pid"] == worker.pid
    assert beat["pid"] != os.getpid()


@pytest.mark.redis
def test_readyz_sees_the_heartbeat_of_a_worker_running_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_queue: RedisStorage, client, db
) -> None:
    # Given a worker process started on the shared Redis queue
    log = tmp_path / "worker.log"
    env = child_env(tmp_path, REDIS_URL=REDIS_TEST_URL, XIAONUO_QUEUE_NAME=redis_queue.name)
    worker = start(["worker"], env=env, log=log)
    try:
        _use_queue(monkeypatch, redis_queue)

        # When it has started (its start-up heartbeat comes from xiaonuo/schedule.py)
        wait_for(
            lambda: HUEY.get(health.HEARTBEAT_KEY, peek=True),
            timeout=WORKER_TIMEOUT,
            what="the worker's start-up heartbeat",
            log=log,
        )
        response = client.get("/readyz")
    finally:
        stop(worker)

    # Then this web process reports it alive, with its pid
    assert response.status_code == 200
    assert response.json()["worker"]["status"] == "ok"
    assert response.json()["worker"]["pid"] == worker.pid


def test_a_job_enqueued_by_the_web_runs_in_a_separate_worker_process_on_the_sqlite_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a worker process on the embedded queue file under its data directory
    log = tmp_path / "worker.log"
    worker = start(["worker"], env=child_env(tmp_path), log=log)
    queue = SqliteStorage(name="xiaonuo", filename=str(tmp_path / "queue.sqlite3"))
    try:
        _use_queue(monkeypatch, queue)

        # When the web process enqueues a job into the same file
        result = health.record_worker_heartbeat()
        beat = wait_for(
            lambda: result.get(), timeout=WORKER_TIMEOUT, what="the job's result", log=log
        )
    finally:
        stop(worker)

    # Then the worker process ran it
    assert beat["pid"] == worker.pid != os.getpid()
