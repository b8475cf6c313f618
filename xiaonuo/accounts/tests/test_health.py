from datetime import timedelta

import pytest
from django.db import OperationalError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from xiaonuo import health

# Nothing listens on port 1: a queue there is unreachable, at once.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_without_touching_anything(client) -> None:
    # Given a running web process
    # When a load balancer probes it
    response = client.get("/healthz")

    # Then it is alive
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_migrations_and_queue_ready(client, db) -> None:
    # Given a migrated database and a reachable queue
    # When an orchestrator asks whether to send traffic
    response = client.get("/readyz")

    # Then every check is ok
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "queue": "ok"}


def test_readyz_is_unavailable_when_the_redis_queue_cannot_be_reached(
    client, db, monkeypatch
) -> None:
    # Given the queue configured on a Redis server that is not there
    monkeypatch.setattr(
        HUEY, "storage", RedisStorage(name="xiaonuo-unreachable", url=UNREACHABLE_REDIS)
    )

    # When readiness is checked
    response = client.get("/readyz")

    # Then it is 503 and names the queue as the cause
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["queue"] == "error: ConnectionError"
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_is_unavailable_when_the_database_is_down(client, db, monkeypatch) -> None:
    # Given a database that refuses connections
    def refuse(self) -> None:
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(type(connections["default"]), "ensure_connection", refuse)

        # When readiness is checked
        response = client.get("/readyz")

    # Then it is 503 and names the database
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: OperationalError"


def test_readyz_is_unavailable_while_migrations_are_pending(client, db, monkeypatch) -> None:
    # Given a deploy whose code has two migrations the database has not run
    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [object(), object()]
    )

    # When readiness is checked
    response = client.get("/readyz")

    # Then it is 503 until `xiaonuo migrate` (or `xiaonuo init`) has run
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "2 pending"


@pytest.mark.parametrize(
    ("age", "status"), [(timedelta(seconds=30), "ok"), (timedelta(minutes=10), "stale")]
)
def test_readyz_reports_the_workers_last_heartbeat_without_failing_on_it(
    client, db, age, status
) -> None:
    # Given a worker that last beat some time ago
    HUEY.put(health.HEARTBEAT_KEY, {"pid": 4242, "at": (timezone.now() - age).isoformat()})

    # When readiness is checked
    response = client.get("/readyz")

    # Then the worker is reported, but a web node without a live worker is still ready
    assert response.status_code == 200
    assert response.json()["worker"]["status"] == status
    assert response.json()["worker"]["pid"] == 4242


def test_readyz_says_unknown_before_any_worker_has_run(client, db) -> None:
    # Given no heartbeat ever recorded
    HUEY.delete(health.HEARTBEAT_KEY)

    # When readiness is checked
    response = client.get("/readyz")

    # Then the worker's state is unknown
    assert response.json()["worker"] == {"status": "unknown"}
