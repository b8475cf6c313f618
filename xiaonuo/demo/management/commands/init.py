"""``xiaonuo init``: make a fresh install ready to serve (idempotent; `make run` calls it)."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the data directories, apply migrations and collect static files."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in (settings.DATA_DIR, settings.MEDIA_ROOT, settings.DATA_DIR / "lake"):
            path.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Ready: data in {settings.DATA_DIR}")
