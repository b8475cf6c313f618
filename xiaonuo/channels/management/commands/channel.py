"""``xiaonuo channel create wechat|list``: channels of a workspace, from the command line.

``create wechat`` connects an Official Account and prints the callback URL to enter in WeChat's
"服务器配置" on its own line on stdout (``URL=$(xiaonuo channel create wechat …)`` works).
The AppSecret may be given with ``--app-secret`` or, to keep it out of the shell's history and
the process list, in the environment variable ``XIAONUO_WECHAT_APP_SECRET``.
"""

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts.models import Workspace
from xiaonuo.channels import selectors as channels_selectors
from xiaonuo.channels import services as channels_services
from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.lib.errors import ServiceError

# Which option each refusal is about, so the error names it.
_OPTION = {
    ChannelsError.WECHAT_TOKEN_INVALID: "--token",
    ChannelsError.WECHAT_AES_KEY_INVALID: "--encoding-aes-key",
    ChannelsError.WECHAT_APP_ID_INVALID: "--app-id",
    ChannelsError.WECHAT_APP_ID_TAKEN: "--app-id",
    ChannelsError.WECHAT_APP_SECRET_INVALID: "--app-secret",
    ChannelsError.CHANNEL_NAME_INVALID: "--name",
}


class Command(BaseCommand):
    help = "Create and list the channels of a workspace (WeChat Official Accounts …)"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list}")
        create = actions.add_parser("create", help="create a channel")
        kinds = create.add_subparsers(dest="kind", required=True, metavar="{wechat}")
        wechat = kinds.add_parser(
            "wechat", help="connect a WeChat Official Account; prints its callback URL"
        )
        wechat.add_argument("--workspace", required=True, help="workspace slug")
        wechat.add_argument(
            "--token", required=True, help="the Token of WeChat's 服务器配置 (3–32 letters/digits)"
        )
        wechat.add_argument(
            "--encoding-aes-key", required=True, help="the EncodingAESKey (43 characters)"
        )
        wechat.add_argument("--app-id", required=True, help="the AppID (wx…)")
        wechat.add_argument(
            "--app-secret",
            default=os.environ.get("XIAONUO_WECHAT_APP_SECRET", ""),
            help="the AppSecret (or XIAONUO_WECHAT_APP_SECRET); stored encrypted",
        )
        wechat.add_argument("--name", default="", help="display name (default: the AppID)")
        listing = actions.add_parser("list", help="list the channels of a workspace")
        listing.add_argument("--workspace", required=True, help="workspace slug")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = _workspace(options["workspace"])
        if options["action"] == "list":
            self._list(workspace)
            return
        try:
            channel = channels_services.create_wechat_channel(
                workspace=workspace,
                name=options["name"] or options["app_id"],
                token=options["token"],
                encoding_aes_key=options["encoding_aes_key"],
                app_id=options["app_id"],
                app_secret=options["app_secret"],
            )
        except ServiceError as exc:
            option = _OPTION.get(ChannelsError(exc.code), "")
            raise CommandError(f"{option}: {exc.message}" if option else exc.message) from None
        self.stderr.write(
            f"WeChat channel {channel.pk} '{channel.name}' for {workspace.slug}. Enter this URL, "
            "the Token and the EncodingAESKey in WeChat's 服务器配置:"
        )
        if not options["app_secret"]:
            self.stderr.write(
                "No AppSecret given: later answers and staff replies cannot be sent until it is "
                "entered on the channel's console page."
            )
        self.stdout.write(_callback_url(channel.public_id))

    def _list(self, workspace: Workspace) -> None:
        self.stdout.write(f"{'ID':>5}  {'KIND':<10}  {'STATUS':<8}  {'PUBLIC ID':<22}  NAME")
        for channel in channels_selectors.list_channels(workspace=workspace):
            status = "enabled" if channel.enabled else "disabled"
            self.stdout.write(
                f"{channel.pk:>5}  {channel.kind:<10}  {status:<8}  {channel.public_id:<22}  "
                f"{channel.name}"
            )


def _callback_url(public_id: str) -> str:
    return settings.SITE_URL + reverse("channels:wechat_callback", args=[public_id])


def _workspace(slug: str) -> Workspace:
    workspace = accounts_selectors.get_workspace_by_slug(slug=slug)
    if workspace is None:
        raise CommandError(f"Unknown workspace {slug!r}; 'xiaonuo workspace list' shows the slugs")
    return workspace
