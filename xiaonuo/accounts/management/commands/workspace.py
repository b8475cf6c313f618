"""``xiaonuo workspace create|list``: tenants from the command line (first install, scripts)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import Workspace
from xiaonuo.lib.errors import ServiceError


class Command(BaseCommand):
    help = "Create and list workspaces"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list}")
        create = actions.add_parser("create", help="create a workspace")
        create.add_argument(
            "--slug", required=True, help="short id used in URLs and commands, e.g. chayu"
        )
        create.add_argument("--name", required=True, help="display name, e.g. 茶语")
        actions.add_parser("list", help="list all workspaces")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            try:
                workspace = accounts_services.create_workspace(
                    slug=options["slug"], name=options["name"]
                )
            except ServiceError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"Created workspace {workspace.slug} ({workspace.name})")
            return
        # A plain listing for admins; there is no per-workspace selector for "all tenants".
        for workspace in Workspace.objects.order_by("slug"):
            self.stdout.write(f"{workspace.slug}\t{workspace.name}")
