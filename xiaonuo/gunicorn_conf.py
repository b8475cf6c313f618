"""Gunicorn settings for ``xiaonuo serve`` (passed as ``--config python:xiaonuo.gunicorn_conf``).

Each web process warms up as soon as it starts: without this, its first WeChat message pays
seconds (importing the listener chain, loading the segmenter's dictionary, building the
workspace's matcher) and misses WeChat's 5-second reply budget. The warm-up runs in a
background thread so the worker accepts requests at once; a request for a workspace whose
matcher is being built waits on the engine's per-workspace lock instead of building twice.
"""

import logging
import threading
import time
from typing import Any

logger = logging.getLogger("xiaonuo.warmup")


def post_worker_init(worker: Any) -> None:  # gunicorn's hook: the app (Django) is loaded
    threading.Thread(target=warm_up, name="xiaonuo-warm-up", daemon=True).start()


def warm_up() -> None:
    """Import what the live paths reach through ``listeners``, build the matcher of every
    workspace with auto-reply enabled and the lake files' customer filters. Never fails the worker: a miss only costs the first
    customer the wait it would have had anyway."""
    from django.db import connection
    from django.urls import get_resolver

    started = time.monotonic()
    try:
        get_resolver().url_patterns  # noqa: B018 - imports every app's views and API routers
        import xiaonuo.listeners  # noqa: F401 - the reactions' modules, imported once here
        from xiaonuo.autoreply import engine
        from xiaonuo.autoreply.models import AutoReplySettings

        for settings_row in AutoReplySettings.objects.filter(enabled=True).order_by("pk"):
            engine.warm(settings_row)
        # The lake files' customer filters, so customer timelines read only their files.
        from xiaonuo.events import lake, lake_index
        from xiaonuo.events.models import LakeFile

        root = lake.lake_root()
        lake_index.build_now(
            str(root / path) for path in LakeFile.objects.values_list("path", flat=True)
        )
        logger.info("web process warmed up in %.1f s", time.monotonic() - started)
    except Exception:
        logger.exception("warm-up of the web process failed; the first requests pay for it")
    finally:
        connection.close()  # this thread's own connection
