"""``xiaonuo apikey create|list|revoke``: API keys for a workspace, from the command line.

The secret is printed once, on its own line on stdout (so ``KEY=$(xiaonuo apikey create …)``
works); only its hash is stored.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.lib.errors import ServiceError


class Command(BaseCommand):
    help = "Create, list and revoke API keys of a workspace"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{create,list,revoke}"
        )
        create = actions.add_parser("create", help="create a key and print it (shown once)")
        create.add_argument("--workspace", required=True, help="workspace slug")
        create.add_argument(
            "--name", required=True, help="what the key is for, e.g. 'shop backend'"
        )
        listing = actions.add_parser("list", help="list the keys of a workspace")
        listing.add_argument("--workspace", required=True, help="workspace slug")
        revoke = actions.add_parser("revoke", help="revoke a key by its id (see 'list')")
        revoke.add_argument("--workspace", required=True, help="workspace slug")
        revoke.add_argument("key_id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = _workspace(options["workspace"])
        action = options["action"]
        if action == "create":
            api_key, secret = accounts_services.create_api_key(
                workspace=workspace, name=options["name"], actor=Actor()
            )
            self.stderr.write(
                f"API key {api_key.pk} '{api_key.name}' for {workspace.slug}; "
                "store it now, it is shown only once:"
            )
            self.stdout.write(secret)
        elif action == "list":
            self._list(workspace)
        else:
            try:
                accounts_services.revoke_api_key(
                    workspace=workspace, api_key_id=options["key_id"], actor=Actor()
                )
            except ServiceError as exc:
                raise CommandError(
                    f"{exc.message}: id {options['key_id']} in workspace {workspace.slug!r}"
                ) from None
            self.stdout.write(f"Revoked API key {options['key_id']}")

    def _list(self, workspace: Workspace) -> None:
        keys = accounts_selectors.list_api_keys(workspace=workspace)
        self.stdout.write(
            f"{'ID':>5}  {'PREFIX':<12}  {'STATUS':<8}  {'CREATED':<16}  {'LAST USED':<16}  NAME"
        )
        for key in keys:
            self.stdout.write(
                f"{key.pk:>5}  {key.prefix:<12}  {'active' if key.is_active else 'revoked':<8}  "
                f"{_when(key.created_at):<16}  {_when(key.last_used_at):<16}  {key.name}"
            )


def _workspace(slug: str) -> Workspace:
    workspace = accounts_selectors.get_workspace_by_slug(slug=slug)
    if workspace is None:
        raise CommandError(f"Unknown workspace {slug!r}; 'xiaonuo workspace list' shows the slugs")
    return workspace


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"
