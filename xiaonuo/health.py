"""Liveness and readiness for load balancers and orchestrators, and the worker's heartbeat.

``/healthz`` answers while the process can serve at all. ``/readyz`` says whether this web
process can do useful work: the database answers, no migration is pending and the job queue is
reachable; any of these off gives 503 and names the failing check. The background worker's last
heartbeat is reported too, but does not decide readiness: a web node may run without a worker
(``xiaonuo serve --no-worker``) and still serve requests; jobs just wait in the queue.
"""

import os
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from huey.contrib.djhuey import HUEY, task

# The heartbeat lives in the queue's own key-value store (the SQLite queue file or Redis), not in
# Django's cache: the default cache is per process, and the web must see what the worker wrote.
HEARTBEAT_KEY = "xiaonuo:worker-heartbeat"
# The schedule beats every minute; three missed beats mean the worker is gone or stuck.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _check_database(),
        "migrations": _check_migrations(),
        "queue": _check_queue(),
    }
    ready = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": checks,
        "worker": _worker_status(),
    }
    return JsonResponse(body, status=200 if ready else 503)


@task()
def record_worker_heartbeat() -> dict[str, Any]:
    """Run by a worker (at start and every minute, see schedule.py); returns what it recorded.

    A task rather than a plain function so that anyone can ask "is some worker taking jobs?" by
    enqueueing it and waiting for the result (the worker tests do exactly that).
    """
    beat = {"pid": os.getpid(), "at": timezone.now().isoformat()}
    HUEY.put(HEARTBEAT_KEY, beat)
    return beat


def _check_database() -> str:
    try:
        connections[DEFAULT_DB_ALIAS].ensure_connection()
    except Exception as exc:  # any failure means not ready; say which kind
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_migrations() -> str:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok" if not pending else f"{len(pending)} pending"


def _check_queue() -> str:
    try:
        HUEY.pending_count()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _worker_status() -> dict[str, Any]:
    try:
        beat = HUEY.get(HEARTBEAT_KEY, peek=True)
    except Exception as exc:
        return {"status": f"error: {exc.__class__.__name__}"}
    if not beat:
        return {"status": "unknown"}  # no worker has run against this queue yet
    seen = datetime.fromisoformat(beat["at"])
    status = "ok" if timezone.now() - seen <= HEARTBEAT_STALE_AFTER else "stale"
    return {"status": status, "last_seen": beat["at"], "pid": beat["pid"]}
