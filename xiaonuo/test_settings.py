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
