"""``xiaonuo feedback import --workspace SLUG --file F --format taobao|jd|meituan|dianping|NAME``
``xiaonuo feedback check-alerts --workspace SLUG`` and ``xiaonuo feedback retrain --workspace SLUG``
(the workspace's sentiment model, from its staff corrections, now rather than tonight).

An import is all or nothing: a file with any bad row stores nothing and every bad row is listed
as ``file:line: field: reason``.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts.models import Workspace
from xiaonuo.feedback import alerts, corrections, services
from xiaonuo.lib.errors import ServiceError


class Command(BaseCommand):
    help = "Import marketplace review exports; check alerts; retrain the sentiment model."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="import a review export (.csv or .xlsx)")
        imp.add_argument("--workspace", required=True, help="workspace slug")
        imp.add_argument("--file", required=True)
        imp.add_argument(
            "--format",
            required=True,
            help="taobao, jd, meituan, dianping, or the name of a saved column mapping",
        )
        check = actions.add_parser("check-alerts", help="look for spikes now")
        check.add_argument("--workspace", required=True, help="workspace slug")
        retrain = actions.add_parser(
            "retrain", help="retrain the workspace's sentiment model from its corrections"
        )
        retrain.add_argument("--workspace", required=True, help="workspace slug")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["workspace"]
        workspace = accounts_selectors.get_workspace_by_slug(slug=slug)
        if workspace is None:
            raise CommandError(f"No workspace {slug!r}")
        if options["action"] == "check-alerts":
            raised = alerts.check_alerts(workspace=workspace)
            self.stdout.write(f"{len(raised)} alert(s) raised")
            return
        if options["action"] == "retrain":
            self._retrain(workspace)
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{options['file']}: no such file")
        try:
            file_format = services.get_file_format(workspace=workspace, name=options["format"])
            result = services.import_file(
                workspace=workspace, path=path, name=options["file"], file_format=file_format
            )
        except ServiceError as error:
            lines = [f"{error.code}: {error.message}"]
            lines += [
                f"  {row['where']}: {row['field']}: {row['reason']}"
                for row in error.details.get("errors", [])
            ]
            if error.details.get("error_count", 0) > len(error.details.get("errors", [])):
                lines.append(f"  … {error.details['error_count']} errors in all; nothing stored")
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(
            f"{result.created} review(s) imported, {result.duplicates} duplicate(s) skipped"
        )

    def _retrain(self, workspace: Workspace) -> None:
        try:
            model = corrections.retrain_sentiment_model(workspace=workspace)
        except ServiceError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        accuracy = model.validation_accuracy
        self.stdout.write(
            f"model {model.version} trained on the default data plus {model.corrections} "
            f"correction(s)" + (f"; validation accuracy {accuracy:.3f}" if accuracy else "")
        )
