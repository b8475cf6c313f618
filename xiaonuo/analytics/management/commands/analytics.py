"""``xiaonuo analytics REPORT --workspace SLUG [--engine E] [--out FILE.csv] …``: a report as CSV.

The same selectors as the console's pages, so a file from here equals the page's CSV export.
Without ``--out`` the CSV goes to standard output.

Also ``analytics lifecycle-stage --workspace SLUG [--dry-run]`` (recompute every customer's
lifecycle stage now, as the nightly job does: counts per stage and who moves) and
``analytics segment --workspace SLUG (--id N | --definition FILE.json) [--count]`` (a segment's
customer ids as CSV, or only their number).
"""

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.analytics import engines, lifecycle_stage, segments, selectors, tables
from xiaonuo.analytics.reports.common import Period
from xiaonuo.analytics.reports.costs import SpendLine
from xiaonuo.lib.errors import ServiceError

REPORTS = ("retention", "lifecycle", "active", "funnel", "rfm", "churn", "clv", "costs")
ACTIONS = ("lifecycle-stage", "segment")  # not a CSV report: handled by their own methods


class Command(BaseCommand):
    help = "Analytics reports as CSV: `analytics retention --workspace SLUG --period week`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True)
        for name in REPORTS + ACTIONS:
            p = sub.add_parser(name)
            p.add_argument("--workspace", required=True, help="the workspace's slug")
            p.add_argument("--engine", choices=engines.ENGINES, help="default: ANALYTICS_ENGINE")
            p.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
            p.add_argument("--as-of", type=datetime.fromisoformat, help="ISO time; default now")
            getattr(self, f"_args_{name.replace('-', '_')}", lambda p: None)(p)

    def _args_retention(self, p: CommandParser) -> None:
        p.add_argument("--period", choices=[x.value for x in Period], default="week")
        p.add_argument("--cohort-event", help="cohort by the first time of this event")
        p.add_argument("--return-event", help="count a return only for this event")
        p.add_argument(
            "--breakdown", choices=[b.value for b in selectors.Breakdown if b], default=""
        )
        p.add_argument("--property", help="the property of a property breakdown")

    def _args_lifecycle(self, p: CommandParser) -> None:
        p.add_argument("--period", choices=[x.value for x in Period], default="week")

    def _args_active(self, p: CommandParser) -> None:
        p.add_argument("--days", type=int, default=90)

    def _args_funnel(self, p: CommandParser) -> None:
        p.add_argument("--steps", required=True, help="event names, comma-separated, in order")
        p.add_argument("--window-days", type=float, default=7)
        p.add_argument("--since", type=date.fromisoformat)

    def _args_rfm(self, p: CommandParser) -> None:
        p.add_argument("--event", help="the purchase event (default: every event)")
        p.add_argument("--amount-property", default="amount")
        p.add_argument(
            "--table", choices=("customers", "segments", "migrations"), default="customers"
        )
        p.add_argument("--compare-days", type=int, default=30)

    def _args_churn(self, p: CommandParser) -> None:
        p.add_argument("--horizon-days", type=int, default=30)
        p.add_argument("--amount-property", default="amount")

    def _args_clv(self, p: CommandParser) -> None:
        p.add_argument("--event", help="the purchase event (default: any event with an amount)")
        p.add_argument("--amount-property", default="amount")
        p.add_argument("--months", type=int, default=6)
        p.add_argument("--margin", type=float, default=1.0)

    def _args_costs(self, p: CommandParser) -> None:
        p.add_argument(
            "--spend",
            type=Path,
            required=True,
            help="CSV with columns kind,name,spend[,customers]; kind is acquisition or retention",
        )
        p.add_argument("--since", type=date.fromisoformat, required=True)
        p.add_argument("--until", type=date.fromisoformat, required=True)
        p.add_argument("--channel-property", default="channel")

    def _args_lifecycle_stage(self, p: CommandParser) -> None:
        p.add_argument("--dry-run", action="store_true", help="show the moves, write nothing")

    def _args_segment(self, p: CommandParser) -> None:
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--id", type=int, help="a saved segment's id")
        which.add_argument("--definition", type=Path, help="a JSON file with a definition")
        p.add_argument("--count", action="store_true", help="print only the number")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']!r}")
        as_of = options["as_of"]
        if as_of is not None and timezone.is_naive(as_of):
            as_of = timezone.make_aware(as_of)
        common = {"workspace": workspace, "engine": options["engine"], "as_of": as_of}
        if options["report"] in ACTIONS:
            try:
                getattr(self, f"_do_{options['report'].replace('-', '_')}")(common, options)
            except ServiceError as exc:
                raise CommandError(f"{exc.details.get('field', '')}: {exc.message}") from None
            return
        try:
            table = getattr(self, f"_run_{options['report']}")(common, options)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        text = tables.to_csv(table)
        if options["out"]:
            options["out"].write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(table[1])} rows written to {options['out']}")
        else:
            self.stdout.write(text, ending="")

    def _run_retention(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        rows = selectors.get_retention(
            **common,
            period=Period(o["period"]),
            cohort_event=o["cohort_event"],
            return_event=o["return_event"],
            breakdown=selectors.Breakdown(o["breakdown"]),
            property_key=o["property"],
        )
        return tables.retention_table(rows, segmented=bool(o["breakdown"]))

    def _run_lifecycle(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        report = selectors.get_lifecycle(**common, period=Period(o["period"]))
        return tables.lifecycle_table(report.periods)

    def _run_active(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        return tables.active_table(selectors.get_lifecycle(**common, days=o["days"]).active)

    def _run_funnel(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        rows = selectors.get_funnel(
            **common, steps=o["steps"].split(","), window_days=o["window_days"], since=o["since"]
        )
        return tables.funnel_table(rows)

    def _run_rfm(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        if o["table"] == "customers":
            return tables.rfm_customers_table(
                selectors.list_rfm_customers(
                    **common, event=o["event"], amount_property=o["amount_property"]
                )
            )
        report = selectors.get_rfm(
            **common,
            event=o["event"],
            amount_property=o["amount_property"],
            compare_days=o["compare_days"],
        )
        if o["table"] == "segments":
            return tables.rfm_segments_table(report)
        return tables.rfm_migrations_table(report)

    def _run_churn(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        result = selectors.get_churn_risk(
            **common, horizon_days=o["horizon_days"], amount_property=o["amount_property"]
        )
        auc = "n/a (not enough history)" if result.auc is None else f"{result.auc:.3f}"
        self.stderr.write(
            f"AUC on the later split: {auc} ({result.train_customers} customers to fit, "
            f"{result.test_customers} to test, horizon {result.horizon_days} days)"
        )
        return tables.churn_table(result)

    def _run_clv(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        report = selectors.get_clv(
            **common,
            event=o["event"],
            amount_property=o["amount_property"],
            months=o["months"],
            margin=o["margin"],
        )
        s = report.summary
        self.stderr.write(
            f"CLV {s.clv if s.clv is not None else 'n/a'} = AOV {s.average_order_value} × "
            f"{s.orders_per_active_month} orders/month × {s.expected_lifetime_months} months × "
            f"margin {s.margin}"
        )
        return tables.clv_table(report.curve)

    def _run_costs(self, common: dict[str, Any], o: dict[str, Any]) -> tables.Table:
        summary = selectors.get_costs(
            **common,
            lines=read_spend(o["spend"]),
            since=o["since"],
            until=o["until"],
            channel_property=o["channel_property"],
        )
        self.stderr.write(
            f"acquisition {summary.acquisition_cost} / retention {summary.retention_cost} per "
            f"customer = {summary.ratio}× (reference {summary.reference_ratio}×)"
        )
        return tables.costs_table(summary)

    def _do_lifecycle_stage(self, common: dict[str, Any], o: dict[str, Any]) -> None:
        run = lifecycle_stage.update_stages(**common, dry_run=o["dry_run"])
        self.stdout.write("stage,before,after")
        for stage in lifecycle_stage.STAGE_ORDER:
            self.stdout.write(f"{stage},{run.before[stage]},{run.after[stage]}")
        verb = "would move" if o["dry_run"] else "moved"
        self.stdout.write(
            f"{run.moving} customers {verb}"
            + (" (dry run: nothing written)" if o["dry_run"] else "")
        )
        for (before, after), n in sorted(run.moves.items(), key=lambda m: -m[1]):
            self.stdout.write(f"  {before} -> {after}: {n}")

    def _do_segment(self, common: dict[str, Any], o: dict[str, Any]) -> None:
        workspace = common["workspace"]
        if o["id"] is not None:
            definition = segments.get_segment(workspace=workspace, segment_id=o["id"]).definition
        else:
            definition = read_definition(o["definition"])
        ids = segments.evaluate(
            workspace=workspace,
            definition=definition,
            engine=common["engine"],
            as_of=common["as_of"],
        )
        if o["count"]:
            self.stdout.write(str(len(ids)))
            return
        text = "customer_id\n" + "".join(f"{i}\n" for i in ids.tolist())
        if o["out"]:
            o["out"].write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(ids)} customers written to {o['out']}")
        else:
            self.stdout.write(text, ending="")


def read_definition(path: Path) -> Any:
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise CommandError(f"{path}: not JSON ({exc})") from None


def read_spend(path: Path) -> list[SpendLine]:
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    lines = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for number, row in enumerate(csv.DictReader(f), start=2):
            try:
                customers = (row.get("customers") or "").strip()
                lines.append(
                    SpendLine(
                        kind=row["kind"].strip(),
                        name=row["name"].strip(),
                        spend=float(row["spend"]),
                        customers=int(customers) if customers else None,
                    )
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise CommandError(f"{path}, line {number}: {exc!r}") from None
    return lines
