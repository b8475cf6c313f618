"""``xiaonuo customers import FILE --workspace SLUG`` and ``xiaonuo customers export …``."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xiaonuo.accounts import selectors as accounts_selectors
from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import exporting, importing
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.lib.errors import ServiceError

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import customers from a CSV or XLSX file, or export them to CSV."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="import customers from a .csv or .xlsx file")
        imp.add_argument("file")
        imp.add_argument("--workspace", required=True, help="workspace slug")
        imp.add_argument(
            "--mapping", default="", help="'column=field,…' (default: guessed from the header)"
        )
        imp.add_argument("--sheet", default="", help="XLSX sheet name (default: the first)")
        imp.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
        exp = actions.add_parser("export", help="export customers to CSV (identifiers in full)")
        exp.add_argument("--workspace", required=True, help="workspace slug")
        exp.add_argument("--stage", default="", help="lifecycle stage")
        exp.add_argument("--tag", default="")
        exp.add_argument("--q", default="", help="name prefix, phone or any identity")
        exp.add_argument("--out", required=True, help="output .csv file")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options.pop("workspace")
        workspace = accounts_selectors.get_workspace_by_slug(slug=slug)
        if workspace is None:
            raise CommandError(f"No workspace {slug!r}")
        if options["action"] == "import":
            self.import_file(workspace, **options)
        else:
            self.export(workspace, **options)

    def import_file(
        self, workspace: Workspace, *, file: str, mapping: str, sheet: str, dry_run: bool, **_: Any
    ) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            table = importing.open_table(path, name=file, sheet=sheet)
            result = importing.import_table(
                workspace=workspace,
                table=table,
                actor=Actor(),
                name=file,
                dry_run=dry_run,
                mapping=parse_mapping(mapping)
                if mapping
                else importing.suggest_mapping(table.header, workspace=workspace),
                progress=self.progress,
            )
        except ServiceError as exc:
            # Messages of file-level errors already start with "FILE:LINE:".
            message = exc.message if exc.message.startswith(file) else f"{file}: {exc.message}"
            raise CommandError(f"{message} [{exc.code}]") from None
        self.stderr.write("")
        for error in result.errors:
            self.stderr.write(f"{file}:{error.line}: {error.column or error.field}: {error.reason}")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{result.total_rows} rows: {result.created} {verb} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.error_rows} with errors"
        )
        if result.error_rows:
            raise CommandError(f"{result.error_rows} rows were not imported", returncode=2)

    def progress(self, processed: int, total: int) -> None:
        share = processed / total if total else 1
        filled = int(BAR_WIDTH * share)
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} {processed}/{total}",
            ending="",
        )
        self.stderr.flush()

    def export(
        self, workspace: Workspace, *, stage: str, tag: str, q: str, out: str, **_: Any
    ) -> None:
        filters = customers_selectors.CustomerFilters(q=q, lifecycle_stage=stage, tag=tag)
        # Whoever runs the CLI has the server's files, and with them the data: nothing to mask.
        lines = exporting.export_customers_csv(
            workspace=workspace, filters=filters, actor=Actor(), reveal_pii=True
        )
        count = -1
        with open(out, "w", encoding="utf-8", newline="") as handle:
            for line in lines:
                handle.write(line)
                count += 1
        self.stdout.write(f"{count} customers written to {out}")


def parse_mapping(text: str) -> dict[str, str]:
    """``'姓名=name,手机=phone'`` → ``{"姓名": "name", "手机": "phone"}``."""
    mapping = {}
    for pair in text.split(","):
        column, sep, target = pair.partition("=")
        if not sep or not column.strip():
            raise CommandError(f"--mapping: expected column=field, got {pair!r}")
        mapping[column.strip()] = target.strip()
    return mapping
