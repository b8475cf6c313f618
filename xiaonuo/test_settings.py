"""Test overrides, in one place. Everything else comes from settings.py and the environment."""

from xiaonuo.settings import *  # noqa: F403
from xiaonuo.settings import HUEY

# Jobs run inline in tests, like Celery's ALWAYS_EAGER; the Redis worker test starts a real
# consumer process with its own settings instead.
HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# On SQLite, test against a file in WAL mode as the product runs, not the in-memory shared
# cache (whose table locks ignore busy_timeout and would fail concurrency tests spuriously).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Auto-reply rebuilds a changed knowledge base's matcher inside the request in tests, so a test
# sees its change at once (in production a background thread does, while answers go on).
AUTOREPLY_REBUILD_IN_BACKGROUND = False
